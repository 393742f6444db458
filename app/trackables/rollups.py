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

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, TypeVar

from sqlalchemy import String, select, type_coerce
from sqlmodel import Session, col

from app.indicators import indicators as indicator_service
from app.models import Axis, Engagement, FlagshipAction, Status, Trackable, TrackableKind
from app.models.indicators import Rollup, Trajectory
from app.trackables.progress import latest_progress

PLAN = "plan"
E = TypeVar("E", bound=StrEnum)


class EngagementRow(NamedTuple):
    id: int
    code: str
    title: str
    quote: str
    quote_author: str


class AxisRow(NamedTuple):
    id: int
    code: str
    title: str
    engagement_id: int


class TrackableRow(NamedTuple):
    id: int
    kind: TrackableKind
    code: str
    title: str
    parent_id: int | None
    axis_id: int | None
    engagement_id: int | None
    status: Status
    weight: float


class FlagshipLink(NamedTuple):
    flagship_project_id: int
    action_id: int


@dataclass
class TreeStructure:
    """The live tree as plain rows (tuples, not ORM objects: the tree of a large plan is read on
    every change, and building thousands of ORM objects was most of its cost)."""

    engagements: Sequence[EngagementRow]
    axes: Sequence[AxisRow]
    trackables: Sequence[TrackableRow]
    flagship_links: Sequence[FlagshipLink]


@dataclass
class TreeRows(TreeStructure):
    """The structure and every trackable's latest yearly progress."""

    progress: dict[int, tuple[int, float]]

    @classmethod
    def of(cls, structure: TreeStructure, progress: dict[int, tuple[int, float]]) -> "TreeRows":
        return cls(
            structure.engagements,
            structure.axes,
            structure.trackables,
            structure.flagship_links,
            progress,
        )


_KINDS = {kind.value: kind for kind in TrackableKind}
_STATUSES = {status.value: status for status in Status}


def load_structure(session: Session) -> TreeStructure:
    """Four queries: engagements, live axes, live trackables, flagship links."""
    engagements = session.execute(
        select(
            col(Engagement.id),
            col(Engagement.code),
            col(Engagement.title),
            col(Engagement.quote),
            col(Engagement.quote_author),
        ).order_by(col(Engagement.position))
    ).all()
    axes = session.execute(
        select(col(Axis.id), col(Axis.code), col(Axis.title), col(Axis.engagement_id))
        .where(col(Axis.archived_at).is_(None))
        .order_by(col(Axis.position))
    ).all()
    # Kind and status read as plain text and mapped here: cheaper than the column type's
    # conversion, row by row.
    trackables = session.execute(
        select(
            col(Trackable.id),
            type_coerce(col(Trackable.kind), String),
            col(Trackable.code),
            col(Trackable.title),
            col(Trackable.parent_id),
            col(Trackable.axis_id),
            col(Trackable.engagement_id),
            type_coerce(col(Trackable.status), String),
            col(Trackable.weight),
        )
        .where(col(Trackable.archived_at).is_(None))
        .order_by(col(Trackable.position), col(Trackable.code))
    ).all()
    links = session.execute(
        select(col(FlagshipAction.flagship_project_id), col(FlagshipAction.action_id))
    ).all()
    return TreeStructure(
        engagements=[EngagementRow(*row) for row in engagements],
        axes=[AxisRow(*row) for row in axes],
        trackables=[
            TrackableRow(i, _KINDS[k], code, title, parent, axis, engagement, _STATUSES[s], w)
            for i, k, code, title, parent, axis, engagement, s, w in trackables
        ],
        flagship_links=[FlagshipLink(*row) for row in links],
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
    """Mean of ``(value, weight)`` pairs; None when there is none.

    Total for any stored weight: weights whose sum overflows a double (two of 1.7e308) are
    scaled down by the largest, an infinite weight outweighs every finite one, and a NaN weight
    (PostgreSQL's check ``weight > 0`` lets it through) counts for nothing. Never NaN."""
    pairs = list(pairs)
    total = sum(weight for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    mean = sum(value * weight for value, weight in pairs) / total
    return mean if math.isfinite(mean) else _scaled_mean(pairs)


def _scaled_mean(pairs: list[tuple[float, float]]) -> float | None:
    """``weighted_mean`` with every weight divided by the largest (so that they sum to at most
    their number)."""
    kept = [(value, weight) for value, weight in pairs if weight > 0]  # NaN > 0 is false
    if not kept:
        return None
    largest = max(weight for _, weight in kept)
    scaled = [
        (value, (1.0 if weight == largest else 0.0) if math.isinf(largest) else weight / largest)
        for value, weight in kept
    ]
    mean = sum(value * weight for value, weight in scaled) / sum(w for _, w in scaled)
    return mean if math.isfinite(mean) else None


TrajectoryCounts = dict[str, dict[Trajectory, int]]


def trajectory_counts(session: Session, structure: TreeStructure, year: int) -> TrajectoryCounts:
    """By node code (and ``"plan"``), how many of the indicators linked to the node or to
    anything it contains are on each trajectory in ``year`` (three queries)."""
    loaded = indicator_service.load(session)
    trajectory_of = {
        i.id: indicator_service.assessment(i, loaded, year).trajectory for i in loaded.indicators
    }
    live_axes = {a.id: a for a in structure.axes}
    by_id = {t.id: t for t in structure.trackables}
    node_indicators: dict[str, set[int]] = defaultdict(set)
    engagement_code = {e.id: e.code for e in structure.engagements}
    flagships_serving: dict[int, list[int]] = defaultdict(list)
    for link in structure.flagship_links:
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
    return {
        code: counts_by(Trajectory, (trajectory_of[i] for i in ids))
        for code, ids in node_indicators.items()
    }


def compute(rows: TreeRows, trajectories: TrajectoryCounts) -> Rollups:
    """Every roll-up, from ``rows`` and the indicators' ``trajectory_counts`` (no query)."""
    live_axes = {a.id: a for a in rows.axes}
    by_id = {t.id: t for t in rows.trackables}
    children: dict[int, list[TrackableRow]] = defaultdict(list)
    for t in rows.trackables:
        if t.parent_id is not None:
            children[t.parent_id].append(t)

    def own(t: TrackableRow) -> float | None:
        return rows.progress[t.id][1] if t.id in rows.progress else None

    def current(t: TrackableRow) -> float:
        value = own(t)
        if value is None and children.get(t.id):
            value = weighted_mean(
                (own(c) or 0.0, c.weight) for c in children[t.id] if c.status != Status.abandoned
            )
        return value or 0.0

    top_actions = [
        t
        for t in rows.trackables
        if t.kind == TrackableKind.action and t.parent_id is None and t.axis_id in live_axes
    ]
    axis_actions: dict[int, list[TrackableRow]] = defaultdict(list)
    engagement_actions: dict[int, list[TrackableRow]] = defaultdict(list)
    for action in top_actions:
        assert action.axis_id is not None
        axis_actions[action.axis_id].append(action)
        engagement_actions[live_axes[action.axis_id].engagement_id].append(action)
    served: dict[int, list[TrackableRow]] = defaultdict(list)
    for link in rows.flagship_links:
        if link.action_id in by_id:
            served[link.flagship_project_id].append(by_id[link.action_id])
    no_indicator: dict[Trajectory, int] = {}

    def rollup(actions: Sequence[TrackableRow], code: str, progress: float | None = None) -> Rollup:
        counted = [a for a in actions if a.status != Status.abandoned]
        if progress is None:
            progress = weighted_mean((current(a), a.weight) for a in counted)
        # Built from values of the right types: no validation needed (thousands of nodes).
        return Rollup.model_construct(
            progress=progress,
            status_counts=counts_by(Status, (a.status for a in actions)),
            trajectory_counts=trajectories.get(code, no_indicator),
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
            result.by_code[t.code] = rollup(served.get(t.id, []), t.code, own(t))
    return result


def compute_all(session: Session, year: int | None = None) -> Rollups:
    """Every roll-up, read and computed now (the kept ones are in app.trackables.kept)."""
    structure = load_structure(session)
    rows = TreeRows.of(structure, latest_progress(session))
    return compute(
        rows, trajectory_counts(session, structure, year or indicator_service.this_year())
    )


def counts_by(kind: type[E], values: Iterable[E]) -> dict[E, int]:
    """How many of each, in the order the enum lists them (not the order rows came in), so that
    the same data always gives the same bytes."""
    counted = Counter(values)
    return {member: counted[member] for member in kind if counted[member]}
