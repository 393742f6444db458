"""Property tests of the arithmetic and parsing that matter (hypothesis)."""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.indicators.trajectory import Point, assess, expected_value, progress_rate
from app.models.indicators import Direction, Trajectory
from app.revision.http_cache import names_revision, revision_needles, revisions_named
from app.trackables import imports

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(baseline=values, target=values, current=values)
def test_progress_rate_is_bounded(baseline, target, current):
    rate = progress_rate(baseline, target, current)
    assert 0.0 <= rate <= 100.0


@given(baseline=values, target=values, a=values, b=values)
def test_progress_rate_grows_towards_the_target(baseline, target, a, b):
    low, high = sorted((a, b))
    if target > baseline:  # a rising indicator: higher is never worse
        assert progress_rate(baseline, target, high) >= progress_rate(baseline, target, low)
    elif target < baseline:  # a falling one: lower is never worse
        assert progress_rate(baseline, target, low) >= progress_rate(baseline, target, high)


@given(baseline=positive, target=positive, current=positive, years=st.integers(1, 30))
def test_trajectory_matches_the_direction_of_change(baseline, target, current, years):
    if math.isclose(target, baseline, rel_tol=1e-9):
        return
    direction = Direction.increase if target > baseline else Direction.decrease
    result = assess(
        direction=direction,
        baseline=Point(2020, baseline),
        target=Point(2044, target),
        current=Point(2020 + min(years, 23), current),
        year=2030,
    )
    assert result.trajectory != Trajectory.no_data
    moved_away = (current < baseline) if direction == Direction.increase else (current > baseline)
    reached = (current >= target) if direction == Direction.increase else (current <= target)
    if reached:
        assert result.trajectory == Trajectory.target_achieved
        assert result.progress_rate == 100.0
    elif moved_away:
        assert result.trajectory == Trajectory.deterioration
        assert result.progress_rate == 0.0
    else:
        assert result.growth_ratio is not None and result.growth_ratio >= 0
        assert result.trajectory in {
            Trajectory.on_track,
            Trajectory.acceleration_needed,
            Trajectory.limited_progress,
        }


@given(baseline=values, target=values, year=st.integers(1990, 2100))
def test_expected_value_lies_between_baseline_and_target(baseline, target, year):
    value = expected_value(Point(2020, baseline), Point(2044, target), year)
    low, high = sorted((baseline, target))
    assert low - 1e-6 * (1 + abs(low)) <= value <= high + 1e-6 * (1 + abs(high))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000))
def test_csv_parser_never_raises_on_any_bytes(data):
    parsed = imports.parse(data)
    assert parsed.rows or parsed.errors or not data.strip()
    for error in parsed.errors:
        assert error.line >= 1 and error.message


cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@settings(max_examples=300)
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=8), max_size=20), sep=st.sampled_from(",;")
)
def test_csv_parser_gives_rows_or_row_errors(rows, sep):
    header = sep.join(["trackable_code", "year", "progress", "status", "comment"])
    body = "\n".join([header] + [sep.join(row) for row in rows])
    parsed = imports.parse(body.encode("utf-8"))
    for row in parsed.rows:
        assert 0 <= row.progress <= 100
        assert 2024 <= row.year <= 2044
        assert row.trackable_code
    # A line is either a row or a list of errors, never both.
    assert {row.line for row in parsed.rows}.isdisjoint({e.line for e in parsed.errors})
    assert all(e.line >= 2 for e in parsed.errors)


@given(
    progress=st.floats(min_value=0, max_value=100, allow_nan=False),
    year=st.integers(2024, 2044),
    comma=st.booleans(),
)
def test_csv_parser_reads_back_what_a_spreadsheet_writes(progress, year, comma):
    text = f"{progress!r}".replace(".", ",") if comma else repr(progress)
    sep = ";" if comma else ","
    body = f"trackable_code{sep}year{sep}progress\nE1.1.1{sep}{year}{sep}{text}\n"
    parsed = imports.parse(body.encode())
    assert parsed.errors == []
    assert parsed.rows[0].year == year
    assert math.isclose(parsed.rows[0].progress, progress, rel_tol=1e-12, abs_tol=1e-12)


_TAGS = st.builds(lambda n, t: f"r{n}t{t}", st.integers(0, 10**6), st.integers(0, 10**16))
#: How a tag may appear in If-None-Match: well formed (weak, version-suffixed…) or not quite.
_SHAPES = st.sampled_from(['W/"{}"', '"{}"', '"3.{}"', "{}", '"x{}"', '{}"', '"{}0"', '"{}'])


@given(tag=_TAGS, named=st.lists(st.tuples(_TAGS, _SHAPES), max_size=4), shape=_SHAPES)
def test_the_replay_s_if_none_match_test_agrees_with_revisions_named(
    tag: str, named: list[tuple[str, str]], shape: str
) -> None:
    for header in (
        ", ".join(form.format(name) for name, form in named),
        ", ".join(form.format(name) for name, form in [*named, (tag, shape)]),
    ):
        assert names_revision(header.encode(), revision_needles(tag)) == (
            tag in revisions_named(header)
        )
