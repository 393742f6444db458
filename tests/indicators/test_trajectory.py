"""The trajectory arithmetic on hand-computed cases.

Rising indicator: baseline 10 in 2020, target 50 in 2044. The growth needed is
5^(1/24) − 1 = 6.936 % a year. Falling indicator: baseline 100 in 2020, target 50 in 2044:
0.5^(1/24) − 1 = −2.847 % a year.
"""

from typing import Any

import pytest

from app.indicators.trajectory import Point, annual_growth, assess, expected_value, pick_target
from app.models.indicators import Direction, Trajectory

RISING: dict[str, Any] = {
    "direction": Direction.increase,
    "baseline": Point(2020, 10),
    "target": Point(2044, 50),
}
FALLING: dict[str, Any] = {
    "direction": Direction.decrease,
    "baseline": Point(2020, 100),
    "target": Point(2044, 50),
}


@pytest.mark.parametrize(
    ("case", "current", "trajectory", "rate", "ratio"),
    [
        # 2^(1/6) − 1 = 12.25 % a year: 1.766 × the pace needed.
        (RISING, Point(2026, 20), Trajectory.on_track, 25.0, 1.7656),
        # 1.4^(1/6) − 1 = 5.77 %: 83 % of the pace → acceleration needed (60–95 %).
        (RISING, Point(2026, 14), Trajectory.acceleration_needed, 10.0, 0.8316),
        # 1.2^(1/6) − 1 = 3.09 %: 44 % of the pace → limited progress (0–60 %).
        (RISING, Point(2026, 12), Trajectory.limited_progress, 5.0, 0.4448),
        # Below the baseline: negative growth → deterioration, rate bounded at 0.
        (RISING, Point(2026, 8), Trajectory.deterioration, 0.0, None),
        # 0.8^(1/6) − 1 = −3.65 % a year where −2.85 % is needed: 1.28 × → on track.
        (FALLING, Point(2026, 80), Trajectory.on_track, 40.0, 1.2824),
        # Rising while it should fall: −0.56 → deterioration.
        (FALLING, Point(2026, 110), Trajectory.deterioration, 0.0, -0.5625),
        # Targets reached, whatever the pace.
        (RISING, Point(2030, 55), Trajectory.target_achieved, 100.0, None),
        (FALLING, Point(2040, 50), Trajectory.target_achieved, 100.0, None),
    ],
)
def test_assess_hand_computed(case, current, trajectory, rate, ratio):
    result = assess(**case, current=current, year=2026)
    assert result.trajectory == trajectory
    assert result.progress_rate == pytest.approx(rate)
    if ratio is not None:
        assert result.growth_ratio == pytest.approx(ratio, abs=1e-4)
    assert result.expected_value == pytest.approx(20.0 if case is RISING else 87.5)


def test_no_data_cases():
    nothing = assess(**RISING, current=None, year=2026)
    assert (nothing.trajectory, nothing.progress_rate) == (Trajectory.no_data, None)
    assert "no value" in nothing.explanation
    no_baseline = assess(
        direction=Direction.increase,
        baseline=None,
        target=Point(2044, 50),
        current=Point(2025, 9),
        year=2026,
    )
    assert no_baseline.trajectory == Trajectory.no_data
    assert no_baseline.expected_value is None
    assert "no baseline" in no_baseline.explanation
    # A single value in the baseline year: no trend yet, but a progress rate.
    single = assess(**RISING, current=Point(2020, 10), year=2026)
    assert single.trajectory == Trajectory.no_data
    assert single.progress_rate == 0.0


def test_maintain():
    case: dict[str, Any] = {
        "direction": Direction.maintain,
        "baseline": Point(2020, 95),
        "target": Point(2044, 95),
    }
    assert assess(**case, current=Point(2025, 95.5), year=2026).trajectory == (
        Trajectory.target_achieved
    )
    assert assess(**case, current=Point(2025, 90), year=2026).trajectory == Trajectory.deterioration


def test_expected_value_on_the_line():
    baseline, target = Point(2020, 10), Point(2044, 50)
    assert expected_value(baseline, target, 2032) == pytest.approx(30.0)
    assert expected_value(baseline, target, 2010) == 10
    assert expected_value(baseline, target, 2050) == 50


def test_linear_growth_when_a_value_is_zero():
    # From 0 %, a compound rate means nothing: growth per year relative to 1.
    assert annual_growth(Point(2024, 0), Point(2044, 50)) == pytest.approx(2.5)
    result = assess(
        direction=Direction.increase,
        baseline=Point(2024, 0),
        target=Point(2044, 50),
        current=Point(2028, 10),
        year=2028,
    )
    assert result.growth_ratio == pytest.approx(1.0)
    assert result.trajectory == Trajectory.on_track


def test_pick_target():
    targets = [Point(2030, 20), Point(2044, 50)]
    assert pick_target(targets, 2026) == Point(2030, 20)
    assert pick_target(targets, 2031) == Point(2044, 50)
    assert pick_target(targets, 2050) == Point(2044, 50)
    assert pick_target([], 2026) is None
