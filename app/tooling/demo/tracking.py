"""Made-up tracking of each trackable: its fields, yearly reports, milestones, links (communes,
values, contributors, partners) and audit entries."""

import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from app.models import (
    Priority,
    Status,
    TrackableCommune,
    TrackableDirectorate,
    TrackablePartner,
    TrackableValue,
)
from app.tooling.demo.constants import (
    DEMO_ACTOR,
    DEMO_PREFIX,
    DEMO_START,
    MILESTONES_PER_TRACKABLE,
    PROGRESS_YEARS,
    STATUSES,
)
from app.tooling.demo.draws import random_stream, simulated_moment
from app.tooling.demo.structure import Node
from app.tooling.demo.writer import Writer


def draw_tracking(
    node: Node, rng: random.Random, directorate_ids: Sequence[int]
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
        "updated_at": simulated_moment(date(PROGRESS_YEARS[-1] + 1, 1, 31), rng),
    }
    return fields, reports


def write_links(
    writer: Writer,
    nodes: Sequence[Node],
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
        rng = random_stream(seed, "links", node.code)
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


def report_rows(
    nodes: Sequence[Node],
    reports: dict[str, list[tuple[int, float, Status]]],
    ids: dict[str, int],
    seed: int,
) -> Iterator[dict[str, Any]]:
    for node in nodes:
        rng = random_stream(seed, "reports", node.code)
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
                "reported_at": simulated_moment(date(year + 1, 1, 15), rng),
                "version": 1,
            }


def milestone_rows(
    nodes: Sequence[Node], ids: dict[str, int], seed: int
) -> Iterator[dict[str, Any]]:
    for node in nodes:
        rng = random_stream(seed, "milestones", node.code)
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


def audit_rows(
    nodes: Sequence[Node],
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
