"""Queries for the strategy tree's nodes: engagements, axes, actions and flagship projects.

Every list is built from a fixed number of queries (joins for parents' codes, one batch query per
kind of link), whatever the size of the plan.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.errors import NotFoundError
from app.core.text import fold, natural_key
from app.models import (
    Axis,
    Directorate,
    Engagement,
    FlagshipAction,
    Partner,
    PlanValue,
    Priority,
    ProgressReport,
    Status,
    Trackable,
    TrackableCommune,
    TrackableDirectorate,
    TrackableKind,
    TrackablePartner,
    TrackableValue,
)
from app.models.indicators import Rollup
from app.models.tree import (
    ActionDetail,
    ActionPublic,
    AxisDetail,
    AxisPublic,
    EngagementDetail,
    EngagementPublic,
    FlagshipProjectDetail,
    FlagshipProjectPublic,
    TrackableRef,
    TrackingDetail,
    TrackingSummary,
)
from app.trackables import kept
from app.trackables.progress import latest_progress, latest_progress_subquery

Parent = aliased(Trackable, name="parent")
#: The other end of a flagship project → action link, in filters.
Served = aliased(Trackable, name="served")
Lead = aliased(Directorate, name="lead")


# --- Tracking data, loaded in batches --------------------------------------------------------


def _summary(
    trackable: Trackable, lead_code: str | None, progress: tuple[int, float] | None
) -> dict[str, Any]:
    return TrackingSummary(
        status=trackable.status,
        status_label=Status(trackable.status).label,
        priority=trackable.priority,
        lead_directorate=lead_code,
        progress=progress[1] if progress else None,
        progress_year=progress[0] if progress else None,
        weight=trackable.weight,
    ).model_dump()


#: What a trackable links to, as (trackable id, code; a partner's name), in the order shown.
_LINK_QUERIES: dict[str, Any] = {
    "contributing_directorates": select(
        col(TrackableDirectorate.trackable_id), col(Directorate.code)
    )
    .join(Directorate, col(Directorate.id) == col(TrackableDirectorate.directorate_id))
    .order_by(col(Directorate.code)),
    "partners": select(col(TrackablePartner.trackable_id), col(Partner.name))
    .join(Partner, col(Partner.id) == col(TrackablePartner.partner_id))
    .order_by(col(Partner.name)),
    "communes": select(
        col(TrackableCommune.trackable_id), col(TrackableCommune.insee_code)
    ).order_by(col(TrackableCommune.insee_code)),
    "values": select(col(TrackableValue.trackable_id), col(PlanValue.code))
    .join(PlanValue, col(PlanValue.id) == col(TrackableValue.value_id))
    .order_by(col(PlanValue.position)),
}


def links(
    session: Session, name: str, ids: Sequence[int | None] | None = None
) -> dict[int, list[str]]:
    """The links ``name`` (``contributing_directorates``, ``partners``, ``communes``, ``values``)
    of the trackables ``ids`` (every trackable when None), by trackable: one query."""
    stmt = _LINK_QUERIES[name]
    if ids is not None:
        stmt = stmt.where(stmt.selected_columns[0].in_(ids))
    grouped: dict[int, list[str]] = defaultdict(list)
    for trackable_id, value in session.execute(stmt).all():
        grouped[trackable_id].append(value)
    return grouped


def _details(session: Session, trackables: Sequence[Trackable]) -> dict[int, dict[str, Any]]:
    """The detail fields of several trackables: four queries, one per kind of link."""
    ids = [t.id for t in trackables]
    directorates = links(session, "contributing_directorates", ids)
    partners = links(session, "partners", ids)
    communes = links(session, "communes", ids)
    values = links(session, "values", ids)
    details = {}
    for t in trackables:
        assert t.id is not None
        details[t.id] = TrackingDetail(
            description=t.description,
            objectives=t.objectives,
            planned_start=t.planned_start,
            planned_end=t.planned_end,
            actual_start=t.actual_start,
            actual_end=t.actual_end,
            contributing_directorates=directorates.get(t.id, []),
            partners=partners.get(t.id, []),
            communes=communes.get(t.id, []),
            values=values.get(t.id, []),
            version=t.version,
            updated_at=t.updated_at,
        ).model_dump()
    return details


# --- Actions ------------------------------------------------------------------------------------


class Sort(StrEnum):
    by_code = "code"
    by_title = "title"
    by_title_desc = "-title"
    by_progress = "progress"
    by_progress_desc = "-progress"
    by_updated_at = "updated_at"
    by_updated_at_desc = "-updated_at"


@dataclass(frozen=True, kw_only=True)
class TrackableFilters:
    """The filters of the action and flagship project lists; None means "any"."""

    engagement: str | None = None
    axis: str | None = None
    q: str | None = None
    status: Status | None = None
    directorate: str | None = None
    value: str | None = None
    commune: str | None = None
    priority: Priority | None = None
    flagship: str | None = None
    year: int | None = None
    include_archived: bool = False
    sort: Sort = Sort.by_code


def _action_select(*columns: Any) -> Select[Any]:
    stmt: Select[Any] = (
        select(*columns)
        .join(Axis, col(Trackable.axis_id) == col(Axis.id))
        .join(Engagement, col(Axis.engagement_id) == col(Engagement.id))
        .outerjoin(Parent, col(Trackable.parent_id) == Parent.id)
        .outerjoin(Lead, col(Trackable.lead_directorate_id) == Lead.id)
        .where(col(Trackable.kind) == TrackableKind.action)
    )
    return stmt


def _common_filters(stmt: Select[Any], filters: TrackableFilters) -> Select[Any]:
    """Filters that mean the same for actions and flagship projects."""
    if filters.status is not None:
        stmt = stmt.where(col(Trackable.status) == filters.status)
    if filters.priority is not None:
        stmt = stmt.where(col(Trackable.priority) == filters.priority)
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
    if filters.value is not None:
        serving = (
            select(col(TrackableValue.trackable_id))
            .join(PlanValue, col(PlanValue.id) == col(TrackableValue.value_id))
            .where(col(PlanValue.code) == filters.value)
        )
        stmt = stmt.where(col(Trackable.id).in_(serving))
    if filters.commune is not None:
        naming = select(col(TrackableCommune.trackable_id)).where(
            col(TrackableCommune.insee_code) == filters.commune
        )
        stmt = stmt.where(col(Trackable.id).in_(naming))
    if filters.year is not None:
        reported = select(col(ProgressReport.trackable_id)).where(
            col(ProgressReport.year) == filters.year
        )
        stmt = stmt.where(col(Trackable.id).in_(reported))
    if not filters.include_archived:
        stmt = stmt.where(col(Trackable.archived_at).is_(None))
    return stmt


def _filtered(stmt: Select[Any], filters: TrackableFilters) -> Select[Any]:
    if filters.engagement is not None:
        stmt = stmt.where(col(Engagement.code) == filters.engagement)
    if filters.axis is not None:
        stmt = stmt.where(col(Axis.code) == filters.axis)
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
    if filters.flagship is not None:
        served = (
            select(col(FlagshipAction.action_id))
            .join(Served, col(Served.id) == col(FlagshipAction.flagship_project_id))
            .where(col(Served.code) == filters.flagship)
        )
        stmt = stmt.where(col(Trackable.id).in_(served))
    if not filters.include_archived:
        stmt = stmt.where(col(Axis.archived_at).is_(None))
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


def _sorted(
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
        latest = latest_progress_subquery()
        stmt = stmt.outerjoin(latest, latest.c.trackable_id == col(Trackable.id))
        value = latest.c.progress
        order = value.desc() if sort == Sort.by_progress_desc else value.asc()
        return stmt.order_by(order.nulls_last(), *document_order)
    if sort in (Sort.by_updated_at, Sort.by_updated_at_desc):
        moment = col(Trackable.updated_at)
        return stmt.order_by(
            moment.desc() if sort == Sort.by_updated_at_desc else moment, *document_order
        )
    return stmt.order_by(*document_order)


_ACTION_COLUMNS = (Trackable, col(Axis.code), col(Engagement.code), Parent.code, Lead.code)


def _actions(session: Session, rows: Sequence[Any]) -> list[ActionPublic]:
    progress = latest_progress(session, [row[0].id for row in rows])
    return [
        ActionPublic(
            code=action.code,
            title=action.title,
            engagement_code=engagement_code,
            axis_code=axis_code,
            parent_code=parent_code,
            position=action.position,
            archived=action.archived_at is not None,
            **_summary(action, lead_code, progress.get(action.id)),
        )
        for action, axis_code, engagement_code, parent_code, lead_code in rows
    ]


def get_all_actions(
    *, session: Session, filters: TrackableFilters, limit: int, offset: int
) -> tuple[list[ActionPublic], int]:
    """One page of actions (document order unless sorted otherwise), and how many match in all
    (three queries)."""
    total = session.scalar(_filtered(_action_select(func.count(col(Trackable.id))), filters)) or 0
    stmt = _filtered(_action_select(*_ACTION_COLUMNS), filters)
    rows = session.execute(
        _sorted(session, stmt, filters.sort, ACTION_ORDER).limit(limit).offset(offset)
    ).all()
    return _actions(session, rows), total


def get_trackable(*, session: Session, code: str, kind: TrackableKind) -> Trackable:
    trackable = session.exec(
        select(Trackable).where(col(Trackable.code) == code, col(Trackable.kind) == kind)
    ).first()
    if trackable is None:
        raise NotFoundError(kind.value.replace("_", " "), code)
    return trackable


def get_action(*, session: Session, code: str) -> ActionDetail:
    row = session.execute(
        _action_select(*_ACTION_COLUMNS).where(col(Trackable.code) == code)
    ).first()
    if row is None:
        raise NotFoundError("action", code)
    action: Trackable = row[0]
    sub_actions = session.exec(
        select(Trackable)
        .where(col(Trackable.parent_id) == action.id, col(Trackable.archived_at).is_(None))
        .order_by(col(Trackable.position))
    ).all()
    flagships = session.exec(
        select(Trackable)
        .join(FlagshipAction, col(FlagshipAction.flagship_project_id) == col(Trackable.id))
        .where(col(FlagshipAction.action_id) == action.id)
        .order_by(col(Trackable.code))
    ).all()
    assert action.id is not None
    return ActionDetail(
        **_actions(session, [row])[0].model_dump(),
        **_details(session, [action])[action.id],
        sub_actions=[TrackableRef(code=s.code, title=s.title) for s in sub_actions],
        flagship_projects=[TrackableRef(code=f.code, title=f.title) for f in flagships],
    )


# --- Flagship projects --------------------------------------------------------------------------


def _served_actions(session: Session, flagship_ids: Sequence[int]) -> dict[int, list[TrackableRef]]:
    """The actions each flagship project serves, for many flagship projects in one query."""
    served: dict[int, list[TrackableRef]] = defaultdict(list)
    if not flagship_ids:
        return served
    rows = session.execute(
        select(col(FlagshipAction.flagship_project_id), col(Trackable.code), col(Trackable.title))
        .join(Trackable, col(Trackable.id) == col(FlagshipAction.action_id))
        .where(col(FlagshipAction.flagship_project_id).in_(flagship_ids))
        .order_by(col(Trackable.code))
    ).all()
    for flagship_id, code, title in rows:
        served[flagship_id].append(TrackableRef(code=code, title=title))
    return served


def _flagship_select() -> Any:
    return (
        select(Trackable, col(Engagement.code), Lead.code)
        .join(Engagement, col(Trackable.engagement_id) == col(Engagement.id))
        .outerjoin(Lead, col(Trackable.lead_directorate_id) == Lead.id)
        .where(col(Trackable.kind) == TrackableKind.flagship_project)
    )


def _flagships(session: Session, rows: Sequence[Any]) -> list[FlagshipProjectPublic]:
    ids = [row[0].id for row in rows]
    served = _served_actions(session, ids)
    progress = latest_progress(session, ids)
    return [
        FlagshipProjectPublic(
            code=flagship.code,
            title=flagship.title,
            engagement_code=engagement_code,
            position=flagship.position,
            archived=flagship.archived_at is not None,
            actions=served.get(flagship.id, []),
            **_summary(flagship, lead_code, progress.get(flagship.id)),
        )
        for flagship, engagement_code, lead_code in rows
    ]


FLAGSHIP_ORDER = (col(Engagement.position), col(Trackable.position), col(Trackable.code))


def _flagship_filtered(stmt: Select[Any], filters: TrackableFilters) -> Select[Any]:
    if filters.engagement is not None:
        stmt = stmt.where(col(Engagement.code) == filters.engagement)
    if filters.flagship is not None:
        stmt = stmt.where(col(Trackable.code) == filters.flagship)
    if filters.q:
        stmt = stmt.where(col(Trackable.search_text).contains(fold(filters.q), autoescape=True))
    if filters.axis is not None:
        # Flagship projects serving an action of the axis.
        serving = (
            select(col(FlagshipAction.flagship_project_id))
            .join(Served, col(Served.id) == col(FlagshipAction.action_id))
            .join(Axis, col(Axis.id) == col(Served.axis_id))
            .where(col(Axis.code) == filters.axis)
        )
        stmt = stmt.where(col(Trackable.id).in_(serving))
    return _common_filters(stmt, filters)


def get_all_flagship_projects(
    *,
    session: Session,
    filters: TrackableFilters | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[FlagshipProjectPublic]:
    """Flagship projects in engagement order (unless sorted otherwise), filtered."""
    return page_flagship_projects(
        session=session, filters=filters or TrackableFilters(), limit=limit, offset=offset
    )[0]


def page_flagship_projects(
    *, session: Session, filters: TrackableFilters, limit: int | None, offset: int
) -> tuple[list[FlagshipProjectPublic], int]:
    """One page of flagship projects and how many match in all (four queries)."""
    count = select(func.count(col(Trackable.id))).select_from(Trackable)
    count = count.join(Engagement, col(Trackable.engagement_id) == col(Engagement.id))
    count = count.outerjoin(Lead, col(Trackable.lead_directorate_id) == Lead.id)
    count = count.where(col(Trackable.kind) == TrackableKind.flagship_project)
    total = session.scalar(_flagship_filtered(count, filters)) or 0
    stmt = _sorted(
        session, _flagship_filtered(_flagship_select(), filters), filters.sort, FLAGSHIP_ORDER
    )
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return _flagships(session, session.execute(stmt).all()), total


def get_flagship_project(*, session: Session, code: str) -> FlagshipProjectDetail:
    row = session.execute(_flagship_select().where(col(Trackable.code) == code)).first()
    if row is None:
        raise NotFoundError("flagship project", code)
    flagship: Trackable = row[0]
    assert flagship.id is not None
    return FlagshipProjectDetail(
        **_flagships(session, [row])[0].model_dump(),
        **_details(session, [flagship])[flagship.id],
        rollup=_rollup(session, flagship.code),
    )


def get_detail(*, session: Session, trackable: Trackable) -> ActionDetail | FlagshipProjectDetail:
    if trackable.kind == TrackableKind.action:
        return get_action(session=session, code=trackable.code)
    return get_flagship_project(session=session, code=trackable.code)


def _rollup(session: Session, code: str) -> Rollup:
    return kept.computed(session)[1].get(code)


# --- Every trackable with its parents' codes, for bulk readers (open data) ------------------


_AxisEngagement = aliased(Engagement, name="axis_engagement")
_OwnEngagement = aliased(Engagement, name="own_engagement")


@dataclass(frozen=True)
class TrackableWithParents:
    """A trackable with the codes of its engagement, axis, parent action and lead directorate."""

    trackable: Trackable
    engagement_code: str
    axis_code: str | None
    parent_code: str | None
    lead_code: str | None


def get_all_with_parents(
    *, session: Session, live_only: bool = False
) -> list[TrackableWithParents]:
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
        Parent.code,
        Parent.position,
        Lead.code,
    ]
    stmt: Any = (
        select(*columns)
        .outerjoin(Axis, col(Axis.id) == col(Trackable.axis_id))
        .outerjoin(_AxisEngagement, col(Axis.engagement_id) == _AxisEngagement.id)
        .outerjoin(_OwnEngagement, col(Trackable.engagement_id) == _OwnEngagement.id)
        .outerjoin(Parent, col(Trackable.parent_id) == Parent.id)
        .outerjoin(Lead, col(Trackable.lead_directorate_id) == Lead.id)
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
        ordered.append((key, TrackableWithParents(t, engagement_code, axis_code, p_code, lead)))
    ordered.sort(key=lambda pair: pair[0])
    return [row for _, row in ordered]


# --- Engagements and axes -----------------------------------------------------------------------


def get_all_engagements(*, session: Session) -> list[EngagementPublic]:
    rows = session.exec(select(Engagement).order_by(col(Engagement.position))).all()
    return [EngagementPublic.model_validate(row) for row in rows]


def get_engagement_row(*, session: Session, code: str) -> Engagement:
    engagement = session.exec(select(Engagement).where(col(Engagement.code) == code)).first()
    if engagement is None:
        raise NotFoundError("engagement", code)
    return engagement


def get_axis_row(*, session: Session, code: str) -> Axis:
    axis = session.exec(select(Axis).where(col(Axis.code) == code)).first()
    if axis is None:
        raise NotFoundError("axis", code)
    return axis


def axis_public(axis: Axis, engagement_code: str) -> AxisPublic:
    return AxisPublic(
        code=axis.code,
        title=axis.title,
        engagement_code=engagement_code,
        position=axis.position,
        archived=axis.archived_at is not None,
    )


def get_engagement(*, session: Session, code: str) -> EngagementDetail:
    engagement = get_engagement_row(session=session, code=code)
    axes = session.exec(
        select(Axis)
        .where(col(Axis.engagement_id) == engagement.id, col(Axis.archived_at).is_(None))
        .order_by(col(Axis.position))
    ).all()
    return EngagementDetail(
        **EngagementPublic.model_validate(engagement).model_dump(),
        axes=[axis_public(axis, engagement.code) for axis in axes],
        flagship_projects=get_all_flagship_projects(
            session=session, filters=TrackableFilters(engagement=code)
        ),
        rollup=_rollup(session, engagement.code),
    )


def get_axis(*, session: Session, code: str) -> AxisDetail:
    row = session.execute(
        select(Axis, col(Engagement.code))
        .join(Engagement, col(Axis.engagement_id) == col(Engagement.id))
        .where(col(Axis.code) == code)
    ).first()
    if row is None:
        raise NotFoundError("axis", code)
    axis, engagement_code = row
    filters = TrackableFilters(axis=code, include_archived=axis.archived_at is not None)
    rows = session.execute(
        _filtered(_action_select(*_ACTION_COLUMNS), filters).order_by(*ACTION_ORDER)
    ).all()
    return AxisDetail(
        **axis_public(axis, engagement_code).model_dump(),
        actions=_actions(session, rows),
        rollup=_rollup(session, axis.code),
    )
