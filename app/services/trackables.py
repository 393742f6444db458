"""Queries for the strategy tree's nodes: engagements, axes, actions and flagship projects.

Every list is built from a fixed number of queries (joins for parents' codes, one batch query for
links), whatever the size of the plan.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.errors import NotFoundError
from app.core.text import fold
from app.models import Axis, Engagement, FlagshipAction, Trackable, TrackableKind
from app.models.tree import (
    ActionDetail,
    ActionPublic,
    AxisDetail,
    AxisPublic,
    EngagementDetail,
    EngagementPublic,
    FlagshipProjectPublic,
    TrackableRef,
)

Parent = aliased(Trackable, name="parent")


@dataclass(frozen=True, kw_only=True)
class ActionFilters:
    engagement: str | None = None
    axis: str | None = None
    q: str | None = None
    include_archived: bool = False


def _action_select(*columns: Any) -> Select[Any]:
    stmt: Select[Any] = (
        select(*columns)
        .join(Axis, col(Trackable.axis_id) == col(Axis.id))
        .join(Engagement, col(Axis.engagement_id) == col(Engagement.id))
        .outerjoin(Parent, col(Trackable.parent_id) == Parent.id)
        .where(col(Trackable.kind) == TrackableKind.action)
    )
    return stmt


def _filtered(stmt: Select[Any], filters: ActionFilters) -> Select[Any]:
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
    if not filters.include_archived:
        stmt = stmt.where(col(Trackable.archived_at).is_(None), col(Axis.archived_at).is_(None))
    return stmt


#: Document order: engagement, axis, then each action followed by its sub-actions.
ACTION_ORDER = (
    col(Engagement.position),
    col(Axis.position),
    func.coalesce(Parent.position, Trackable.position),
    col(Trackable.parent_id).is_not(None),
    col(Trackable.position),
    col(Trackable.code),
)


def _action_public(row: Any) -> ActionPublic:
    action, axis_code, engagement_code, parent_code = row
    return ActionPublic(
        code=action.code,
        title=action.title,
        engagement_code=engagement_code,
        axis_code=axis_code,
        parent_code=parent_code,
        position=action.position,
        archived=action.archived_at is not None,
    )


_ACTION_COLUMNS = (Trackable, col(Axis.code), col(Engagement.code), Parent.code)


def get_all_actions(
    *, session: Session, filters: ActionFilters, limit: int, offset: int
) -> tuple[list[ActionPublic], int]:
    """One page of actions in document order, and how many match in all (two queries)."""
    total = session.scalar(_filtered(_action_select(func.count(col(Trackable.id))), filters)) or 0
    rows = session.execute(
        _filtered(_action_select(*_ACTION_COLUMNS), filters)
        .order_by(*ACTION_ORDER)
        .limit(limit)
        .offset(offset)
    ).all()
    return [_action_public(row) for row in rows], total


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
    action = row[0]
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
    return ActionDetail(
        **_action_public(row).model_dump(),
        sub_actions=[TrackableRef(code=s.code, title=s.title) for s in sub_actions],
        flagship_projects=[TrackableRef(code=f.code, title=f.title) for f in flagships],
    )


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


def get_all_flagship_projects(
    *, session: Session, engagement: str | None = None, include_archived: bool = False
) -> list[FlagshipProjectPublic]:
    stmt = (
        select(Trackable, col(Engagement.code))
        .join(Engagement, col(Trackable.engagement_id) == col(Engagement.id))
        .where(col(Trackable.kind) == TrackableKind.flagship_project)
        .order_by(col(Engagement.position), col(Trackable.position), col(Trackable.code))
    )
    if engagement is not None:
        stmt = stmt.where(col(Engagement.code) == engagement)
    if not include_archived:
        stmt = stmt.where(col(Trackable.archived_at).is_(None))
    rows = session.execute(stmt).all()
    served = _served_actions(session, [row[0].id for row in rows])
    return [
        FlagshipProjectPublic(
            code=flagship.code,
            title=flagship.title,
            engagement_code=engagement_code,
            position=flagship.position,
            archived=flagship.archived_at is not None,
            actions=served.get(flagship.id, []),
        )
        for flagship, engagement_code in rows
    ]


def get_flagship_project(*, session: Session, code: str) -> FlagshipProjectPublic:
    flagship = get_trackable(session=session, code=code, kind=TrackableKind.flagship_project)
    engagement = session.get_one(Engagement, flagship.engagement_id)
    assert flagship.id is not None
    return FlagshipProjectPublic(
        code=flagship.code,
        title=flagship.title,
        engagement_code=engagement.code,
        position=flagship.position,
        archived=flagship.archived_at is not None,
        actions=_served_actions(session, [flagship.id]).get(flagship.id, []),
    )


def get_all_engagements(*, session: Session) -> list[EngagementPublic]:
    rows = session.exec(select(Engagement).order_by(col(Engagement.position))).all()
    return [EngagementPublic.model_validate(row) for row in rows]


def _axis_public(axis: Axis, engagement_code: str) -> AxisPublic:
    return AxisPublic(
        code=axis.code,
        title=axis.title,
        engagement_code=engagement_code,
        position=axis.position,
        archived=axis.archived_at is not None,
    )


def get_engagement(*, session: Session, code: str) -> EngagementDetail:
    engagement = session.exec(select(Engagement).where(col(Engagement.code) == code)).first()
    if engagement is None:
        raise NotFoundError("engagement", code)
    axes = session.exec(
        select(Axis)
        .where(col(Axis.engagement_id) == engagement.id, col(Axis.archived_at).is_(None))
        .order_by(col(Axis.position))
    ).all()
    return EngagementDetail(
        **EngagementPublic.model_validate(engagement).model_dump(),
        axes=[_axis_public(axis, engagement.code) for axis in axes],
        flagship_projects=get_all_flagship_projects(session=session, engagement=code),
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
    rows = session.execute(
        _filtered(_action_select(*_ACTION_COLUMNS), ActionFilters(axis=code)).order_by(
            *ACTION_ORDER
        )
    ).all()
    return AxisDetail(
        **_axis_public(axis, engagement_code).model_dump(),
        actions=[_action_public(r) for r in rows],
    )
