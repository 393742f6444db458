"""What the resources' queries share: the natural order of codes, sorted rows, the publisher and
the data set's dates. Every resource is read with a fixed number of queries (bulk selects of whole
tables, never a query per row; the trackables with their parents' codes and their links come from
app.trackables.bulk)."""

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.changes import PRIVATE_ENTITIES
from app.core.db import plain_rows
from app.core.text import natural_key
from app.models import (
    AuditEntry,
    Axis,
    Indicator,
    IndicatorValue,
    Milestone,
    Plan,
    ProgressReport,
    Trackable,
)
from app.plan import plan as plan_service
from app.trackables import bulk

T = TypeVar("T")
_SHARED = "boussole_opendata_shared"


@contextmanager
def sharing(session: Session) -> Iterator[None]:
    """Within the block (one export, one snapshot), what several resources read (see ``shared``)
    is read once; outside it, every read is its own."""
    session.info[_SHARED] = {}
    try:
        yield
    finally:
        session.info.pop(_SHARED, None)


def shared(session: Session, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, once per ``sharing`` block: treat the result as read-only."""
    memo: dict[Hashable, Any] | None = session.info.get(_SHARED)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    found: T = memo[key]
    return found


def trackables_with_parents(
    session: Session, *, live_only: bool = False
) -> list[bulk.TrackableWithParents]:
    """Every trackable with its parents' codes, in document order (app.trackables.bulk), read
    once per ``sharing`` block; ``live_only``: those neither archived nor under an archived axis
    (one more query, the archived axes, within the block)."""
    every = shared(session, "with-parents", lambda: bulk.get_all_with_parents(session=session))
    if not live_only:
        return every
    archived = set(
        session.execute(select(col(Axis.code)).where(col(Axis.archived_at).is_not(None))).scalars()
    )
    return [
        row for row in every if row.trackable.archived_at is None and row.axis_code not in archived
    ]


def links(session: Session, name: str) -> dict[int, list[str]]:
    """app.trackables.bulk.links of every trackable, read once per ``sharing`` block."""
    return shared(session, ("links", name), lambda: bulk.links(session, name))


def sorted_rows(session: Session, stmt: Any, key: Callable[[Any], Any]) -> list[tuple[Any, ...]]:
    """The rows of ``stmt`` (columns in the order of the resource's fields) in the order of
    ``key``."""
    return sorted(plain_rows(session, stmt), key=key)


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
            plan_service.DEFAULT_ORGANISATION,
            plan_service.DEFAULT_ACRONYM,
            plan_service.DEFAULT_SIREN,
            plan_service.DEFAULT_TITLE,
            "",
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
    the public audit trail (every write through the API but those of what is not public: accounts,
    tokens, reports pending validation), of the nodes' and indicators' updates (the seed too), of
    the progress reports, milestones and indicator values. One query."""
    public = col(AuditEntry.entity).not_in(PRIVATE_ENTITIES)
    latest = [select(func.max(col(AuditEntry.at))).where(public).scalar_subquery()] + [
        select(func.max(column)).scalar_subquery()
        for column in (
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


def code_ranks(codes: Iterable[str]) -> dict[str, int]:
    """Each code's rank in the natural order (natural_key computed once per distinct code; codes
    of equal keys share a rank): sorting a large table by rank is sorting it by natural_key."""
    keys = {code: natural_key(code) for code in set(codes)}
    rank = {key: position for position, key in enumerate(sorted(set(keys.values())))}
    return {code: rank[key] for code, key in keys.items()}
