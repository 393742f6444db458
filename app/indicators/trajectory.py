"""Is an indicator on track? Pure arithmetic, documented in docs/trajectories.md.

- ``progress_rate`` — as the French government's results barometer (Baromètre des résultats de
  l'action publique): (current − baseline) / (target − baseline), bounded to 0–100 %, for rising
  and falling indicators alike.
- ``trajectory`` — as Open SDG's progress methodology: the ratio of the observed compound annual
  growth since the baseline to the growth needed to reach the target by its year;
  target achieved; on track at 95 % or more of the needed growth; acceleration needed at
  60–95 %; limited progress at 0–60 %; deterioration below 0.
- ``expected_value`` — the value on the straight line from baseline to target, for a given year.

Total, for any value a float column holds (docs/security.md): where a difference or a quotient of
stored values overflows a double (from -1e308 to 1e308, from 5e-324 to 1e15), the same quantity
is computed another way (as exact fractions, as a weighted mean, in logarithms); the progress rate
is always within 0–100, the expected value finite (or None) and the growth ratio finite (or None
when it is beyond a double: its sign and size still set the trajectory). An infinite or NaN
baseline, target or latest value (never accepted by the API, but PostgreSQL and old dumps can hold
them) gives no data: no rate, no ratio.
"""

import math
import sys
from dataclasses import dataclass
from fractions import Fraction

from app.models.indicators import Direction, Trajectory

ON_TRACK = 0.95
ACCELERATION_NEEDED = 0.60
#: A "maintain" indicator holds its target within this share of it.
MAINTAIN_TOLERANCE = 0.01


@dataclass(frozen=True)
class Point:
    year: int
    value: float


@dataclass(frozen=True)
class Assessment:
    trajectory: Trajectory
    progress_rate: float | None
    growth_ratio: float | None
    expected_value: float | None
    explanation: str


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def progress_rate(baseline: float, target: float, current: float) -> float:
    """(current − baseline) / (target − baseline), in %, bounded to 0–100."""
    if target == baseline:
        return 100.0 if current == target else 0.0
    span, done = target - baseline, current - baseline
    if not _finite(span, done) and _finite(baseline, target, current):
        # A difference beyond a double (from -1e308 to 1e308): exactly, as fractions.
        exact = (Fraction(current) - Fraction(baseline)) / (Fraction(target) - Fraction(baseline))
        return float(min(Fraction(100), max(Fraction(0), exact * 100)))
    rate = done / span * 100  # may overflow to ±inf: bounded below, as its sign says
    if math.isnan(rate):  # infinite stored values only
        return 0.0
    return min(100.0, max(0.0, rate))


def expected_value(baseline: Point, target: Point, year: int) -> float:
    """The value on the line from baseline to target in ``year`` (held flat outside them)."""
    if target.year <= baseline.year or year >= target.year:
        return target.value
    if year <= baseline.year:
        return baseline.value
    share = (year - baseline.year) / (target.year - baseline.year)
    value = baseline.value + (target.value - baseline.value) * share
    if math.isfinite(value) or not _finite(baseline.value, target.value):
        return value
    # The difference overflowed (ends of opposite signs): as a weighted mean of the ends, which
    # stays between them.
    return baseline.value * (1 - share) + target.value * share


#: From this on, ``math.exp`` overflows a double (and raises OverflowError).
_LOG_MAX = math.log(sys.float_info.max)


def _exp(power: float) -> float:
    """e^power, +inf where it is beyond a double."""
    return math.exp(power) if power < _LOG_MAX else math.inf


def _log_growth(start: Point, end: Point) -> tuple[int, float]:
    """``annual_growth`` as its sign (-1, 0, 1) and the logarithm of its magnitude, computed
    without overflow for any finite values."""
    years = end.year - start.year
    if start.value > 0 and end.value > 0:
        rate = (math.log(end.value) - math.log(start.value)) / years  # log(1 + growth)
        if rate == 0:
            return 0, -math.inf
        if rate >= _LOG_MAX:  # growth = e^rate − 1 ≈ e^rate
            return 1, rate
        return (1 if rate > 0 else -1), math.log(abs(math.expm1(rate)))
    if end.value == start.value:
        return 0, -math.inf
    # |end − start| as largest × |end/largest − start/largest|, both quotients within ±1.
    largest = max(abs(end.value), abs(start.value))
    difference = abs(end.value / largest - start.value / largest)
    if difference == 0:
        return 0, -math.inf
    scale = abs(start.value) or 1.0
    log_size = math.log(largest) + math.log(difference) - math.log(years) - math.log(scale)
    return (1 if end.value > start.value else -1), log_size


def annual_growth(start: Point, end: Point) -> float:
    """Compound annual growth rate from ``start`` to ``end``; linear growth per year (relative
    to the start) when a value is zero or negative, where a compound rate means nothing.

    ±inf when the growth itself is beyond a double; never NaN for finite values."""
    years = end.year - start.year
    if start.value > 0 and end.value > 0:
        quotient = end.value / start.value
        if sys.float_info.min <= quotient < math.inf:
            return float(quotient ** (1 / years) - 1)
    else:
        growth = (end.value - start.value) / years / (abs(start.value) or 1.0)
        if math.isfinite(growth):
            return growth
    if not _finite(start.value, end.value):
        return math.nan
    # The quotient or the difference overflowed (or lost its digits): in logarithms.
    sign, log_size = _log_growth(start, end)
    return sign * _exp(log_size)


def growth_ratio(baseline: Point, target: Point, current: Point) -> float:
    """Observed annual growth (baseline to current) / growth needed (baseline to target); 0 when
    no growth is needed. ±inf when the ratio is beyond a double, NaN only for infinite or NaN
    stored values."""
    needed = annual_growth(baseline, target)
    observed = annual_growth(baseline, current)
    if needed == 0:
        return 0.0
    if _finite(needed, observed) or not _finite(baseline.value, target.value, current.value):
        return observed / needed
    # A growth beyond a double (from 5e-324 to 1e308): their ratio may well not be.
    needed_sign, needed_log = _log_growth(baseline, target)
    observed_sign, observed_log = _log_growth(baseline, current)
    if observed_sign == 0 or needed_sign == 0:
        return 0.0
    return observed_sign * needed_sign * _exp(observed_log - needed_log)


def reached(direction: Direction, target: float, current: float) -> bool:
    if direction == Direction.increase:
        return current >= target
    if direction == Direction.decrease:
        return current <= target
    return abs(current - target) <= MAINTAIN_TOLERANCE * max(abs(target), 1e-9)


def assess(
    *,
    direction: Direction,
    baseline: Point | None,
    target: Point | None,
    current: Point | None,
    year: int,
) -> Assessment:
    """Where an indicator stands in ``year`` from its latest value ``current``."""
    expected = expected_value(baseline, target, year) if baseline and target else None
    if expected is not None and not math.isfinite(expected):
        expected = None  # an infinite stored end: no point of the line to give
    if current is None or baseline is None or target is None:
        missing = [
            name
            for name, point in (("value", current), ("baseline", baseline), ("target", target))
            if point is None
        ]
        return Assessment(
            Trajectory.no_data, None, None, expected, f"no {' and no '.join(missing)} recorded yet"
        )
    if not _finite(baseline.value, target.value, current.value):
        return Assessment(
            Trajectory.no_data,
            None,
            None,
            expected,
            f"baseline {baseline.value:g}, target {target.value:g}, latest value "
            f"{current.value:g}: not all finite numbers, nothing can be measured",
        )
    rate = progress_rate(baseline.value, target.value, current.value)
    if direction == Direction.maintain:
        held = reached(direction, target.value, current.value)
        return Assessment(
            Trajectory.target_achieved if held else Trajectory.deterioration,
            rate,
            None,
            expected,
            f"{current.value:g} in {current.year} "
            + ("holds" if held else "no longer holds")
            + f" the level of {target.value:g}",
        )
    if reached(direction, target.value, current.value):
        return Assessment(
            Trajectory.target_achieved,
            rate,
            None,
            expected,
            f"{current.value:g} in {current.year} has reached the target of {target.value:g} "
            f"set for {target.year}",
        )
    if current.year <= baseline.year or target.year <= baseline.year:
        return Assessment(
            Trajectory.no_data,
            rate,
            None,
            expected,
            "no value recorded after the baseline year yet: no trend to measure",
        )
    needed = annual_growth(baseline, target)
    observed = annual_growth(baseline, current)
    ratio = growth_ratio(baseline, target, current)
    if math.isnan(ratio):  # infinite or NaN stored values: no trend can be measured
        ratio = 0.0
    if ratio >= ON_TRACK:
        trajectory = Trajectory.on_track
    elif ratio >= ACCELERATION_NEEDED:
        trajectory = Trajectory.acceleration_needed
    elif ratio >= 0:
        trajectory = Trajectory.limited_progress
    else:
        trajectory = Trajectory.deterioration
    return Assessment(
        trajectory,
        rate,
        ratio if math.isfinite(ratio) else None,  # beyond a double: JSON has no number for it
        expected,
        f"from {baseline.value:g} in {baseline.year} to {current.value:g} in {current.year}: "
        f"{_percent(observed, '+.2')} a year, where {_percent(needed, '+.2')} a year is needed "
        f"to reach {target.value:g} in {target.year} ({_percent(ratio, '.0')} of the pace "
        "needed)",
    )


def _percent(value: float, spec: str) -> str:
    """``0.0694`` → ``"+6.94%"``; beyond a million % with an exponent (``"+4.58e+69%"``), not the
    70 digits of a growth from 5e-324."""
    if abs(value) < 1e4:
        return f"{value:{spec}%}"
    return f"{value * 100:{spec[0] if spec[0] in '+-' else ''}.3g}%"


def pick_target(targets: list[Point], year: int) -> Point | None:
    """The target that applies in ``year`` (the latest value's year, or this year without a
    value): the first one not before it, else the last one. ``targets`` are sorted by year."""
    for target in targets:
        if target.year >= year:
            return target
    return targets[-1] if targets else None
