"""The trajectory's explanation in French, for the pages: the same reasoning as
app.indicators.trajectory.assess (whose ``explanation`` is the API's, in English), told from the
indicator's baseline, its target for the year and its latest value."""

import math

from app.indicators.trajectory import Point, annual_growth
from app.models.indicators import Direction, IndicatorPublic, Trajectory
from app.web import format as fr


def _signed_percent(share: float) -> str:
    """``0.0694`` → ``"+6,94 %"``."""
    value = share * 100
    sign = "+" if value > 0 else ""
    return f"{sign}{fr.number(value, 2)}{fr.NNBSP}%"


def trajectory_explanation(indicator: IndicatorPublic) -> str:
    """How the trajectory of ``indicator`` was decided, in a sentence a citizen can read."""
    t = indicator.trajectory
    baseline = indicator.baseline

    def amount(value: float) -> str:
        return fr.quantity(value, indicator.unit, indicator.decimals)

    missing = [
        name
        for name, known in (
            ("valeur observée", t.current_value is not None),
            ("valeur de référence", baseline is not None),
            ("cible", t.target_value is not None),
        )
        if not known
    ]
    if missing or baseline is None or t.current_value is None or t.target_value is None:
        return f"Pas encore de {' ni de '.join(missing)} : rien à mesurer pour l'instant."
    current, target = t.current_value, t.target_value
    assert t.current_year is not None and t.target_year is not None
    if not all(math.isfinite(v) for v in (baseline.value, target, current)):
        return (
            f"Référence {amount(baseline.value)}, cible {amount(target)}, dernière valeur "
            f"{amount(current)} : ces valeurs ne sont pas toutes mesurables."
        )
    if indicator.direction == Direction.maintain:
        held = t.trajectory == Trajectory.target_achieved
        verb = "tient" if held else "ne tient plus"
        return f"{amount(current)} en {t.current_year} {verb} le niveau de {amount(target)}."
    if t.trajectory == Trajectory.target_achieved:
        return (
            f"{amount(current)} en {t.current_year} atteint la cible de {amount(target)} "
            f"fixée pour {t.target_year}."
        )
    if t.trajectory == Trajectory.no_data:
        return (
            "Aucune valeur observée après l'année de référence pour l'instant : "
            "pas encore de tendance à mesurer."
        )
    start = Point(baseline.year, baseline.value)
    observed = annual_growth(start, Point(t.current_year, current))
    needed = annual_growth(start, Point(t.target_year, target))
    pace = (
        f" ({fr.percent(round(t.growth_ratio * 100))} du rythme nécessaire)"
        if t.growth_ratio is not None and math.isfinite(t.growth_ratio * 100)
        else ""
    )
    return (
        f"De {amount(baseline.value)} en {baseline.year} à {amount(current)} en "
        f"{t.current_year} : {_signed_percent(observed)} par an, quand il faudrait "
        f"{_signed_percent(needed)} par an pour atteindre {amount(target)} en "
        f"{t.target_year}{pace}."
    )
