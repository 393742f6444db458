"""Is an indicator on track? Pure arithmetic, documented in docs/trajectories.md.

- ``progress_rate`` — as the French government's results barometer (Baromètre des résultats de
  l'action publique): (current − baseline) / (target − baseline), bounded to 0–100 %, for rising
  and falling indicators alike.
- ``trajectory`` — as Open SDG's progress methodology: the ratio of the observed compound annual
  growth since the baseline to the growth needed to reach the target by its year;
  target achieved; on track at 95 % or more of the needed growth; acceleration needed at
  60–95 %; limited progress at 0–60 %; deterioration below 0.
- ``expected_value`` — the value on the straight line from baseline to target, for a given year.
"""

import math
from dataclasses import dataclass

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


def progress_rate(baseline: float, target: float, current: float) -> float:
    """(current − baseline) / (target − baseline), in %, bounded to 0–100."""
    if target == baseline:
        return 100.0 if current == target else 0.0
    rate = (current - baseline) / (target - baseline) * 100
    return min(100.0, max(0.0, rate))


def expected_value(baseline: Point, target: Point, year: int) -> float:
    """The value on the line from baseline to target in ``year`` (held flat outside them)."""
    if target.year <= baseline.year or year >= target.year:
        return target.value
    if year <= baseline.year:
        return baseline.value
    share = (year - baseline.year) / (target.year - baseline.year)
    return baseline.value + (target.value - baseline.value) * share


def annual_growth(start: Point, end: Point) -> float:
    """Compound annual growth rate from ``start`` to ``end``; linear growth per year (relative
    to the start) when a value is zero or negative, where a compound rate means nothing."""
    years = end.year - start.year
    if start.value > 0 and end.value > 0:
        return float((end.value / start.value) ** (1 / years) - 1)
    scale = abs(start.value) or 1.0
    return (end.value - start.value) / years / scale


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
    if current is None or baseline is None or target is None:
        missing = [
            name
            for name, point in (("value", current), ("baseline", baseline), ("target", target))
            if point is None
        ]
        return Assessment(
            Trajectory.no_data, None, None, expected, f"no {' and no '.join(missing)} recorded yet"
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
    ratio = observed / needed if needed != 0 else 0.0
    if not math.isfinite(ratio):
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
        ratio,
        expected,
        f"from {baseline.value:g} in {baseline.year} to {current.value:g} in {current.year}: "
        f"{observed:+.2%} a year, where {needed:+.2%} a year is needed to reach "
        f"{target.value:g} in {target.year} ({ratio:.0%} of the pace needed)",
    )


def pick_target(targets: list[Point], year: int) -> Point | None:
    """The target that applies in ``year`` (the latest value's year, or this year without a
    value): the first one not before it, else the last one. ``targets`` are sorted by year."""
    for target in targets:
        if target.year >= year:
            return target
    return targets[-1] if targets else None
