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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple, TypeVar

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


@dataclass
class Shape:
    """What the roll-ups read of the structure alone, indexed once (``kept`` keeps it with the
    structure): the live trackables by id and code, the children of each, the live top-level
    actions each node's roll-up counts, the actions each flagship project serves and the
    projects serving each action, and each node's ancestors in the tree."""

    by_id: dict[int, TrackableRow]
    by_code: dict[str, TrackableRow]
    children: dict[int, list[TrackableRow]]
    #: The plan's, each engagement's and axis's live top-level actions, by node code.
    rolled: dict[str, list[TrackableRow]]
    served: dict[int, list[TrackableRow]]
    serving: dict[int, list[int]]
    #: Node code -> the codes of the nodes above it (its parent action, axis, engagement).
    ancestors: dict[str, tuple[str, ...]]
    #: Which engagements, axes, trackables and links there are, their codes, places and order:
    #: the structure but its texts, statuses and weights.
    skeleton: tuple[Any, ...]

    @classmethod
    def of(cls, structure: TreeStructure) -> "Shape":
        live_axes = {a.id: a for a in structure.axes}
        engagement_code = {e.id: e.code for e in structure.engagements}
        by_id = {t.id: t for t in structure.trackables}
        children: dict[int, list[TrackableRow]] = defaultdict(list)
        rolled: dict[str, list[TrackableRow]] = {PLAN: []}
        rolled |= {e.code: [] for e in structure.engagements} | {a.code: [] for a in structure.axes}
        ancestors: dict[str, tuple[str, ...]] = {
            a.code: (engagement_code.get(a.engagement_id, ""),) for a in structure.axes
        }
        for t in structure.trackables:
            if t.parent_id is not None:
                children[t.parent_id].append(t)
            if t.kind == TrackableKind.flagship_project:
                ancestors[t.code] = (engagement_code.get(t.engagement_id or 0, ""),)
            elif t.axis_id in live_axes:
                axis = live_axes[t.axis_id]
                ancestors[t.code] = (axis.code, engagement_code.get(axis.engagement_id, ""))
                if t.parent_id is None:
                    for code in (PLAN, *ancestors[t.code]):
                        rolled.setdefault(code, []).append(t)
        for t in structure.trackables:
            if t.parent_id in by_id and t.code in ancestors:
                ancestors[t.code] = (by_id[t.parent_id].code, *ancestors[t.code])
        served: dict[int, list[TrackableRow]] = defaultdict(list)
        serving: dict[int, list[int]] = defaultdict(list)
        for link in structure.flagship_links:
            if link.action_id in by_id:
                served[link.flagship_project_id].append(by_id[link.action_id])
                if link.flagship_project_id in by_id:
                    serving[link.action_id].append(link.flagship_project_id)
        return cls(
            by_id,
            {t.code: t for t in structure.trackables},
            children,
            rolled,
            served,
            serving,
            ancestors,
            (
                tuple((e.id, e.code) for e in structure.engagements),
                tuple((a.id, a.code, a.engagement_id) for a in structure.axes),
                tuple(
                    (t.id, t.kind, t.code, t.parent_id, t.axis_id, t.engagement_id)
                    for t in structure.trackables
                ),
                frozenset(structure.flagship_links),
            ),
        )


class _Progress:
    """The progress figures of the roll-up rules (module docstring) over ``rows``' progress."""

    def __init__(self, shape: Shape, progress: dict[int, tuple[int, float]]) -> None:
        self.shape = shape
        self.progress = progress

    def own(self, t: TrackableRow) -> float | None:
        return self.progress[t.id][1] if t.id in self.progress else None

    def current(self, t: TrackableRow) -> float:
        value = self.own(t)
        children = self.shape.children.get(t.id)
        if value is None and children:
            value = weighted_mean(
                (self.own(c) or 0.0, c.weight) for c in children if c.status != Status.abandoned
            )
        return value or 0.0

    def of(self, actions: Sequence[TrackableRow]) -> float | None:
        return weighted_mean(
            (self.current(a), a.weight) for a in actions if a.status != Status.abandoned
        )


def _rollup_of(
    rows: TreeRows, shape: Shape, trajectories: TrajectoryCounts
) -> Callable[[str], Rollup]:
    """The roll-up of a node code (the plan, an engagement, an axis, a flagship project)."""
    figures = _Progress(shape, rows.progress)
    no_indicator: dict[Trajectory, int] = {}

    def rollup(code: str) -> Rollup:
        project = shape.by_code.get(code)
        if project is not None:  # a flagship project: its own progress, else its actions'
            actions = shape.served.get(project.id, [])
            progress = figures.own(project)
        else:
            actions, progress = shape.rolled.get(code, []), None
        # Built from values of the right types: no validation needed (thousands of nodes).
        return Rollup.model_construct(
            progress=figures.of(actions) if progress is None else progress,
            status_counts=counts_by(Status, (a.status for a in actions)),
            trajectory_counts=trajectories.get(code, no_indicator),
        )

    return rollup


def compute(rows: TreeRows, trajectories: TrajectoryCounts, shape: Shape | None = None) -> Rollups:
    """Every roll-up, from ``rows`` (whose ``Shape`` it is, if given) and the indicators'
    ``trajectory_counts`` (no query)."""
    rollup = _rollup_of(rows, shape or Shape.of(rows), trajectories)
    codes = [PLAN, *(e.code for e in rows.engagements), *(a.code for a in rows.axes)]
    codes += [t.code for t in rows.trackables if t.kind == TrackableKind.flagship_project]
    return Rollups({code: rollup(code) for code in codes})


def changed(before: dict[int, tuple[int, float]], after: dict[int, tuple[int, float]]) -> set[int]:
    """The trackables whose latest progress differs between the two."""
    if before is after:
        return set()
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}


@dataclass(frozen=True)
class Computed:
    """Roll-ups and what they were computed from."""

    shape: Shape
    trajectories: TrajectoryCounts
    rows: TreeRows
    rollups: Rollups


def recompute(
    rows: TreeRows, shape: Shape, trajectories: TrajectoryCounts, last: Computed
) -> Rollups:
    """``compute``, from ``last`` computed on the same skeleton (``Shape.skeleton``): only the
    roll-ups that a change enters are computed again — those over a trackable whose progress,
    status or weight changed (its axis, engagement and the plan, the flagship projects serving
    it or its parent, a flagship project's own), and those whose trajectory counts changed —,
    by the same rules in the same order (so the same floats as ``compute``); every other one is
    ``last``'s very object. ``last.rollups`` itself when none changes."""
    moved = changed(last.rows.progress, rows.progress)
    if rows.trackables is not last.rows.trackables:
        pairs = zip(last.rows.trackables, rows.trackables, strict=True)
        moved |= {b.id for a, b in pairs if (a.status, a.weight) != (b.status, b.weight)}
    previous = last.rollups
    touched: set[str] = set()
    for t_id in moved:
        t = shape.by_id.get(t_id)
        if t is None:
            continue  # not in the live tree
        if t.kind == TrackableKind.flagship_project:
            touched.add(t.code)
            continue
        for action_id in (t.id, t.parent_id):
            if action_id is not None:
                touched.update(shape.by_id[f].code for f in shape.serving.get(action_id, []))
        top = shape.by_id.get(t.parent_id) if t.parent_id is not None else t
        if top is not None and top.parent_id is None and top.code in shape.ancestors:
            touched.update((PLAN, *shape.ancestors[top.code]))
    if trajectories is not last.trajectories:
        touched.update(
            code
            for code in previous.by_code
            if trajectories.get(code, {}) != last.trajectories.get(code, {})
        )
    touched &= previous.by_code.keys()
    if not touched:
        return previous
    rollup = _rollup_of(rows, shape, trajectories)
    return Rollups(
        {code: rollup(code) if code in touched else r for code, r in previous.by_code.items()}
    )


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
    return {member: counted[member] for member in _members(kind) if member in counted}


@cache
def _members(kind: type[E]) -> tuple[E, ...]:
    return tuple(kind)  # iterating an enum class is slow, and counts_by runs for every node
