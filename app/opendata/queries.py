"""What the resources' queries share: the natural order of codes, rows grouped by trackable, the
publisher, the data set's dates and the trackables with their parents' codes. Every resource is
read with a fixed number of queries (bulk selects of whole tables, never a query per row)."""

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.models import (
    AuditEntry,
    Axis,
    Directorate,
    Engagement,
    Indicator,
    IndicatorValue,
    Milestone,
    Plan,
    ProgressReport,
    Trackable,
    TrackableKind,
)
from app.opendata.tables import Row

#: Used when the database holds no plan yet (the seed stores them in the plan's row).
DEFAULT_ORGANISATION = "Communauté d'agglomération de La Porte du Hainaut"
DEFAULT_ACRONYM = "CAPH"
DEFAULT_SIREN = "200042190"
DEFAULT_PROGRAMME = "Projet de territoire 2024-2044"


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """``E1.2.10`` after ``E1.2.9``; ``PP10`` after ``PP9``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", code) if part
    )


def group_rows(session: Session, stmt: Any) -> dict[int, list[str]]:
    """The second column of the rows, grouped by the first (a trackable's id)."""
    grouped: dict[int, list[str]] = defaultdict(list)
    for key, value in session.execute(stmt).all():
        grouped[key].append(value)
    return grouped


def sorted_rows(
    session: Session, stmt: Any, names: Sequence[str], key: Callable[[Any], Any]
) -> list[Row]:
    """The rows of ``stmt`` in the order of ``key``, each as a dictionary of ``names``."""
    rows = sorted(session.execute(stmt).all(), key=key)
    return [dict(zip(names, row, strict=True)) for row in rows]


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def latest_of(*values: datetime | None) -> datetime | None:
    known = [v for v in (as_utc(value) for value in values) if v is not None]
    return max(known) if known else None


@dataclass(frozen=True)
class Publisher:
    organisation: str
    acronym: str
    siren: str
    programme: str
    source: str


def publisher(session: Session) -> Publisher:
    """The organisation publishing the data, from the plan's row (one query)."""
    plan = session.exec(select(Plan)).first()
    if plan is None:
        return Publisher(
            DEFAULT_ORGANISATION, DEFAULT_ACRONYM, DEFAULT_SIREN, DEFAULT_PROGRAMME, ""
        )
    return Publisher(
        plan.organisation, plan.organisation_acronym, plan.siren, plan.title, plan.source
    )


@dataclass(frozen=True)
class DataDates:
    created: datetime | None
    last_updated: datetime | None


def data_dates(session: Session) -> DataDates:
    """When the data set came to be (the first node created) and its latest change: the latest of
    the audit trail (every write through the API), of the nodes' and indicators' updates (the seed
    too), of the progress reports, milestones and indicator values. One query."""
    latest = [
        select(func.max(column)).scalar_subquery()
        for column in (
            col(AuditEntry.at),
            col(Trackable.updated_at),
            col(Indicator.updated_at),
            col(ProgressReport.reported_at),
            col(IndicatorValue.recorded_at),
            col(Milestone.created_at),
        )
    ]
    first = select(func.min(col(Trackable.created_at))).scalar_subquery()
    row = session.execute(select(first, *latest)).one()
    return DataDates(created=as_utc(row[0]), last_updated=latest_of(*row[1:]))


def natural_keys() -> Callable[[str], tuple[tuple[int, int | str], ...]]:
    """natural_key, computed once per code (a large plan has many rows per trackable)."""
    known: dict[str, tuple[tuple[int, int | str], ...]] = {}

    def key(code: str) -> tuple[tuple[int, int | str], ...]:
        found = known.get(code)
        if found is None:
            found = known[code] = natural_key(code)
        return found

    return key


_AxisEngagement = aliased(Engagement, name="axis_engagement")
_OwnEngagement = aliased(Engagement, name="own_engagement")
_Parent = aliased(Trackable, name="parent")
_Lead = aliased(Directorate, name="lead")


@dataclass(frozen=True)
class TrackableRow:
    trackable: Trackable
    engagement_code: str
    axis_code: str | None
    parent_code: str | None
    lead_code: str | None


def load_trackables(session: Session, *, live_only: bool = False) -> list[TrackableRow]:
    """Every action and flagship project with its parents' codes, in document order: actions
    (engagement, axis, action then its sub-actions), then flagship projects. One query."""
    columns: list[Any] = [
        Trackable,
        Axis.code,
        Axis.position,
        _AxisEngagement.code,
        _AxisEngagement.position,
        _OwnEngagement.code,
        _OwnEngagement.position,
        _Parent.code,
        _Parent.position,
        _Lead.code,
    ]
    stmt: Any = (
        select(*columns)
        .outerjoin(Axis, col(Axis.id) == col(Trackable.axis_id))
        .outerjoin(_AxisEngagement, col(Axis.engagement_id) == _AxisEngagement.id)
        .outerjoin(_OwnEngagement, col(Trackable.engagement_id) == _OwnEngagement.id)
        .outerjoin(_Parent, col(Trackable.parent_id) == _Parent.id)
        .outerjoin(_Lead, col(Trackable.lead_directorate_id) == _Lead.id)
    )
    if live_only:
        stmt = stmt.where(col(Trackable.archived_at).is_(None), col(Axis.archived_at).is_(None))
    ordered = []
    for (
        t,
        axis_code,
        axis_pos,
        ae_code,
        ae_pos,
        oe_code,
        oe_pos,
        p_code,
        p_pos,
        lead,
    ) in session.execute(stmt).all():
        if t.kind == TrackableKind.action:
            key: tuple[Any, ...] = (
                0,
                ae_pos or 0,
                axis_pos or 0,
                p_pos if p_pos is not None else t.position,
                t.parent_id is not None,
                t.position,
                natural_key(t.code),
            )
            engagement_code = ae_code
        else:
            key = (1, oe_pos or 0, t.position, natural_key(t.code))
            engagement_code = oe_code
        ordered.append((key, TrackableRow(t, engagement_code, axis_code, p_code, lead)))
    ordered.sort(key=lambda pair: pair[0])
    return [row for _, row in ordered]
