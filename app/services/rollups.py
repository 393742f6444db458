"""Roll-ups: progress, status counts and indicator trajectories for every axis, engagement,
flagship project and the plan, computed from a fixed number of queries in one pass.

Rules (documented in docs/trajectories.md):
- an action's current progress is its latest yearly report; an action with no report but with
  sub-actions takes the weighted mean of its sub-actions (those without a report count as 0);
- a node's progress is the weighted mean (weights of the trackables) of the current progress of
  the live top-level actions it contains; an action without any report counts as 0 (not started);
  abandoned actions are left out; a node with no action has no progress;
- a flagship project's progress is its own latest report, else the mean over the actions it serves;
- status counts count those top-level actions (a flagship project: the actions it serves);
- trajectory counts count the indicators linked to the node or to anything it contains.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlmodel import Session, col, select

from app.models import Axis, Engagement, FlagshipAction, Status, Trackable, TrackableKind
from app.models.indicators import Rollup, Trajectory
from app.services import indicators as indicator_service
from app.services.progress import latest_progress

PLAN = "plan"
E = TypeVar("E", bound=StrEnum)


@dataclass
class TreeRows:
    """The live tree as rows, as the tree service also needs them."""

    engagements: Sequence[Engagement]
    axes: Sequence[Axis]
    trackables: Sequence[Trackable]
    flagship_links: Sequence[FlagshipAction]
    progress: dict[int, tuple[int, float]]


def load_tree_rows(session: Session) -> TreeRows:
    """Five queries: engagements, live axes, live trackables, flagship links, latest progress."""
    return TreeRows(
        engagements=session.exec(select(Engagement).order_by(col(Engagement.position))).all(),
        axes=session.exec(
            select(Axis).where(col(Axis.archived_at).is_(None)).order_by(col(Axis.position))
        ).all(),
        trackables=session.exec(
            select(Trackable)
            .where(col(Trackable.archived_at).is_(None))
            .order_by(col(Trackable.position), col(Trackable.code))
        ).all(),
        flagship_links=session.exec(select(FlagshipAction)).all(),
        progress=latest_progress(session),
    )


@dataclass
class Rollups:
    """Roll-ups by node: ``"plan"``, engagement, axis and flagship project codes."""

    by_code: dict[str, Rollup] = field(default_factory=dict)

    def get(self, code: str) -> Rollup:
        return self.by_code.get(code) or empty_rollup()


def empty_rollup() -> Rollup:
    return Rollup(progress=None, status_counts={}, trajectory_counts={})


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Mean of ``(value, weight)`` pairs; None when there is none."""
    pairs = list(pairs)
    total = sum(weight for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    return sum(value * weight for value, weight in pairs) / total


def compute(session: Session, rows: TreeRows, year: int | None = None) -> Rollups:
    """Every roll-up, from ``rows`` and three more queries for the indicators."""
    loaded = indicator_service.load(session)
    year = year or indicator_service.this_year()
    trajectory_of = {
        i.id: indicator_service.assessment(i, loaded, year).trajectory for i in loaded.indicators
    }

    live_axes = {a.id: a for a in rows.axes}
    by_id = {t.id: t for t in rows.trackables}
    children: dict[int, list[Trackable]] = defaultdict(list)
    for t in rows.trackables:
        if t.parent_id is not None:
            children[t.parent_id].append(t)

    def own(t: Trackable) -> float | None:
        return rows.progress[t.id][1] if t.id in rows.progress else None

    def current(t: Trackable) -> float:
        value = own(t)
        if value is None and children.get(t.id):  # type: ignore[arg-type]
            value = weighted_mean(
                (own(c) or 0.0, c.weight)
                for c in children[t.id]  # type: ignore[index]
                if c.status != Status.abandoned
            )
        return value or 0.0

    top_actions = [
        t
        for t in rows.trackables
        if t.kind == TrackableKind.action and t.parent_id is None and t.axis_id in live_axes
    ]
    axis_actions: dict[int, list[Trackable]] = defaultdict(list)
    engagement_actions: dict[int, list[Trackable]] = defaultdict(list)
    for action in top_actions:
        assert action.axis_id is not None
        axis_actions[action.axis_id].append(action)
        engagement_actions[live_axes[action.axis_id].engagement_id].append(action)
    served: dict[int, list[Trackable]] = defaultdict(list)
    for link in rows.flagship_links:
        if link.action_id in by_id:
            served[link.flagship_project_id].append(by_id[link.action_id])

    # Which indicators each node sees: linked to it, or to anything below it.
    node_indicators: dict[str, set[int]] = defaultdict(set)
    engagement_code = {e.id: e.code for e in rows.engagements}
    flagships_serving: dict[int, list[int]] = defaultdict(list)
    for link in rows.flagship_links:
        flagships_serving[link.action_id].append(link.flagship_project_id)
    for indicator_id, links in loaded.links.items():
        node_indicators[PLAN].add(indicator_id)
        for measured in links:
            codes: list[str] = []
            if measured.engagement_id is not None:
                codes.append(engagement_code.get(measured.engagement_id, ""))
            elif measured.axis_id is not None and measured.axis_id in live_axes:
                axis = live_axes[measured.axis_id]
                codes += [axis.code, engagement_code.get(axis.engagement_id, "")]
            elif measured.trackable_id is not None and measured.trackable_id in by_id:
                t = by_id[measured.trackable_id]
                if t.kind == TrackableKind.flagship_project:
                    codes += [t.code, engagement_code.get(t.engagement_id or 0, "")]
                elif t.axis_id is not None and t.axis_id in live_axes:
                    axis = live_axes[t.axis_id]
                    codes += [axis.code, engagement_code.get(axis.engagement_id, "")]
                    top = t.parent_id or t.id or 0
                    codes += [by_id[f].code for f in flagships_serving.get(top, []) if f in by_id]
            for code in codes:
                if code:
                    node_indicators[code].add(indicator_id)
    for indicator in loaded.indicators:
        node_indicators[PLAN].add(indicator.id)  # type: ignore[arg-type]

    def rollup(actions: Sequence[Trackable], code: str, progress: float | None = None) -> Rollup:
        counted = [a for a in actions if a.status != Status.abandoned]
        if progress is None:
            progress = weighted_mean((current(a), a.weight) for a in counted)
        return Rollup(
            progress=progress,
            status_counts=counts_by(Status, (Status(a.status) for a in actions)),
            trajectory_counts=counts_by(
                Trajectory, (trajectory_of[i] for i in node_indicators.get(code, set()))
            ),
        )

    result = Rollups()
    result.by_code[PLAN] = rollup(top_actions, PLAN)
    for engagement in rows.engagements:
        assert engagement.id is not None
        result.by_code[engagement.code] = rollup(
            engagement_actions.get(engagement.id, []), engagement.code
        )
    for axis in rows.axes:
        assert axis.id is not None
        result.by_code[axis.code] = rollup(axis_actions.get(axis.id, []), axis.code)
    for t in rows.trackables:
        if t.kind == TrackableKind.flagship_project:
            result.by_code[t.code] = rollup(served.get(t.id, []), t.code, own(t))  # type: ignore[arg-type]
    return result


def counts_by(kind: type[E], values: Iterable[E]) -> dict[E, int]:
    """How many of each, in the order the enum lists them (not the order rows came in), so that
    the same data always gives the same bytes."""
    counted = Counter(values)
    return {member: counted[member] for member in kind if counted[member]}
