"""The seed: the plan as reviewable YAML (``seed/plan.yaml``) plus the communes CSV, loaded into
the database idempotently.

The whole file is validated before anything is written; nodes are matched by their ``code``, so a
rerun after a title is corrected updates that node in place and keeps everything attached to it.
The seed never deletes: nodes added later through the API stay.
"""

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Self, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session, SQLModel, select

from app.models import (
    Ambition,
    AuditAction,
    AuditEntry,
    Axis,
    ChronologyStep,
    Commune,
    Direction,
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

# --- The file's schema --------------------------------------------------------------------------


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Code = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
Text = Field(min_length=1)


class SeedPlan(_Node):
    title: str = Text
    subtitle: str = ""
    organisation: str = Text
    organisation_acronym: str = Text
    siren: str = Field(pattern=r"^\d{9}$")
    start_year: int
    end_year: int
    adopted_on: date
    adopted_by: str = Text
    purpose: str = Text
    source: str = ""

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.end_year < self.start_year:
            raise ValueError("end_year is before start_year")
        return self


class SeedAmbition(_Node):
    code: str = Code
    title: str = Text
    quote: str = ""
    quote_author: str = ""


class SeedValue(_Node):
    code: str = Code
    title: str = Text


class SeedKeyPoint(_Node):
    code: str = Code
    text: str = Text


class SeedChronologyStep(_Node):
    code: str = Code
    starts_on: date
    ends_on: date
    date_label: str = Text
    title: str = Text

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class SeedSubAction(_Node):
    code: str = Code
    title: str = Text


class SeedAction(_Node):
    code: str = Code
    title: str = Text
    sub_actions: list[SeedSubAction] = []


class SeedAxis(_Node):
    code: str = Code
    title: str = Text
    actions: list[SeedAction] = []


class SeedFlagshipProject(_Node):
    code: str = Code
    title: str = Text
    actions: list[str] = Field(default=[], description="codes of the actions it serves")


class SeedEngagement(_Node):
    code: str = Code
    title: str = Text
    quote: str = ""
    quote_author: str = ""
    axes: list[SeedAxis] = []
    flagship_projects: list[SeedFlagshipProject] = []


class SeedYearValue(_Node):
    year: int = Field(ge=1990, le=2100)
    value: float


class SeedIndicator(_Node):
    code: str = Code
    name: str = Text
    description: str = ""
    unit: str = ""
    decimals: int = Field(default=0, ge=0, le=6)
    direction: Direction
    source: str = ""
    method: str = ""
    update_frequency: str = ""
    baseline: SeedYearValue | None = None
    targets: list[SeedYearValue] = []
    measures: list[str] = Field(default=[], description="codes of the nodes it measures")


class SeedDirectorate(_Node):
    code: str = Code
    name: str = Text


class SeedDocument(_Node):
    plan: SeedPlan
    ambitions: list[SeedAmbition] = []
    values: list[SeedValue] = []
    diagnostic: list[SeedKeyPoint] = []
    prospective: list[SeedKeyPoint] = []
    chronology: list[SeedChronologyStep] = []
    engagements: list[SeedEngagement] = []
    indicators: list[SeedIndicator] = []
    directorates: list[SeedDirectorate] | None = []

    def actions(self) -> Iterator[tuple[SeedAxis, SeedAction]]:
        for engagement in self.engagements:
            for axis in engagement.axes:
                for action in axis.actions:
                    yield axis, action


class SeedCommune(_Node):
    insee_code: str = Field(pattern=r"^\d[\dAB]\d{3}$")
    name: str = Text
    population: int = Field(ge=0)


# --- Reading and validating ---------------------------------------------------------------------


class SeedError(Exception):
    """A seed file that cannot be loaded; the message names the file, the node and the problem."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {problem}" for problem in self.problems))


def _describe(raw: Any, loc: Sequence[int | str]) -> str:
    """``engagements[0].axes[2] (E1.3).title`` for a pydantic error location: the path, with
    the code of the innermost node that has one."""
    path, node, cut, code = "", raw, 0, ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(node, dict) and isinstance(node.get("code"), str):
            cut, code = len(path), node["code"]
    return f"{path[:cut]} ({code}){path[cut:]}" if code else path


def parse_plan(path: Path) -> SeedDocument:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(path, [f"cannot read the file: {exc.strerror}"]) from exc
    except UnicodeDecodeError as exc:
        raise SeedError(path, [f"not UTF-8 text: {exc.reason}"]) from exc
    except yaml.YAMLError as exc:
        raise SeedError(path, [f"invalid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise SeedError(path, ["the file must hold a mapping with a 'plan' key"])
    try:
        document = SeedDocument.model_validate(raw)
    except ValidationError as exc:
        raise SeedError(
            path, [f"{_describe(raw, err['loc'])}: {err['msg']}" for err in exc.errors()]
        ) from exc
    problems = list(_check_references(document))
    if problems:
        raise SeedError(path, problems)
    return document


def _duplicates(kind: str, codes: Iterable[str]) -> Iterator[str]:
    for code, count in Counter(codes).items():
        if count > 1:
            yield f"{kind} {code}: duplicate code (used {count} times)"


def _check_references(doc: SeedDocument) -> Iterator[str]:
    """Rules that span nodes: unique codes per table, codes nested under their parent's code,
    links to actions that exist."""
    yield from _duplicates("ambition", (a.code for a in doc.ambitions))
    yield from _duplicates("value", (v.code for v in doc.values))
    yield from _duplicates("key point", (k.code for k in [*doc.diagnostic, *doc.prospective]))
    yield from _duplicates("chronology step", (c.code for c in doc.chronology))
    yield from _duplicates("engagement", (e.code for e in doc.engagements))
    yield from _duplicates("axis", (a.code for e in doc.engagements for a in e.axes))
    yield from _duplicates("directorate", (d.code for d in doc.directorates or []))
    trackable_codes = [
        code
        for _, action in doc.actions()
        for code in [action.code, *(s.code for s in action.sub_actions)]
    ] + [f.code for e in doc.engagements for f in e.flagship_projects]
    yield from _duplicates("action or flagship project", trackable_codes)

    action_codes = {action.code for _, action in doc.actions()} | {
        sub.code for _, action in doc.actions() for sub in action.sub_actions
    }
    for engagement in doc.engagements:
        for axis in engagement.axes:
            if not axis.code.startswith(f"{engagement.code}."):
                yield f"axis {axis.code}: code does not sit under its engagement {engagement.code}"
            for action in axis.actions:
                if not action.code.startswith(f"{axis.code}."):
                    yield f"action {action.code}: code does not sit under its axis {axis.code}"
                for sub in action.sub_actions:
                    if not sub.code.startswith(f"{action.code}."):
                        yield (
                            f"sub-action {sub.code}: code does not sit under its action "
                            f"{action.code}"
                        )
        for flagship in engagement.flagship_projects:
            for code in flagship.actions:
                if code not in action_codes:
                    yield f"flagship project {flagship.code}: unknown action '{code}'"

    yield from _duplicates("indicator", (i.code for i in doc.indicators))
    node_codes = set(trackable_codes) | {e.code for e in doc.engagements}
    node_codes |= {a.code for e in doc.engagements for a in e.axes}
    for indicator in doc.indicators:
        for code in indicator.measures:
            if code not in node_codes:
                yield f"indicator {indicator.code}: measures unknown node '{code}'"
        years = [t.year for t in indicator.targets]
        for year in sorted({y for y in years if years.count(y) > 1}):
            yield f"indicator {indicator.code}: two targets for {year}"


def parse_communes(path: Path) -> list[SeedCommune]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise SeedError(path, [f"cannot read the file: {exc.strerror}"]) from exc
    communes, problems = [], []
    for line, row in enumerate(rows, start=2):
        try:
            communes.append(
                SeedCommune.model_validate(
                    {
                        "insee_code": row.get("insee_code"),
                        "name": row.get("name"),
                        "population": row.get("population_municipale_2024"),
                    }
                )
            )
        except ValidationError as exc:
            problems += [
                f"line {line}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            ]
    problems += list(_duplicates("commune", (c.insee_code for c in communes)))
    if problems:
        raise SeedError(path, problems)
    return communes


T = TypeVar("T", bound=SQLModel)


# --- Writing ------------------------------------------------------------------------------------


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
            axis_row = _upsert(
                session,
                summary,
                "axis",
                axes,
                "code",
                {
                    "code": axis.code,
                    "title": axis.title,
                    "engagement_id": engagement_row.id,
                    "position": a_position,
                },
                Axis,
            )
            session.flush()
            for t_position, action in enumerate(axis.actions):
                action_row = _upsert(
                    session,
                    summary,
                    "action",
                    trackables,
                    "code",
                    {
                        "code": action.code,
                        "title": action.title,
                        "kind": TrackableKind.action,
                        "axis_id": axis_row.id,
                        "parent_id": None,
                        "position": t_position,
                    },
                    Trackable,
                )
                session.flush()
                for s_position, sub in enumerate(action.sub_actions):
                    _upsert(
                        session,
                        summary,
                        "sub-action",
                        trackables,
                        "code",
                        {
                            "code": sub.code,
                            "title": sub.title,
                            "kind": TrackableKind.action,
                            "axis_id": axis_row.id,
                            "parent_id": action_row.id,
                            "position": s_position,
                        },
                        Trackable,
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
