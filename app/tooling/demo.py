"""Demo data: the real plan repeated ``scale`` times, with twenty years of made-up tracking.

``boussole demo --scale N`` loads the seed (the real plan, copy 1) and adds N - 1 copies of its
engagements under new codes (``E4``… ``E{3N}``, ``PP10``…), titled ``[Démo] …``; then, for every
action and flagship project, made-up tracking: status, lead directorate (the ``DEMO-…``
directorates, named ``Démo — …``), priority, dates, communes, values, partners, a progress
report for each year 2024–2043, milestones and audit entries; and ten indicators per copy with 21
yearly values (2024–2044) and commune breakdowns. The plan's title and source say it is demo data.

Everything is drawn from ``random.Random`` instances seeded from ``seed``, and every timestamp is
simulated (the plan as if it had run from 2024), so the same seed writes the same rows. Rows go in
with bulk inserts (``session.execute(insert(table), rows)`` in chunks), never one ORM object at a
time: scale 100 (about 6,800 trackables, 136,000 reports) takes seconds.

A database holding real tracking data (reports, values, milestones, directorates, writes in the
audit trail other than the seed's) is refused, and so is one that already holds demo data.
"""

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, or_, update
from sqlmodel import Session, col, select

from app import revision
from app.core.text import fold
from app.models import (
    AuditEntry,
    Axis,
    Commune,
    Directorate,
    Engagement,
    FlagshipAction,
    Indicator,
    IndicatorLink,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    Partner,
    Plan,
    PlanValue,
    Priority,
    ProgressReport,
    Status,
    Trackable,
    TrackableCommune,
    TrackableDirectorate,
    TrackableKind,
    TrackablePartner,
    TrackableValue,
)
from app.tooling import seed as seed_service

#: The mark of everything generated: titles of the copies, milestones, comments, the plan.
DEMO_PREFIX = "[Démo] "
#: Who wrote the demo's reports, values and audit entries.
DEMO_ACTOR = "demo"
DEMO_DIRECTORATE_PREFIX = "DEMO-"
DEMO_INDICATOR_PREFIX = "DEMO-IND-"
DEFAULT_SEED = 2044
MAX_SCALE = 1000
PROGRESS_YEARS = range(2024, 2044)  # 20 yearly reports: 2024-2043
VALUE_YEARS = range(2024, 2045)  # 21 yearly values: 2024-2044
INDICATORS_PER_COPY = 10
MILESTONES_PER_TRACKABLE = 3
COMMUNES_PER_INDICATOR = 3
#: The simulated clock: the plan starts on 1 January 2024.
DEMO_START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
CHUNK = 5000

DIRECTORATES = (
    ("DGS", "Démo — Direction générale des services"),
    ("ENV", "Démo — Direction de l'environnement et de la transition écologique"),
    ("DEV", "Démo — Direction du développement économique"),
    ("HAB", "Démo — Direction de l'habitat et du renouvellement urbain"),
    ("MOB", "Démo — Direction des mobilités"),
    ("AME", "Démo — Direction de l'aménagement du territoire"),
    ("CUL", "Démo — Direction de la culture et du sport"),
    ("SOC", "Démo — Direction de la cohésion sociale et de la santé"),
    ("EMP", "Démo — Direction de l'emploi et de la formation"),
    ("NUM", "Démo — Direction du numérique"),
    ("FIN", "Démo — Direction des finances"),
    ("COM", "Démo — Direction de la communication"),
)
PARTNERS = (
    "Démo — Région Hauts-de-France",
    "Démo — Département du Nord",
    "Démo — État (préfecture du Nord)",
    "Démo — ADEME",
    "Démo — Banque des territoires",
    "Démo — Chambre de commerce et d'industrie",
    "Démo — Université polytechnique Hauts-de-France",
    "Démo — Agence de l'eau Artois-Picardie",
    "Démo — Bailleurs sociaux",
    "Démo — Associations locales",
)
#: (name, unit, direction, baseline, 2030 target, 2044 target, decimals)
INDICATORS = (
    ("Part des énergies renouvelables dans la consommation", "%", "increase", 12, 25, 50, 1),
    ("Émissions de gaz à effet de serre", "kteqCO2", "decrease", 1450, 1100, 600, 0),
    ("Logements rénovés au niveau BBC", "logements", "increase", 300, 4000, 15000, 0),
    ("Aménagements cyclables", "km", "increase", 85, 160, 320, 0),
    ("Taux de chômage", "%", "decrease", 13.5, 11, 8, 1),
    ("Friches requalifiées", "ha", "increase", 20, 90, 250, 0),
    ("Part modale du vélo", "%", "increase", 2, 6, 12, 1),
    ("Artificialisation des sols", "ha/an", "decrease", 60, 35, 5, 0),
    ("Places en crèche pour 100 enfants", "places", "increase", 38, 45, 60, 0),
    ("Déchets ménagers et assimilés par habitant", "kg/hab", "decrease", 620, 540, 400, 0),
)
#: Final statuses drawn for the trackables, with their weights.
STATUSES = (
    (Status.in_progress, 40),
    (Status.completed, 20),
    (Status.planned, 10),
    (Status.delayed, 10),
    (Status.paused, 6),
    (Status.blocked, 5),
    (Status.to_discuss, 5),
    (Status.abandoned, 4),
)


class DemoRefusedError(Exception):
    """The database cannot take demo data; nothing was written."""


@dataclass
class DemoSummary:
    scale: int
    seed: int
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, rows: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + rows


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def expected_rows(document: seed_service.SeedDocument, scale: int) -> int:
    """How many rows ``generate`` writes (for a progress bar), the seed's own rows left out."""
    trackables = _trackables_per_copy(document)
    indicators = INDICATORS_PER_COPY * scale
    copies = scale - 1
    axes = sum(len(e.axes) for e in document.engagements)
    structure = copies * (len(document.engagements) + axes + trackables)
    per_trackable = len(PROGRESS_YEARS) + MILESTONES_PER_TRACKABLE + 1  # + its audit entry
    return (
        structure
        + scale * trackables * per_trackable
        # Each indicator, its audit entry and its values.
        + indicators * (2 + len(VALUE_YEARS) * (1 + COMMUNES_PER_INDICATOR))
    )


def _trackables_per_copy(document: seed_service.SeedDocument) -> int:
    return sum(1 + len(action.sub_actions) for _, action in document.actions()) + sum(
        len(e.flagship_projects) for e in document.engagements
    )


# --- Refusals -----------------------------------------------------------------------------------


def check(session: Session) -> None:
    """Refuse a database with demo data already, or with real tracking data (which the demo must
    never mix with): raises DemoRefusedError naming what was found."""
    if session.scalar(
        select(func.count())
        .select_from(Directorate)
        .where(col(Directorate.code).startswith(DEMO_DIRECTORATE_PREFIX))
    ):
        raise DemoRefusedError(
            "the database already holds demo data: run `boussole demo` on a fresh database "
            "(migrated with `boussole db upgrade`)"
        )
    found: list[str] = []
    for what, model, where in (
        ("progress reports", ProgressReport, col(ProgressReport.reported_by) != DEMO_ACTOR),
        ("indicator values", IndicatorValue, col(IndicatorValue.recorded_by) != DEMO_ACTOR),
        ("milestones", Milestone, ~col(Milestone.title).startswith(DEMO_PREFIX)),
        ("directorates", Directorate, ~col(Directorate.code).startswith(DEMO_DIRECTORATE_PREFIX)),
        ("partners", Partner, ~col(Partner.name).startswith("Démo")),
        (
            "writes in the audit trail",
            AuditEntry,
            col(AuditEntry.actor_name).not_in(["seed", DEMO_ACTOR]),
        ),
        (
            "actions or flagship projects with tracking data",
            Trackable,
            or_(
                col(Trackable.lead_directorate_id).is_not(None),
                col(Trackable.status) != Status.planned,
                col(Trackable.version) != 1,
            ),
        ),
    ):
        count = session.scalar(select(func.count()).select_from(model).where(where)) or 0
        if count:
            found.append(f"{count} {what}")
    if found:
        raise DemoRefusedError(
            "the database already holds real tracking data (" + ", ".join(found) + "): demo data "
            "goes only into a fresh database (migrated with `boussole db upgrade`, seeded or not)"
        )


# --- Generation ---------------------------------------------------------------------------------


def _rng(seed: int, *parts: object) -> random.Random:
    """An independent, reproducible stream per purpose (string seeds hash with SHA-512)."""
    return random.Random(":".join(map(str, (seed, *parts))))  # noqa: S311 (not for secrets)


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(
        minutes=rng.randrange(10 * 60)
    )


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Writer:
    def __init__(
        self, session: Session, summary: DemoSummary, on_progress: Callable[[int], None] | None
    ) -> None:
        self.session = session
        self.summary = summary
        self.on_progress = on_progress

    def insert(self, model: Any, rows: Iterable[dict[str, Any]], *, count: bool = True) -> None:
        table = _table(model)
        for chunk in _chunks(rows):
            self.session.execute(insert(table), chunk)
            self.summary.add(table.name, len(chunk))
            if self.on_progress is not None and count:
                self.on_progress(len(chunk))

    def ids(self, model: Any, key: Any) -> dict[str, int]:
        return {k: i for k, i in self.session.execute(select(key, col(model.id))).all()}


@dataclass(frozen=True)
class _Node:
    """A trackable to write: its copy, code, title and parents (codes)."""

    copy: int
    code: str
    title: str
    kind: TrackableKind
    position: int
    axis: str | None = None
    parent: str | None = None
    engagement: str | None = None


def _recode(code: str, old: str, new: str) -> str:
    """``E1.2.3`` of engagement E1 in the copy whose engagement is E7: ``E7.2.3``."""
    return new + code[len(old) :]


def _structure(
    document: seed_service.SeedDocument, scale: int
) -> tuple[
    list[dict[str, Any]], list[tuple[str, dict[str, Any]]], list[_Node], list[tuple[str, str]]
]:
    """The copies' engagements, axes (with their engagement's code), trackables (copy 0: the
    seed's own) and flagship links, in document order."""
    engagements: list[dict[str, Any]] = []
    axes: list[tuple[str, dict[str, Any]]] = []
    nodes: list[_Node] = []
    links: list[tuple[str, str]] = []
    per_copy = len(document.engagements)
    flagships_per_copy = sum(len(e.flagship_projects) for e in document.engagements)
    for copy in range(scale):
        flagship_number = copy * flagships_per_copy
        for index, engagement in enumerate(document.engagements):
            new = f"E{copy * per_copy + index + 1}" if copy else engagement.code
            prefix = DEMO_PREFIX if copy else ""
            if copy:
                engagements.append(
                    {
                        "code": new,
                        "title": prefix + engagement.title,
                        "quote": engagement.quote,
                        "quote_author": engagement.quote_author,
                        "position": copy * per_copy + index,
                    }
                )
            for a_position, axis in enumerate(engagement.axes):
                axis_code = _recode(axis.code, engagement.code, new)
                if copy:
                    title = prefix + axis.title
                    axes.append(
                        (
                            new,
                            {
                                "code": axis_code,
                                "title": title,
                                "position": a_position,
                                "search_text": fold(f"{axis_code} {title}"),
                                "archived_at": None,
                            },
                        )
                    )
                for t_position, action in enumerate(axis.actions):
                    action_code = _recode(action.code, engagement.code, new)
                    nodes.append(
                        _Node(
                            copy,
                            action_code,
                            prefix + action.title,
                            TrackableKind.action,
                            t_position,
                            axis=axis_code,
                        )
                    )
                    for s_position, sub in enumerate(action.sub_actions):
                        nodes.append(
                            _Node(
                                copy,
                                _recode(sub.code, engagement.code, new),
                                prefix + sub.title,
                                TrackableKind.action,
                                s_position,
                                axis=axis_code,
                                parent=action_code,
                            )
                        )
            for f_position, flagship in enumerate(engagement.flagship_projects):
                flagship_number += 1
                code = f"PP{flagship_number}" if copy else flagship.code
                nodes.append(
                    _Node(
                        copy,
                        code,
                        prefix + flagship.title,
                        TrackableKind.flagship_project,
                        f_position,
                        engagement=new,
                    )
                )
                if copy:
                    # A copy's flagship project serves the first action of its first two axes.
                    served = [
                        _recode(axis.actions[0].code, engagement.code, new)
                        for axis in engagement.axes[:2]
                        if axis.actions
                    ]
                    links += [(code, action_code) for action_code in served]
    return engagements, axes, nodes, links


def _tracking(
    node: _Node, rng: random.Random, directorate_ids: Sequence[int]
) -> tuple[dict[str, Any], list[tuple[int, float, Status]]]:
    """The tracking fields of a trackable and its yearly reports (year, progress, status)."""
    status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
    start_year = rng.randrange(2024, 2032)
    planned_start = date(start_year, rng.randrange(1, 13), 1)
    planned_end = date(start_year + rng.randrange(2, 12), rng.randrange(1, 13), 28)
    started = status not in (Status.planned, Status.to_discuss)
    final = 100.0 if status == Status.completed else round(rng.uniform(5, 95), 1)
    if not started:
        final = 0.0
    reports: list[tuple[int, float, Status]] = []
    span = max(1, PROGRESS_YEARS[-1] - start_year)
    for year in PROGRESS_YEARS:
        if year < start_year or not started:
            value, year_status = 0.0, Status.planned
        else:
            share = min(1.0, (year - start_year + 1) / span)
            value = round(min(100.0, final * share * rng.uniform(0.9, 1.0)), 1)
            year_status = status if year == PROGRESS_YEARS[-1] else Status.in_progress
        reports.append((year, value, year_status))
    reports[-1] = (reports[-1][0], final, status)
    fields = {
        "status": status.value,
        "priority": rng.choice(list(Priority)).value if rng.random() < 0.8 else None,
        "planned_start": planned_start,
        "planned_end": planned_end,
        "actual_start": planned_start + timedelta(days=rng.randrange(0, 200)) if started else None,
        "actual_end": planned_end if status == Status.completed else None,
        "description": f"{DEMO_PREFIX}Description fictive de {node.code}, pour la démonstration.",
        "objectives": f"{DEMO_PREFIX}Objectifs fictifs de {node.code}.",
        "lead_directorate_id": rng.choice(directorate_ids),
        "weight": rng.choice((1.0, 1.0, 1.0, 2.0, 3.0)),
        "version": 1,
        "updated_at": _moment(date(PROGRESS_YEARS[-1] + 1, 1, 31), rng),
    }
    return fields, reports


def generate(
    session: Session,
    document: seed_service.SeedDocument,
    communes: Sequence[seed_service.SeedCommune],
    *,
    scale: int,
    seed: int = DEFAULT_SEED,
    on_progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Check the database, load the seed, then write the demo (the caller commits)."""
    if not 1 <= scale <= MAX_SCALE:
        raise DemoRefusedError(f"the scale must be between 1 and {MAX_SCALE}")
    check(session)
    # Every reader's ETag changes with this transaction, and its structure stamp: the demo's
    # reports, milestones and values have no audit entry each (a bulk load).
    revision.touch(session, bulk_load=True)
    seed_service.apply_seed(session, document, communes)
    session.flush()
    summary = DemoSummary(scale=scale, seed=seed)
    writer = _Writer(session, summary, on_progress)

    plan = session.exec(select(Plan)).one()
    session.execute(
        update(_table(Plan))
        .where(_table(Plan).c.id == plan.id)
        .values(
            title=DEMO_PREFIX + plan.title,
            source=f"{DEMO_PREFIX}Données fictives générées par `boussole demo --scale {scale} "
            f"--seed {seed}` (le plan réel, répété {scale} fois, et vingt ans de suivi inventés), "
            f"à partir de : {plan.source}",
        )
    )
    writer.insert(
        Directorate,
        ({"code": DEMO_DIRECTORATE_PREFIX + code, "name": name} for code, name in DIRECTORATES),
        count=False,
    )
    writer.insert(Partner, ({"name": name} for name in PARTNERS), count=False)
    directorate_ids = sorted(writer.ids(Directorate, col(Directorate.code)).values())
    partner_ids = sorted(writer.ids(Partner, col(Partner.name)).values())
    commune_codes = sorted(session.exec(select(Commune.insee_code)).all())
    value_ids = sorted(writer.ids(PlanValue, col(PlanValue.code)).values())

    engagements, axes, nodes, links = _structure(document, scale)
    writer.insert(Engagement, engagements)
    engagement_ids = writer.ids(Engagement, col(Engagement.code))
    writer.insert(Axis, (row | {"engagement_id": engagement_ids[code]} for code, row in axes))
    axis_ids = writer.ids(Axis, col(Axis.code))

    # Tracking fields first, so that the trackables go in whole.
    tracking: dict[str, dict[str, Any]] = {}
    reports: dict[str, list[tuple[int, float, Status]]] = {}
    for node in nodes:
        tracking[node.code], reports[node.code] = _tracking(
            node, _rng(seed, "trackable", node.code), directorate_ids
        )

    def trackable_row(node: _Node, ids: dict[str, int]) -> dict[str, Any]:
        return tracking[node.code] | {
            "kind": node.kind.value,
            "code": node.code,
            "title": node.title,
            "position": node.position,
            "axis_id": axis_ids[node.axis] if node.axis else None,
            "parent_id": ids[node.parent] if node.parent else None,
            "engagement_id": engagement_ids[node.engagement] if node.engagement else None,
            "search_text": fold(f"{node.code} {node.title}"),
            "title_key": fold(node.title),
            "archived_at": None,
            "created_at": DEMO_START,
        }

    generated = [n for n in nodes if n.copy]
    # Top-level nodes first, then sub-actions (they need their parent's id).
    writer.insert(Trackable, (trackable_row(n, {}) for n in generated if n.parent is None))
    trackable_ids = writer.ids(Trackable, col(Trackable.code))
    writer.insert(Trackable, (trackable_row(n, trackable_ids) for n in generated if n.parent))
    trackable_ids = writer.ids(Trackable, col(Trackable.code))
    # The seed's own trackables (copy 0) get their tracking by one bulk update.
    table = _table(Trackable)
    seeded = [n for n in nodes if not n.copy]
    names = list(tracking[seeded[0].code]) if seeded else []
    if seeded:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in names}),
            [
                {f"new_{k}": v for k, v in tracking[n.code].items()}
                | {"row_id": trackable_ids[n.code]}
                for n in seeded
            ],
        )
        summary.add("trackable (seed, updated)", len(seeded))
    writer.insert(
        FlagshipAction,
        (
            {"flagship_project_id": trackable_ids[f], "action_id": trackable_ids[a]}
            for f, a in links
        ),
        count=False,
    )
    _links(
        writer, nodes, trackable_ids, seed, commune_codes, value_ids, directorate_ids, partner_ids
    )
    writer.insert(ProgressReport, _reports(nodes, reports, trackable_ids, seed))
    writer.insert(Milestone, _milestones(nodes, trackable_ids, seed))
    writer.insert(AuditEntry, _audit(nodes, reports, tracking, trackable_ids))
    _indicators(writer, nodes, scale, seed, directorate_ids, commune_codes, axis_ids)
    _audit_indicators(writer, scale)
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, so that the planner knows the tables' new sizes at once.
        session.connection().exec_driver_sql("ANALYZE")
    return summary


def _links(
    writer: _Writer,
    nodes: Sequence[_Node],
    ids: dict[str, int],
    seed: int,
    communes: Sequence[str],
    values: Sequence[int],
    directorates: Sequence[int],
    partners: Sequence[int],
) -> None:
    """Communes (most concern the whole territory), values, contributors and partners."""
    rows: dict[Any, list[dict[str, Any]]] = {
        TrackableCommune: [],
        TrackableValue: [],
        TrackableDirectorate: [],
        TrackablePartner: [],
    }
    for node in nodes:
        rng = _rng(seed, "links", node.code)
        trackable_id = ids[node.code]
        named = rng.sample(communes, rng.choice((0, 0, 0, 1, 2, 3))) if communes else []
        rows[TrackableCommune] += [{"trackable_id": trackable_id, "insee_code": c} for c in named]
        rows[TrackableValue] += [
            {"trackable_id": trackable_id, "value_id": v}
            for v in rng.sample(list(values), min(len(values), rng.randrange(1, 3)))
        ]
        rows[TrackableDirectorate] += [
            {"trackable_id": trackable_id, "directorate_id": d}
            for d in rng.sample(list(directorates), rng.randrange(0, 3))
        ]
        rows[TrackablePartner] += [
            {"trackable_id": trackable_id, "partner_id": p}
            for p in rng.sample(list(partners), rng.randrange(0, 3))
        ]
    for model, model_rows in rows.items():
        writer.insert(model, model_rows, count=False)


def _reports(
    nodes: Sequence[_Node],
    reports: dict[str, list[tuple[int, float, Status]]],
    ids: dict[str, int],
    seed: int,
) -> Iterator[dict[str, Any]]:
    for node in nodes:
        rng = _rng(seed, "reports", node.code)
        for year, progress, status in reports[node.code]:
            planned = round(rng.uniform(10_000, 2_000_000), -2) if progress else None
            yield {
                "trackable_id": ids[node.code],
                "year": year,
                "progress": progress,
                "status": status.value,
                "comment": f"{DEMO_PREFIX}Bilan {year} de {node.code}.",
                "budget_planned_investment": planned,
                "budget_planned_operating": round(planned * 0.2, -2) if planned else None,
                "budget_spent_investment": round(planned * progress / 100, -2) if planned else None,
                "budget_spent_operating": None,
                "reported_by": DEMO_ACTOR,
                "reported_at": _moment(date(year + 1, 1, 15), rng),
                "version": 1,
            }


def _milestones(nodes: Sequence[_Node], ids: dict[str, int], seed: int) -> Iterator[dict[str, Any]]:
    for node in nodes:
        rng = _rng(seed, "milestones", node.code)
        for number in range(1, MILESTONES_PER_TRACKABLE + 1):
            planned = date(rng.randrange(2024, 2044), rng.randrange(1, 13), 1)
            done = planned.year < 2030 and rng.random() < 0.7
            yield {
                "trackable_id": ids[node.code],
                "title": f"{DEMO_PREFIX}Jalon {number} de {node.code}",
                "description": "",
                "planned_on": planned,
                "achieved_on": planned + timedelta(days=rng.randrange(0, 90)) if done else None,
                "done": done,
                "created_at": DEMO_START,
                "version": 1,
            }


def _audit(
    nodes: Sequence[_Node],
    reports: dict[str, list[tuple[int, float, Status]]],
    tracking: dict[str, dict[str, Any]],
    ids: dict[str, int],
) -> Iterator[dict[str, Any]]:
    """Each trackable's latest report, as the demo's writer (and so in the change feed)."""
    for node in nodes:
        year, progress, status = reports[node.code][-1]
        yield {
            "at": tracking[node.code]["updated_at"],
            "actor_name": DEMO_ACTOR,
            "actor_role": "system",
            "actor_directorates": [],
            "entity": "progress_report",
            "entity_key": f"{node.code}/{year}",
            "trackable_id": ids[node.code],
            "action": "create",
            "before": None,
            "after": {"year": year, "progress": progress, "status": status.value},
        }


def _indicators(
    writer: _Writer,
    nodes: Sequence[_Node],
    scale: int,
    seed: int,
    directorates: Sequence[int],
    communes: Sequence[str],
    axis_ids: dict[str, int],
) -> None:
    """Ten indicators per copy, each measuring an action or an axis of its copy."""
    actions_of: dict[int, list[str]] = {}
    axes_of: dict[int, list[str]] = {}
    for node in nodes:
        if node.kind == TrackableKind.action and node.parent is None:
            actions_of.setdefault(node.copy, []).append(node.code)
            if node.axis is not None and node.axis not in axes_of.get(node.copy, []):
                axes_of.setdefault(node.copy, []).append(node.axis)
    rows: list[dict[str, Any]] = []
    targets: list[tuple[str, int, float]] = []
    values: list[tuple[str, int, str, float]] = []
    measures: list[tuple[str, str, bool]] = []
    for copy in range(scale):
        for number, (name, unit, direction, base, mid, end, decimals) in enumerate(INDICATORS):
            code = f"{DEMO_INDICATOR_PREFIX}{copy + 1:03d}-{number + 1:02d}"
            rng = _rng(seed, "indicator", code)
            title = f"{DEMO_PREFIX}{name}" + (f" ({copy + 1})" if copy else "")
            rows.append(
                {
                    "code": code,
                    "name": title,
                    "description": f"{DEMO_PREFIX}Indicateur fictif.",
                    "unit": unit,
                    "decimals": decimals,
                    "direction": direction,
                    "source": "Démo",
                    "method": "",
                    "update_frequency": "annuelle",
                    "lead_directorate_id": rng.choice(directorates),
                    "baseline_year": 2023,
                    "baseline_value": float(base),
                    "search_text": fold(f"{code} {title}"),
                    "created_at": DEMO_START,
                    "updated_at": DEMO_START,
                }
            )
            targets += [(code, 2030, float(mid)), (code, 2044, float(end))]
            pace = rng.uniform(0.3, 1.2)  # how much of the way it goes
            for year in VALUE_YEARS:
                share = (year - 2023) / (2044 - 2023) * pace
                value = round(base + (end - base) * share * rng.uniform(0.85, 1.15), decimals)
                values.append((code, year, "", value))
                for commune in rng.sample(
                    list(communes), min(len(communes), COMMUNES_PER_INDICATOR)
                ):
                    values.append((code, year, commune, round(value * rng.uniform(0.7, 1.3), 2)))
            pool = axes_of.get(copy, []) if number % 2 else actions_of.get(copy, [])
            if pool:
                measures.append((code, rng.choice(pool), bool(number % 2)))
    writer.insert(Indicator, rows)
    ids = writer.ids(Indicator, col(Indicator.code))
    writer.insert(
        IndicatorTarget,
        ({"indicator_id": ids[c], "year": y, "value": v} for c, y, v in targets),
        count=False,
    )
    trackable_ids = writer.ids(Trackable, col(Trackable.code))
    writer.insert(
        IndicatorLink,
        (
            {
                "indicator_id": ids[c],
                "trackable_id": None if is_axis else trackable_ids[target],
                "axis_id": axis_ids[target] if is_axis else None,
                "engagement_id": None,
            }
            for c, target, is_axis in measures
        ),
        count=False,
    )
    recorded = datetime(2024, 1, 1, tzinfo=UTC)
    writer.insert(
        IndicatorValue,
        (
            {
                "indicator_id": ids[c],
                "year": y,
                "commune": commune,
                "value": v,
                "status": "final" if y < 2044 else "provisional",
                "comment": "",
                "source": "Démo",
                "recorded_by": DEMO_ACTOR,
                "recorded_at": recorded.replace(year=min(y + 1, 2045), month=3),
            }
            for c, y, commune, v in values
        ),
    )


def _audit_indicators(writer: _Writer, scale: int) -> None:
    writer.insert(
        AuditEntry,
        (
            {
                "at": DEMO_START,
                "actor_name": DEMO_ACTOR,
                "actor_role": "system",
                "actor_directorates": [],
                "entity": "indicator",
                "entity_key": f"{DEMO_INDICATOR_PREFIX}{copy + 1:03d}-{number + 1:02d}",
                "trackable_id": None,
                "action": "create",
                "before": None,
                "after": None,
            }
            for copy in range(scale)
            for number in range(INDICATORS_PER_COPY)
        ),
    )
