"""The public strategy tree: the plan, its engagements, axes, actions and flagship projects with
their roll-ups (computed and kept per revision by ``app.trackables.kept``)."""

from collections import defaultdict
from typing import Any

from sqlmodel import Session

from app.indicators import indicators as indicator_service
from app.models import TrackableKind
from app.models.tree import (
    ActionNode,
    AxisNode,
    EngagementNode,
    FlagshipProjectNode,
    TreePublic,
)
from app.plan import plan as plan_service
from app.trackables import rollups
from app.trackables.kept import by_revision, computed
from app.trackables.rollups import TrackableRow


def get(*, session: Session) -> TreePublic:
    """The roll-ups (see ``computed``) + plan metadata (5 queries) + the revision stamps; one
    query when the database has not changed since the last time (none when the answer is
    replayed: app.revision.http_cache)."""
    year = indicator_service.this_year()
    return by_revision(session, ("tree", year), lambda: _build(session, year))


def _build(session: Session, year: int) -> TreePublic:
    rows, computed_rollups = computed(session, year)
    plan = plan_service.get(session=session, rollup=computed_rollups.get(rollups.PLAN))

    code_of = {t.id: t.code for t in rows.trackables}
    served: dict[int, list[str]] = defaultdict(list)
    for link in rows.flagship_links:
        if link.action_id in code_of:
            served[link.flagship_project_id].append(code_of[link.action_id])

    def node(t: TrackableRow) -> dict[str, Any]:
        """What every node of a trackable shows: code, title, status and current progress."""
        progress = rows.progress[t.id][1] if t.id in rows.progress else None
        return {"code": t.code, "title": t.title, "status": t.status, "progress": progress}

    # model_construct: every value below already has its declared type, and validating thousands
    # of nodes was a large part of the tree's cost.
    sub_actions: dict[int, list[ActionNode]] = defaultdict(list)
    for t in rows.trackables:
        if t.parent_id is not None:
            sub_actions[t.parent_id].append(ActionNode.model_construct(**node(t), sub_actions=[]))
    actions_by_axis: dict[int, list[ActionNode]] = defaultdict(list)
    flagships_by_engagement: dict[int, list[FlagshipProjectNode]] = defaultdict(list)
    for t in rows.trackables:
        if t.kind == TrackableKind.action and t.parent_id is None and t.axis_id is not None:
            actions_by_axis[t.axis_id].append(
                ActionNode.model_construct(**node(t), sub_actions=sub_actions.get(t.id, []))
            )
        elif t.kind == TrackableKind.flagship_project and t.engagement_id is not None:
            flagships_by_engagement[t.engagement_id].append(
                FlagshipProjectNode.model_construct(
                    **node(t),
                    rollup=computed_rollups.get(t.code),
                    action_codes=sorted(served.get(t.id, [])),
                )
            )
    axes_by_engagement: dict[int, list[AxisNode]] = defaultdict(list)
    for axis in rows.axes:
        axes_by_engagement[axis.engagement_id].append(
            AxisNode.model_construct(
                code=axis.code,
                title=axis.title,
                rollup=computed_rollups.get(axis.code),
                actions=actions_by_axis.get(axis.id, []),
            )
        )
    engagements = [
        EngagementNode.model_construct(
            code=e.code,
            title=e.title,
            quote=e.quote,
            quote_author=e.quote_author,
            rollup=computed_rollups.get(e.code),
            axes=axes_by_engagement.get(e.id, []),
            flagship_projects=flagships_by_engagement.get(e.id, []),
        )
        for e in rows.engagements
    ]
    return TreePublic.model_construct(plan=plan, engagements=engagements)
