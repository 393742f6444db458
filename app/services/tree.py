"""The whole live strategy tree, assembled in memory from a fixed number of queries."""

from collections import defaultdict

from sqlmodel import Session, col, select

from app.models import Axis, Engagement, FlagshipAction, Trackable, TrackableKind
from app.models.tree import (
    ActionNode,
    AxisNode,
    EngagementNode,
    FlagshipProjectNode,
    TreePublic,
)
from app.services import plan as plan_service
from app.services.trackables import latest_progress


def get(*, session: Session) -> TreePublic:
    """Plan (5 queries) + engagements, axes, trackables, flagship links and latest progress:
    10 queries in all."""
    plan = plan_service.get(session=session)
    engagements = session.exec(select(Engagement).order_by(col(Engagement.position))).all()
    axes = session.exec(
        select(Axis).where(col(Axis.archived_at).is_(None)).order_by(col(Axis.position))
    ).all()
    trackables = session.exec(
        select(Trackable)
        .where(col(Trackable.archived_at).is_(None))
        .order_by(col(Trackable.position), col(Trackable.code))
    ).all()
    links = session.exec(select(FlagshipAction)).all()
    progress = latest_progress(session)

    def current(t: Trackable) -> float | None:
        return progress[t.id][1] if t.id in progress else None

    code_of = {t.id: t.code for t in trackables}
    served: dict[int, list[str]] = defaultdict(list)
    for link in links:
        if link.action_id in code_of:
            served[link.flagship_project_id].append(code_of[link.action_id])

    sub_actions: dict[int, list[ActionNode]] = defaultdict(list)
    for t in trackables:
        if t.parent_id is not None:
            sub_actions[t.parent_id].append(
                ActionNode(code=t.code, title=t.title, status=t.status, progress=current(t))
            )
    actions_by_axis: dict[int, list[ActionNode]] = defaultdict(list)
    flagships_by_engagement: dict[int, list[FlagshipProjectNode]] = defaultdict(list)
    for t in trackables:
        assert t.id is not None
        if t.kind == TrackableKind.action and t.parent_id is None and t.axis_id is not None:
            actions_by_axis[t.axis_id].append(
                ActionNode(
                    code=t.code,
                    title=t.title,
                    status=t.status,
                    progress=current(t),
                    sub_actions=sub_actions.get(t.id, []),
                )
            )
        elif t.kind == TrackableKind.flagship_project and t.engagement_id is not None:
            flagships_by_engagement[t.engagement_id].append(
                FlagshipProjectNode(
                    code=t.code,
                    title=t.title,
                    status=t.status,
                    progress=current(t),
                    action_codes=sorted(served.get(t.id, [])),
                )
            )
    axes_by_engagement: dict[int, list[AxisNode]] = defaultdict(list)
    for axis in axes:
        assert axis.id is not None
        axes_by_engagement[axis.engagement_id].append(
            AxisNode(code=axis.code, title=axis.title, actions=actions_by_axis.get(axis.id, []))
        )
    return TreePublic(
        plan=plan,
        engagements=[
            EngagementNode(
                code=e.code,
                title=e.title,
                quote=e.quote,
                quote_author=e.quote_author,
                axes=axes_by_engagement.get(e.id, []),  # type: ignore[arg-type]
                flagship_projects=flagships_by_engagement.get(e.id, []),  # type: ignore[arg-type]
            )
            for e in engagements
        ],
    )
