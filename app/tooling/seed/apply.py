"""Writing the seed: every node matched by its code, created or brought up to date (never
deleted), and what was written recorded in the audit trail."""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from app.models import (
    Ambition,
    AuditAction,
    AuditEntry,
    Axis,
    ChronologyStep,
    Commune,
    Directorate,
    Engagement,
    FlagshipAction,
    Indicator,
    IndicatorLink,
    IndicatorTarget,
    KeyPoint,
    KeyPointKind,
    Plan,
    PlanValue,
    Trackable,
    TrackableKind,
)
from app.tooling.seed.schema import SeedAction, SeedCommune, SeedDocument, SeedSubAction

T = TypeVar("T", bound=SQLModel)


@dataclass
class SeedSummary:
    """How many rows of each kind were created, updated or left unchanged."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    #: Rows created or updated, for the audit trail: (kind, key, outcome, row, values).
    written: list[tuple[str, str, str, SQLModel, dict[str, Any]]] = field(default_factory=list)

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for c in self.counts.values())


def _upsert(
    session: Session,
    summary: SeedSummary,
    kind: str,
    existing: dict[str, T],
    key: str,
    values: dict[str, Any],
    model: type[T],
) -> T:
    """Create the row ``values[key]`` or bring the existing one up to date, and count which."""
    row = existing.get(values[key])
    if row is None:
        row = model(**values)
        session.add(row)
        existing[values[key]] = row
        summary.add(kind, "created")
        summary.written.append((kind, str(values[key]), "create", row, values))
        return row
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    summary.add(kind, "updated" if changed else "unchanged")
    if changed:
        summary.written.append((kind, str(values[key]), "update", row, values))
    return row


def _record_in_audit_trail(session: Session, summary: SeedSummary) -> None:
    """What the seed wrote goes in the audit trail (and so in the change feed and histories),
    as written by the seed itself."""
    for kind, key, outcome, row, values in summary.written:
        if kind == "commune":
            continue  # reference data, not the plan
        session.add(
            AuditEntry(
                actor_name="seed",
                actor_role="system",
                entity=kind.replace("-", "_").replace(" ", "_"),
                entity_key=key,
                trackable_id=row.id if isinstance(row, Trackable) else None,
                action=AuditAction(outcome),
                after=json.loads(json.dumps(values, default=str)),
            )
        )


def _by_code(session: Session, model: type[T]) -> dict[str, T]:
    return {row.code: row for row in session.exec(select(model)).all()}  # type: ignore[attr-defined]


def _upsert_action(
    session: Session,
    summary: SeedSummary,
    trackables: dict[str, Trackable],
    kind: str,
    node: SeedAction | SeedSubAction,
    *,
    axis_id: int | None,
    parent_id: int | None,
    position: int,
) -> Trackable:
    """An action of an axis, or a sub-action (``parent_id``: its action's id)."""
    return _upsert(
        session,
        summary,
        kind,
        trackables,
        "code",
        {
            "code": node.code,
            "title": node.title,
            "kind": TrackableKind.action,
            "axis_id": axis_id,
            "parent_id": parent_id,
            "position": position,
        },
        Trackable,
    )


def apply_seed(
    session: Session, document: SeedDocument, communes: Sequence[SeedCommune]
) -> SeedSummary:
    """Write the seed into the session (the caller commits). Idempotent."""
    summary = SeedSummary()

    plan_row = session.exec(select(Plan)).first()
    plan_values = document.plan.model_dump()
    if plan_row is None:
        session.add(Plan(**plan_values))
        summary.add("plan", "created")
    else:
        changed = [k for k, v in plan_values.items() if getattr(plan_row, k) != v]
        for name in changed:
            setattr(plan_row, name, plan_values[name])
        summary.add("plan", "updated" if changed else "unchanged")

    ambitions = _by_code(session, Ambition)
    for position, ambition in enumerate(document.ambitions):
        values = ambition.model_dump() | {"position": position}
        _upsert(session, summary, "ambition", ambitions, "code", values, Ambition)

    plan_values_rows = _by_code(session, PlanValue)
    for position, value in enumerate(document.values):
        values = value.model_dump() | {"position": position}
        _upsert(session, summary, "value", plan_values_rows, "code", values, PlanValue)

    key_points = _by_code(session, KeyPoint)
    for kind, points in (
        (KeyPointKind.diagnostic, document.diagnostic),
        (KeyPointKind.prospective, document.prospective),
    ):
        for position, point in enumerate(points):
            values = point.model_dump() | {"kind": kind, "position": position}
            _upsert(session, summary, f"{kind.value} point", key_points, "code", values, KeyPoint)

    steps = _by_code(session, ChronologyStep)
    for position, step in enumerate(document.chronology):
        values = step.model_dump() | {"position": position}
        _upsert(session, summary, "chronology step", steps, "code", values, ChronologyStep)

    engagements = _by_code(session, Engagement)
    axes = _by_code(session, Axis)
    trackables = _by_code(session, Trackable)
    for e_position, engagement in enumerate(document.engagements):
        values = engagement.model_dump(exclude={"axes", "flagship_projects"})
        engagement_row = _upsert(
            session,
            summary,
            "engagement",
            engagements,
            "code",
            values | {"position": e_position},
            Engagement,
        )
        session.flush()
        for a_position, axis in enumerate(engagement.axes):
            axis_values = {
                "code": axis.code,
                "title": axis.title,
                "engagement_id": engagement_row.id,
                "position": a_position,
            }
            axis_row = _upsert(session, summary, "axis", axes, "code", axis_values, Axis)
            session.flush()
            for t_position, action in enumerate(axis.actions):
                action_row = _upsert_action(
                    session,
                    summary,
                    trackables,
                    "action",
                    action,
                    axis_id=axis_row.id,
                    parent_id=None,
                    position=t_position,
                )
                session.flush()
                for s_position, sub in enumerate(action.sub_actions):
                    _upsert_action(
                        session,
                        summary,
                        trackables,
                        "sub-action",
                        sub,
                        axis_id=axis_row.id,
                        parent_id=action_row.id,
                        position=s_position,
                    )
        for f_position, flagship in enumerate(engagement.flagship_projects):
            _upsert(
                session,
                summary,
                "flagship project",
                trackables,
                "code",
                {
                    "code": flagship.code,
                    "title": flagship.title,
                    "kind": TrackableKind.flagship_project,
                    "engagement_id": engagement_row.id,
                    "axis_id": None,
                    "parent_id": None,
                    "position": f_position,
                },
                Trackable,
            )
    session.flush()

    links = {
        (link.flagship_project_id, link.action_id) for link in session.exec(select(FlagshipAction))
    }
    for engagement in document.engagements:
        for flagship in engagement.flagship_projects:
            for code in flagship.actions:
                flagship_id, action_id = trackables[flagship.code].id, trackables[code].id
                assert flagship_id is not None and action_id is not None
                if (flagship_id, action_id) in links:
                    summary.add("flagship link", "unchanged")
                else:
                    session.add(
                        FlagshipAction(flagship_project_id=flagship_id, action_id=action_id)
                    )
                    links.add((flagship_id, action_id))
                    summary.add("flagship link", "created")

    _apply_indicators(session, summary, document, engagements, axes, trackables)

    directorates = _by_code(session, Directorate)
    for directorate in document.directorates or []:
        _upsert(
            session,
            summary,
            "directorate",
            directorates,
            "code",
            directorate.model_dump(),
            Directorate,
        )

    commune_rows = {c.insee_code: c for c in session.exec(select(Commune)).all()}
    for commune in communes:
        _upsert(
            session, summary, "commune", commune_rows, "insee_code", commune.model_dump(), Commune
        )

    session.flush()
    _record_in_audit_trail(session, summary)
    session.flush()
    return summary


def _apply_indicators(
    session: Session,
    summary: SeedSummary,
    document: SeedDocument,
    engagements: dict[str, Engagement],
    axes: dict[str, Axis],
    trackables: dict[str, Trackable],
) -> None:
    """Indicators as the document defines them. What CAPH records later through the API (a
    baseline, more targets or links) is kept: the seed adds and corrects, never removes."""
    indicators = _by_code(session, Indicator)
    for seeded in document.indicators:
        values = seeded.model_dump(exclude={"baseline", "targets", "measures"})
        if seeded.baseline is not None:
            values |= {
                "baseline_year": seeded.baseline.year,
                "baseline_value": seeded.baseline.value,
            }
        indicator = _upsert(session, summary, "indicator", indicators, "code", values, Indicator)
        session.flush()
        assert indicator.id is not None
        targets = {
            t.year: t
            for t in session.exec(
                select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id)
            )
        }
        for target in seeded.targets:
            row = targets.get(target.year)
            if row is None:
                session.add(
                    IndicatorTarget(indicator_id=indicator.id, year=target.year, value=target.value)
                )
                summary.add("indicator target", "created")
            elif row.value != target.value:
                row.value = target.value
                summary.add("indicator target", "updated")
            else:
                summary.add("indicator target", "unchanged")
        links = {
            (link.trackable_id, link.axis_id, link.engagement_id)
            for link in session.exec(
                select(IndicatorLink).where(IndicatorLink.indicator_id == indicator.id)
            )
        }
        for code in seeded.measures:
            key = (
                trackables[code].id if code in trackables else None,
                axes[code].id if code in axes and code not in trackables else None,
                engagements[code].id
                if code in engagements and code not in axes and code not in trackables
                else None,
            )
            if key in links:
                summary.add("indicator link", "unchanged")
                continue
            session.add(
                IndicatorLink(
                    indicator_id=indicator.id,
                    trackable_id=key[0],
                    axis_id=key[1],
                    engagement_id=key[2],
                )
            )
            links.add(key)
            summary.add("indicator link", "created")
