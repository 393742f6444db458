"""Indicators: queries in batches, writes with audit (the routes authorise them:
``app.api.permissions``), and their assessment."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    code_taken,
    null_refused,
)
from app.indicators.trajectory import Point, assess, pick_target
from app.models import Axis, Commune, Directorate, Engagement, Trackable
from app.models.base import utcnow
from app.models.indicators import (
    Indicator,
    IndicatorCreate,
    IndicatorDetail,
    IndicatorInput,
    IndicatorLink,
    IndicatorPublic,
    IndicatorTarget,
    IndicatorValue,
    IndicatorValueInput,
    IndicatorValuePublic,
    TrajectoryPublic,
    YearValue,
)


@dataclass(frozen=True)
class LinkTarget:
    """What an indicator measures: one of a trackable, an axis or an engagement, by id."""

    trackable_id: int | None
    axis_id: int | None
    engagement_id: int | None
    code: str


@dataclass
class Loaded:
    """Everything needed to show and assess many indicators, read in five queries."""

    indicators: list[Indicator]
    lead_codes: dict[int, str]
    targets: dict[int, list[Point]]
    latest: dict[int, Point]
    links: dict[int, list[LinkTarget]]


def this_year() -> int:
    return date.today().year


def load(
    session: Session, indicator_ids: Sequence[int] | None = None, *, up_to_year: int | None = None
) -> Loaded:
    """``up_to_year``: the latest values are those of that year or before (a yearly bilan's)."""
    where: list[Any] = [] if indicator_ids is None else [col(Indicator.id).in_(indicator_ids)]
    indicators = list(session.exec(select(Indicator).where(*where).order_by(col(Indicator.code))))
    ids = [i.id for i in indicators]
    lead_codes = dict(
        session.execute(
            select(col(Indicator.id), col(Directorate.code)).join(
                Directorate, col(Directorate.id) == col(Indicator.lead_directorate_id)
            )
        ).all()
    )
    # Targets and links as plain rows: an ORM object each would cost more than the rest of the
    # load (the tree's trajectory counts read every indicator's).
    targets: dict[int, list[Point]] = defaultdict(list)
    for indicator_id, year, value in session.execute(
        select(
            col(IndicatorTarget.indicator_id), col(IndicatorTarget.year), col(IndicatorTarget.value)
        )
        .where(col(IndicatorTarget.indicator_id).in_(ids))
        .order_by(col(IndicatorTarget.year))
    ):
        targets[indicator_id].append(Point(year, value))
    newest = (
        select(
            col(IndicatorValue.indicator_id).label("indicator_id"),
            func.max(IndicatorValue.year).label("year"),
        )
        .where(
            col(IndicatorValue.commune) == "",
            col(IndicatorValue.indicator_id).in_(ids),
            *([] if up_to_year is None else [col(IndicatorValue.year) <= up_to_year]),
        )
        .group_by(col(IndicatorValue.indicator_id))
        .subquery()
    )
    latest = {
        indicator_id: Point(year, value)
        for indicator_id, year, value in session.execute(
            select(
                col(IndicatorValue.indicator_id),
                col(IndicatorValue.year),
                col(IndicatorValue.value),
            ).join(
                newest,
                (col(IndicatorValue.indicator_id) == newest.c.indicator_id)
                & (col(IndicatorValue.year) == newest.c.year)
                & (col(IndicatorValue.commune) == ""),
            )
        ).all()
    }
    links: dict[int, list[LinkTarget]] = defaultdict(list)
    for (
        indicator_id,
        trackable_id,
        axis_id,
        engagement_id,
        t_code,
        a_code,
        e_code,
    ) in session.execute(
        sa_select(
            col(IndicatorLink.indicator_id),
            col(IndicatorLink.trackable_id),
            col(IndicatorLink.axis_id),
            col(IndicatorLink.engagement_id),
            col(Trackable.code),
            col(Axis.code),
            col(Engagement.code),
        )
        .outerjoin(Trackable, col(Trackable.id) == col(IndicatorLink.trackable_id))
        .outerjoin(Axis, col(Axis.id) == col(IndicatorLink.axis_id))
        .outerjoin(Engagement, col(Engagement.id) == col(IndicatorLink.engagement_id))
        .where(col(IndicatorLink.indicator_id).in_(ids))
    ).all():
        links[indicator_id].append(
            LinkTarget(trackable_id, axis_id, engagement_id, t_code or a_code or e_code)
        )
    return Loaded(indicators, lead_codes, targets, latest, links)


def assessment(indicator: Indicator, loaded: Loaded, year: int) -> TrajectoryPublic:
    assert indicator.id is not None
    current = loaded.latest.get(indicator.id)
    target = pick_target(loaded.targets.get(indicator.id, []), current.year if current else year)
    baseline = (
        Point(indicator.baseline_year, indicator.baseline_value)
        if indicator.baseline_year is not None and indicator.baseline_value is not None
        else None
    )
    result = assess(
        direction=indicator.direction, baseline=baseline, target=target, current=current, year=year
    )
    return TrajectoryPublic(
        trajectory=result.trajectory,
        progress_rate=result.progress_rate,
        current_value=current.value if current else None,
        current_year=current.year if current else None,
        target_value=target.value if target else None,
        target_year=target.year if target else None,
        expected_value=result.expected_value,
        expected_year=year,
        growth_ratio=result.growth_ratio,
        explanation=result.explanation,
    )


def _public(indicator: Indicator, loaded: Loaded, year: int) -> IndicatorPublic:
    assert indicator.id is not None
    baseline = (
        YearValue(year=indicator.baseline_year, value=indicator.baseline_value)
        if indicator.baseline_year is not None and indicator.baseline_value is not None
        else None
    )
    return IndicatorPublic(
        code=indicator.code,
        name=indicator.name,
        unit=indicator.unit,
        decimals=indicator.decimals,
        direction=indicator.direction,
        lead_directorate=loaded.lead_codes.get(indicator.id),
        baseline=baseline,
        targets=[
            YearValue(year=t.year, value=t.value) for t in loaded.targets.get(indicator.id, [])
        ],
        measures=sorted(link.code for link in loaded.links.get(indicator.id, [])),
        trajectory=assessment(indicator, loaded, year),
    )


def get_all(*, session: Session, year: int | None = None) -> list[IndicatorPublic]:
    loaded = load(session)
    return [_public(i, loaded, year or this_year()) for i in loaded.indicators]


def get_row(*, session: Session, code: str) -> Indicator:
    indicator = session.exec(select(Indicator).where(col(Indicator.code) == code)).first()
    if indicator is None:
        raise NotFoundError("indicator", code)
    return indicator


def _value_public(value: IndicatorValue, *, show_names: bool = True) -> IndicatorValuePublic:
    return IndicatorValuePublic(
        year=value.year,
        commune=value.commune or None,
        value=value.value,
        status=value.status,
        comment=value.comment,
        source=value.source,
        recorded_by=value.recorded_by if show_names else None,
        recorded_at=value.recorded_at,
    )


def get_detail(
    *, session: Session, code: str, year: int | None = None, show_names: bool = True
) -> IndicatorDetail:
    indicator = get_row(session=session, code=code)
    assert indicator.id is not None
    loaded = load(session, [indicator.id])
    values = session.exec(
        select(IndicatorValue)
        .where(col(IndicatorValue.indicator_id) == indicator.id)
        .order_by(col(IndicatorValue.year), col(IndicatorValue.commune))
    ).all()
    return IndicatorDetail(
        **_public(indicator, loaded, year or this_year()).model_dump(),
        description=indicator.description,
        source=indicator.source,
        method=indicator.method,
        update_frequency=indicator.update_frequency,
        values=[_value_public(v, show_names=show_names) for v in values if not v.commune],
        commune_values=[_value_public(v, show_names=show_names) for v in values if v.commune],
    )


# --- Writes -------------------------------------------------------------------------------------


def resolve_measures(session: Session, codes: Sequence[str], field: str) -> list[LinkTarget]:
    """Codes of engagements, axes, actions or flagship projects, in three queries."""
    wanted = list(dict.fromkeys(codes))
    engagements = dict(
        session.execute(
            select(col(Engagement.code), col(Engagement.id)).where(col(Engagement.code).in_(wanted))
        ).all()
    )
    axes = dict(
        session.execute(
            select(col(Axis.code), col(Axis.id)).where(col(Axis.code).in_(wanted))
        ).all()
    )
    trackables = dict(
        session.execute(
            select(col(Trackable.code), col(Trackable.id)).where(col(Trackable.code).in_(wanted))
        ).all()
    )
    targets = []
    for index, code in enumerate(wanted):
        if code in engagements:
            targets.append(LinkTarget(None, None, engagements[code], code))
        elif code in axes:
            targets.append(LinkTarget(None, axes[code], None, code))
        elif code in trackables:
            targets.append(LinkTarget(trackables[code], None, None, code))
        else:
            raise InvalidInputError(
                ("body", field, index),
                f"code inconnu : « {code} » n'est ni un engagement, ni un axe, ni une action, ni "
                "un projet phare",
            )
    return targets


def _snapshot(session: Session, indicator: Indicator) -> dict[str, Any]:
    session.flush()
    assert indicator.id is not None
    return _public(indicator, load(session, [indicator.id]), this_year()).model_dump(
        mode="json", exclude={"trajectory"}
    )


def _apply(session: Session, indicator: Indicator, changes: dict[str, Any]) -> None:
    for name in ("name", "direction", "description", "unit", "decimals", "source", "method"):
        if name in changes:
            if changes[name] is None:
                raise null_refused(name)
            setattr(indicator, name, changes[name])
    if "update_frequency" in changes:
        indicator.update_frequency = changes["update_frequency"] or ""
    if "lead_directorate" in changes:
        code = changes["lead_directorate"]
        if code is None:
            indicator.lead_directorate_id = None
        else:
            directorate = session.exec(
                select(Directorate).where(col(Directorate.code) == code)
            ).first()
            if directorate is None:
                raise InvalidInputError(
                    ("body", "lead_directorate"), f"direction inconnue : « {code} »"
                )
            indicator.lead_directorate_id = directorate.id
    if "baseline" in changes:
        baseline = changes["baseline"]
        indicator.baseline_year = baseline["year"] if baseline else None
        indicator.baseline_value = baseline["value"] if baseline else None
    indicator.updated_at = utcnow()
    session.flush()
    assert indicator.id is not None
    if "targets" in changes:
        targets = changes["targets"]
        if targets is None:
            raise null_refused("targets", " : envoyez []")
        years = [t["year"] for t in targets]
        for index, year in enumerate(years):
            if years.index(year) != index:
                raise InvalidInputError(
                    ("body", "targets", index, "year"), f"deux cibles pour {year}"
                )
        session.execute(
            delete(IndicatorTarget).where(col(IndicatorTarget.indicator_id) == indicator.id)
        )
        for target in targets:
            session.add(
                IndicatorTarget(
                    indicator_id=indicator.id, year=target["year"], value=target["value"]
                )
            )
    if "measures" in changes:
        if changes["measures"] is None:
            raise null_refused("measures", " : envoyez []")
        links = resolve_measures(session, changes["measures"], "measures")
        session.execute(
            delete(IndicatorLink).where(col(IndicatorLink.indicator_id) == indicator.id)
        )
        for link in links:
            session.add(
                IndicatorLink(
                    indicator_id=indicator.id,
                    trackable_id=link.trackable_id,
                    axis_id=link.axis_id,
                    engagement_id=link.engagement_id,
                )
            )


def create(*, session: Session, actor: Actor, data: IndicatorCreate) -> Indicator:
    if session.exec(select(Indicator.id).where(col(Indicator.code) == data.code)).first():
        raise ConflictError(code_taken(data.code))
    indicator = Indicator(code=data.code, name=data.name, direction=data.direction)
    session.add(indicator)
    _apply(session, indicator, data.model_dump(exclude_unset=True, exclude={"code"}))
    audit.record(session, actor, "indicator", indicator.code, None, _snapshot(session, indicator))
    return indicator


def update(*, session: Session, actor: Actor, code: str, data: IndicatorInput) -> Indicator:
    indicator = get_row(session=session, code=code)
    before = _snapshot(session, indicator)
    _apply(session, indicator, data.model_dump(exclude_unset=True))
    after = _snapshot(session, indicator)
    audit.record(session, actor, "indicator", indicator.code, before, after)
    return indicator


def put_value(
    *,
    session: Session,
    actor: Actor,
    indicator: Indicator,
    year: int,
    commune: str | None,
    data: IndicatorValueInput,
) -> tuple[IndicatorValue, bool]:
    """Create or replace the value of ``year`` (for one commune, or the whole territory), which
    ``actor`` may record (``app.indicators.routes.writable_indicator``)."""
    if commune is not None and session.get(Commune, commune) is None:
        raise InvalidInputError(("query", "commune"), f"commune inconnue : « {commune} »")
    where = (
        col(IndicatorValue.indicator_id) == indicator.id,
        col(IndicatorValue.year) == year,
        col(IndicatorValue.commune) == (commune or ""),
    )
    row = session.exec(select(IndicatorValue).where(*where)).first()
    excluded = {"recorded_by", "recorded_at"}  # the audit entry's own who and when
    before = _value_public(row).model_dump(mode="json", exclude=excluded) if row else None
    fields = data.model_dump() | {"recorded_by": actor.name, "recorded_at": utcnow()}
    if row is None:
        assert indicator.id is not None
        row = IndicatorValue(indicator_id=indicator.id, year=year, commune=commune or "", **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
    session.flush()
    key = f"{indicator.code}/{year}" + (f"/{commune}" if commune else "")
    after = _value_public(row).model_dump(mode="json", exclude=excluded)
    audit.record(session, actor, "indicator_value", key, before, after)
    return row, before is None


def value_public(value: IndicatorValue) -> IndicatorValuePublic:
    return _value_public(value)
