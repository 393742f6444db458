"""The list queries of actions and flagship projects: their selects, filters and sorts.

``TrackableFilters`` is what the list routes and pages accept; ``filtered_actions`` and
``filtered_flagships`` apply it to a select from ``action_select`` or ``flagship_select``.
"""

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.text import fold
from app.models import (
    Axis,
    Directorate,
    Engagement,
    FlagshipAction,
    PlanValue,
    Priority,
    ProgressReport,
    Status,
    Trackable,
    TrackableCommune,
    TrackableDirectorate,
    TrackableKind,
    TrackableValue,
)
from app.models.inputs import FLAG_FORMAT, YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, INSEE_PATTERN, LAST_YEAR
from app.trackables.progress import latest_report

Parent = aliased(Trackable, name="parent")
#: The other end of a flagship project → action link, in filters.
Served = aliased(Trackable, name="served")
Lead = aliased(Directorate, name="lead")


class Sort(StrEnum):
    by_code = "code"
    by_title = "title"
    by_title_desc = "-title"
    by_progress = "progress"
    by_progress_desc = "-progress"
    by_updated_at = "updated_at"
    by_updated_at_desc = "-updated_at"


class TrackableFilters(BaseModel):
    """The filters of the action and flagship project lists; None means "any". The list routes
    read them from the query string, one parameter per field, described here."""

    model_config = ConfigDict(frozen=True)

    engagement: str | None = Field(None, description="Engagement code, e.g. E1")
    axis: str | None = Field(
        None, description="Axis code, e.g. E1.3 (flagship projects: serving one of its actions)"
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Search in codes and titles (and, for actions, their axis's), accent- and "
        'case-insensitive: `equite` finds "Équité"',
    )
    status: Status | None = Field(None, description="Current status")
    directorate: str | None = Field(
        None, description="Directorate code: led by it or with its contribution"
    )
    value: str | None = Field(
        None, description="Shared value served, e.g. V2 (L'égalité femme-homme)"
    )
    commune: str | None = Field(
        None,
        pattern=INSEE_PATTERN,
        description="INSEE code: those naming this commune (whole-territory ones are not "
        "listed; see /dashboard/communes)",
    )
    priority: Priority | None = Field(None, description="Priority")
    flagship: str | None = Field(None, description="Flagship project code: the actions it serves")
    year: Annotated[
        int | None,
        Field(ge=FIRST_YEAR, le=LAST_YEAR, description="Those with a progress report that year"),
        YEAR_FORMAT,
    ] = None
    include_archived: Annotated[bool, Field(description="Include archived ones"), FLAG_FORMAT] = (
        False
    )
    sort: Sort = Field(
        Sort.by_code,
        description="code (document order, the default), title, progress, updated_at; "
        "a leading - reverses",
    )


def action_select(*columns: Any) -> Select[Any]:
    """``columns`` of the actions, joined to their axis, engagement, parent and lead."""
    stmt: Select[Any] = (
        select(*columns)
        .join(Axis, col(Trackable.axis_id) == col(Axis.id))
        .join(Engagement, col(Axis.engagement_id) == col(Engagement.id))
        .outerjoin(Parent, col(Trackable.parent_id) == Parent.id)
        .outerjoin(Lead, col(Trackable.lead_directorate_id) == Lead.id)
        .where(col(Trackable.kind) == TrackableKind.action)
    )
    return stmt


def flagship_select(*columns: Any) -> Select[Any]:
    """``columns`` (by default the project, its engagement's and lead's codes) of the flagship
    projects, joined to their engagement and lead."""
    stmt: Select[Any] = (
        select(*(columns or (Trackable, col(Engagement.code), Lead.code)))
        .join(Engagement, col(Trackable.engagement_id) == col(Engagement.id))
        .outerjoin(Lead, col(Trackable.lead_directorate_id) == Lead.id)
        .where(col(Trackable.kind) == TrackableKind.flagship_project)
    )
    return stmt


def _where_equal(stmt: Select[Any], *pairs: tuple[Any, Any]) -> Select[Any]:
    """``column == value`` for each (column, value) pair whose value is given."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


#: Filters met by the trackables among the ids a subquery selects: the filter's name, and the
#: subquery for its value.
_COMMON_ID_FILTERS: dict[str, Callable[[Any], Any]] = {
    "value": lambda code: (
        select(col(TrackableValue.trackable_id))
        .join(PlanValue, col(PlanValue.id) == col(TrackableValue.value_id))
        .where(col(PlanValue.code) == code)
    ),
    "commune": lambda insee_code: select(col(TrackableCommune.trackable_id)).where(
        col(TrackableCommune.insee_code) == insee_code
    ),
    "year": lambda year: select(col(ProgressReport.trackable_id)).where(
        col(ProgressReport.year) == year
    ),
}
_ACTION_ID_FILTERS: dict[str, Callable[[Any], Any]] = {
    # The actions the flagship project serves.
    "flagship": lambda code: (
        select(col(FlagshipAction.action_id))
        .join(Served, col(Served.id) == col(FlagshipAction.flagship_project_id))
        .where(col(Served.code) == code)
    ),
}
_FLAGSHIP_ID_FILTERS: dict[str, Callable[[Any], Any]] = {
    # Flagship projects serving an action of the axis.
    "axis": lambda code: (
        select(col(FlagshipAction.flagship_project_id))
        .join(Served, col(Served.id) == col(FlagshipAction.action_id))
        .join(Axis, col(Axis.id) == col(Served.axis_id))
        .where(col(Axis.code) == code)
    ),
}


def _where_in(
    stmt: Select[Any], filters: TrackableFilters, subqueries: dict[str, Callable[[Any], Any]]
) -> Select[Any]:
    """The trackables among the ids selected by the subquery of each filter given a value."""
    for name, subquery in subqueries.items():
        value = getattr(filters, name)
        if value is not None:
            stmt = stmt.where(col(Trackable.id).in_(subquery(value)))
    return stmt


def _common_filters(stmt: Select[Any], filters: TrackableFilters) -> Select[Any]:
    """Filters that mean the same for actions and flagship projects."""
    stmt = _where_equal(
        stmt,
        (col(Trackable.status), filters.status),
        (col(Trackable.priority), filters.priority),
    )
    if filters.directorate is not None:
        # Led by it, or with it among the contributors.
        contributing = (
            select(col(TrackableDirectorate.trackable_id))
            .join(Directorate, col(Directorate.id) == col(TrackableDirectorate.directorate_id))
            .where(col(Directorate.code) == filters.directorate)
        )
        stmt = stmt.where(
            or_(col(Lead.code) == filters.directorate, col(Trackable.id).in_(contributing))
        )
    stmt = _where_in(stmt, filters, _COMMON_ID_FILTERS)
    if not filters.include_archived:
        stmt = stmt.where(col(Trackable.archived_at).is_(None))
    return stmt


def filtered_actions(stmt: Select[Any], filters: TrackableFilters) -> Select[Any]:
    """``filters`` applied to a select from ``action_select``."""
    stmt = _where_equal(
        stmt, (col(Engagement.code), filters.engagement), (col(Axis.code), filters.axis)
    )
    if filters.q:
        # An action matches on its own code and title or on its axis's: "equite" finds the
        # actions of the axis "Équité de développement des bassins de vie".
        needle = fold(filters.q)
        stmt = stmt.where(
            or_(
                col(Trackable.search_text).contains(needle, autoescape=True),
                col(Axis.search_text).contains(needle, autoescape=True),
            )
        )
    stmt = _where_in(stmt, filters, _ACTION_ID_FILTERS)
    if not filters.include_archived:
        stmt = stmt.where(col(Axis.archived_at).is_(None))
    return _common_filters(stmt, filters)


def filtered_flagships(stmt: Select[Any], filters: TrackableFilters) -> Select[Any]:
    """``filters`` applied to a select from ``flagship_select``."""
    stmt = _where_equal(
        stmt,
        (col(Engagement.code), filters.engagement),
        (col(Trackable.code), filters.flagship),
    )
    if filters.q:
        stmt = stmt.where(col(Trackable.search_text).contains(fold(filters.q), autoescape=True))
    stmt = _where_in(stmt, filters, _FLAGSHIP_ID_FILTERS)
    return _common_filters(stmt, filters)


#: Document order: engagement, axis, then each action followed by its sub-actions.
ACTION_ORDER = (
    col(Engagement.position),
    col(Axis.position),
    func.coalesce(Parent.position, Trackable.position),
    col(Trackable.parent_id).is_not(None),
    col(Trackable.position),
    col(Trackable.code),
)
FLAGSHIP_ORDER = (col(Engagement.position), col(Trackable.position), col(Trackable.code))


def sorted_by(
    session: Session, stmt: Select[Any], sort: Sort, document_order: Sequence[Any]
) -> Select[Any]:
    """``sort`` first, the document order to break ties. Titles sort on their folded form in
    byte order, so that SQLite and PostgreSQL agree."""
    if sort in (Sort.by_title, Sort.by_title_desc):
        key: Any = col(Trackable.title_key)
        if session.get_bind().dialect.name == "postgresql":
            key = key.collate("C")
        return stmt.order_by(key.desc() if sort == Sort.by_title_desc else key, *document_order)
    if sort in (Sort.by_progress, Sort.by_progress_desc):
        # Each row's latest report by the index: the join to every trackable's latest report
        # grouped the whole report table on each request (43 ms for a page of the scale-100
        # demo, 18 ms this way).
        value = latest_report(col(ProgressReport.progress))
        order = value.desc() if sort == Sort.by_progress_desc else value.asc()
        return stmt.order_by(order.nulls_last(), *document_order)
    if sort in (Sort.by_updated_at, Sort.by_updated_at_desc):
        moment = col(Trackable.updated_at)
        return stmt.order_by(
            moment.desc() if sort == Sort.by_updated_at_desc else moment, *document_order
        )
    return stmt.order_by(*document_order)
