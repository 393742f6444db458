"""The whole live strategy tree with its roll-ups, assembled in memory from a fixed number of
queries."""

from collections import defaultdict

from sqlmodel import Session

from app.models import Trackable, TrackableKind
from app.models.tree import (
    ActionNode,
    AxisNode,
    EngagementNode,
    FlagshipProjectNode,
    TreePublic,
)
from app.services import plan as plan_service
from app.services import rollups


def get(*, session: Session) -> TreePublic:
    """Tree rows (5 queries) + indicators (5) + plan metadata (5): 15 queries in all."""
    rows = rollups.load_tree_rows(session)
    computed = rollups.compute(session, rows)
    plan = plan_service.get(session=session, rollup=computed.get(rollups.PLAN))

    code_of = {t.id: t.code for t in rows.trackables}
    served: dict[int, list[str]] = defaultdict(list)
    for link in rows.flagship_links:
        if link.action_id in code_of:
            served[link.flagship_project_id].append(code_of[link.action_id])

    def current(t: Trackable) -> float | None:
        return rows.progress[t.id][1] if t.id in rows.progress else None

    sub_actions: dict[int, list[ActionNode]] = defaultdict(list)
    for t in rows.trackables:
        if t.parent_id is not None:
            sub_actions[t.parent_id].append(
                ActionNode(code=t.code, title=t.title, status=t.status, progress=current(t))
            )
    actions_by_axis: dict[int, list[ActionNode]] = defaultdict(list)
    flagships_by_engagement: dict[int, list[FlagshipProjectNode]] = defaultdict(list)
    for t in rows.trackables:
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
                    rollup=computed.get(t.code),
                    action_codes=sorted(served.get(t.id, [])),
                )
            )
    axes_by_engagement: dict[int, list[AxisNode]] = defaultdict(list)
    for axis in rows.axes:
        assert axis.id is not None
        axes_by_engagement[axis.engagement_id].append(
            AxisNode(
                code=axis.code,
                title=axis.title,
                rollup=computed.get(axis.code),
                actions=actions_by_axis.get(axis.id, []),
            )
        )
    engagements = []
    for e in rows.engagements:
        assert e.id is not None
        engagements.append(
            EngagementNode(
                code=e.code,
                title=e.title,
                quote=e.quote,
                quote_author=e.quote_author,
                rollup=computed.get(e.code),
                axes=axes_by_engagement.get(e.id, []),
                flagship_projects=flagships_by_engagement.get(e.id, []),
            )
        )
    return TreePublic(plan=plan, engagements=engagements)
