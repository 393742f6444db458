"""The public strategy tree: the plan, its engagements, axes, actions and flagship projects with
their roll-ups (computed and kept per revision by ``app.trackables.kept``).

The contract of a rebuild. The tree is built whole the first time, and whenever the tree's
skeleton changed (``rollups.Shape.skeleton``: which engagements, axes, trackables and links there
are, their codes, places and order). Otherwise — after progress or milestone writes, a title or
status change — it is refreshed from the tree last built (``kept.previous``): the nodes whose row,
progress or roll-up differs, and the nodes above them, are built again; every other node is the
previous tree's very object (nodes are read-only, shared between requests). The answer is the
same as a whole build's (tests/plan/test_tree_refresh.py)."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.indicators import indicators as indicator_service
from app.models import TrackableKind
from app.models.indicators import Rollup
from app.models.tree import (
    ActionNode,
    AxisNode,
    EngagementNode,
    FlagshipProjectNode,
    TreePublic,
)
from app.plan import plan as plan_service
from app.trackables import rollups
from app.trackables.kept import by_revision, computed, previous, remember, shape_of
from app.trackables.rollups import TrackableRow


def get(*, session: Session) -> TreePublic:
    """The roll-ups (see ``computed``) + plan metadata (5 queries, none after progress writes
    alone) + the revision stamps; one query when the database has not changed since the last
    time (none when the answer is replayed: app.revision.http_cache)."""
    year = indicator_service.this_year()
    return by_revision(session, ("tree", year), lambda: _build(session, year))


@dataclass(frozen=True)
class _Built:
    shape: rollups.Shape
    rows: rollups.TreeRows
    rollups: rollups.Rollups
    tree: TreePublic


def _build(session: Session, year: int) -> TreePublic:
    rows, computed_rollups = computed(session, year)
    shape = shape_of(session, rows)
    last = previous(session, ("tree", year))
    if isinstance(last, _Built) and (last.shape is shape or last.shape.skeleton == shape.skeleton):
        tree = _refresh(session, last, shape, rows, computed_rollups)
    else:
        tree = _whole(session, rows, computed_rollups)
    remember(session, ("tree", year), _Built(shape, rows, computed_rollups, tree))
    return tree


def _node(rows: rollups.TreeRows, t: TrackableRow) -> dict[str, Any]:
    """What every node of a trackable shows: code, title, status and current progress."""
    progress = rows.progress[t.id][1] if t.id in rows.progress else None
    return {"code": t.code, "title": t.title, "status": t.status, "progress": progress}


def _whole(
    session: Session, rows: rollups.TreeRows, computed_rollups: rollups.Rollups
) -> TreePublic:
    plan = plan_service.get(session=session, rollup=computed_rollups.get(rollups.PLAN))

    code_of = {t.id: t.code for t in rows.trackables}
    served: dict[int, list[str]] = defaultdict(list)
    for link in rows.flagship_links:
        if link.action_id in code_of:
            served[link.flagship_project_id].append(code_of[link.action_id])

    def node(t: TrackableRow) -> dict[str, Any]:
        return _node(rows, t)

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


def _refresh(
    session: Session,
    last: _Built,
    shape: rollups.Shape,
    rows: rollups.TreeRows,
    computed_rollups: rollups.Rollups,
) -> TreePublic:
    """``last.tree`` for ``rows`` and ``computed_rollups``, on the same skeleton (``shape``):
    only the nodes that differ and those above them are new."""
    same_structure = last.rows.trackables is rows.trackables
    before = last.rollups.by_code
    dirty = {
        code
        for code, rollup in computed_rollups.by_code.items()
        if rollup is not before.get(code) and _figures(rollup) != _figures(before.get(code))
    }
    dirty |= {
        shape.by_id[t].code
        for t in rollups.changed(last.rows.progress, rows.progress)
        if t in shape.by_id
    }
    if not same_structure:  # the same skeleton: the rows pair up one to one
        pairs: list[tuple[Any, Any]] = [
            *zip(last.rows.engagements, rows.engagements, strict=True),
            *zip(last.rows.axes, rows.axes, strict=True),
            *zip(last.rows.trackables, rows.trackables, strict=True),
        ]
        dirty.update(new.code for old, new in pairs if old != new)
    if not dirty and same_structure:
        return last.tree
    for code in list(dirty):
        dirty.update(shape.ancestors.get(code, ()))
    axis_rows = {a.code: a for a in rows.axes}

    def action(node: ActionNode) -> ActionNode:
        if node.code not in dirty:
            return node
        subs = [action(sub) for sub in node.sub_actions]
        return ActionNode.model_construct(**_node(rows, shape.by_code[node.code]), sub_actions=subs)

    def axis(node: AxisNode) -> AxisNode:
        if node.code not in dirty:
            return node
        return AxisNode.model_construct(
            code=node.code,
            title=axis_rows[node.code].title,
            rollup=computed_rollups.get(node.code),
            actions=[action(a) for a in node.actions],
        )

    def flagship(node: FlagshipProjectNode) -> FlagshipProjectNode:
        if node.code not in dirty:
            return node
        return FlagshipProjectNode.model_construct(
            **_node(rows, shape.by_code[node.code]),
            rollup=computed_rollups.get(node.code),
            action_codes=node.action_codes,
        )

    def engagement(node: EngagementNode, row: rollups.EngagementRow) -> EngagementNode:
        if node.code not in dirty:
            return node
        return EngagementNode.model_construct(
            code=row.code,
            title=row.title,
            quote=row.quote,
            quote_author=row.quote_author,
            rollup=computed_rollups.get(row.code),
            axes=[axis(a) for a in node.axes],
            flagship_projects=[flagship(f) for f in node.flagship_projects],
        )

    plan_rollup = computed_rollups.get(rollups.PLAN)
    if not same_structure:  # the plan's own text may have changed too
        plan = plan_service.get(session=session, rollup=plan_rollup)
    elif rollups.PLAN in dirty:
        plan = last.tree.plan.model_copy(update={"rollup": plan_rollup})
    else:
        plan = last.tree.plan
    return TreePublic.model_construct(
        plan=plan,
        engagements=[
            engagement(node, row)
            for node, row in zip(last.tree.engagements, rows.engagements, strict=True)
        ],
    )


def _figures(rollup: Rollup | None) -> tuple[Any, ...] | None:
    """What a roll-up shows (pydantic's own ``==`` compares more, and more slowly)."""
    if rollup is None:
        return None
    return (rollup.progress, rollup.status_counts, rollup.trajectory_counts)
