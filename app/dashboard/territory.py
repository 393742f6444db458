"""The territory commune by commune: what the map colours and what a commune's page shows.

As ``dashboard.communes`` counts them, an action is a live top-level action; one naming no
commune concerns the whole territory. Each reader runs a fixed number of queries.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, distinct, func
from sqlmodel import Session, col, select

from app.indicators.trajectory import Point
from app.models import Commune, Trackable, TrackableCommune, TrackableKind
from app.models.indicators import Indicator, IndicatorValue
from app.reference import reference


@dataclass(frozen=True)
class CommuneIndicator:
    code: str
    name: str
    unit: str
    decimals: int
    latest: Point


@dataclass(frozen=True)
class CommuneDetail:
    commune: Commune
    named: list[Trackable]
    whole_territory: list[Trackable]
    indicators: list[CommuneIndicator]


def _live_action() -> tuple[ColumnElement[bool], ...]:
    return (
        col(Trackable.archived_at).is_(None),
        col(Trackable.kind) == TrackableKind.action,
        col(Trackable.parent_id).is_(None),
    )


def actions_naming(*, session: Session) -> dict[str, int]:
    """One query: how many live actions name each commune (communes named by none are absent)."""
    rows = session.execute(
        select(col(TrackableCommune.insee_code), func.count(distinct(col(Trackable.id))))
        .join(Trackable, col(Trackable.id) == col(TrackableCommune.trackable_id))
        .where(*_live_action())
        .group_by(col(TrackableCommune.insee_code))
    ).all()
    return {insee_code: count for insee_code, count in rows}


def mapped_indicators(*, session: Session) -> list[Indicator]:
    """One query: the indicators with at least one value for a commune, by code."""
    has_commune_values = select(col(IndicatorValue.indicator_id)).where(
        col(IndicatorValue.commune) != ""
    )
    return list(
        session.exec(
            select(Indicator)
            .where(col(Indicator.id).in_(has_commune_values))
            .order_by(col(Indicator.code))
        )
    )


def _latest(rows: Sequence[tuple[str, int, float]]) -> dict[str, Point]:
    """The last value of each key, from rows ordered by year."""
    return {key: Point(year, value) for key, year, value in rows}


def latest_by_commune(*, session: Session, indicator: Indicator) -> dict[str, Point]:
    """One query: the most recent value of ``indicator`` for each commune that has one."""
    rows = session.execute(
        select(col(IndicatorValue.commune), col(IndicatorValue.year), col(IndicatorValue.value))
        .where(col(IndicatorValue.indicator_id) == indicator.id, col(IndicatorValue.commune) != "")
        .order_by(col(IndicatorValue.year))
    ).all()
    return _latest([(commune, year, value) for commune, year, value in rows])


def commune_detail(*, session: Session, insee_code: str) -> CommuneDetail:
    """Four queries: the commune (NotFoundError if unknown), the actions naming it, those naming
    no commune, and the latest value of each indicator broken down for it."""
    commune = reference.get_commune(session=session, insee_code=insee_code)
    named = session.exec(
        select(Trackable)
        .where(
            *_live_action(),
            col(Trackable.id).in_(
                select(col(TrackableCommune.trackable_id)).where(
                    col(TrackableCommune.insee_code) == insee_code
                )
            ),
        )
        .order_by(col(Trackable.code))
    ).all()
    territory = session.exec(
        select(Trackable)
        .where(
            *_live_action(), col(Trackable.id).not_in(select(col(TrackableCommune.trackable_id)))
        )
        .order_by(col(Trackable.code))
    ).all()
    rows = session.execute(
        select(Indicator, col(IndicatorValue.year), col(IndicatorValue.value))
        .join(IndicatorValue, col(IndicatorValue.indicator_id) == col(Indicator.id))
        .where(col(IndicatorValue.commune) == insee_code)
        .order_by(col(Indicator.code), col(IndicatorValue.year))
    ).all()
    found: dict[str, CommuneIndicator] = {}
    for indicator, year, value in rows:
        found[indicator.code] = CommuneIndicator(
            code=indicator.code,
            name=indicator.name,
            unit=indicator.unit,
            decimals=indicator.decimals,
            latest=Point(year, value),
        )
    return CommuneDetail(
        commune=commune,
        named=list(named),
        whole_territory=list(territory),
        indicators=list(found.values()),
    )


def all_communes(*, session: Session) -> list[Commune]:
    """One query: the communes by INSEE code."""
    return list(session.exec(select(Commune).order_by(col(Commune.insee_code))))
