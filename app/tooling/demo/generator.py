"""The demo written: the database checked, the seed loaded, then the copies and their tracking."""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, update
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
    Milestone,
    Partner,
    Plan,
    PlanValue,
    ProgressReport,
    Status,
    Trackable,
)
from app.tooling import seed as seed_service
from app.tooling.demo.constants import (
    DEFAULT_SEED,
    DEMO_DIRECTORATE_PREFIX,
    DEMO_PREFIX,
    DEMO_START,
    DIRECTORATES,
    MAX_SCALE,
    PARTNERS,
)
from app.tooling.demo.draws import random_stream
from app.tooling.demo.indicators import write_indicator_audit, write_indicators
from app.tooling.demo.refusals import DemoRefusedError, check
from app.tooling.demo.structure import Node, plan_copies
from app.tooling.demo.tracking import (
    audit_rows,
    draw_tracking,
    milestone_rows,
    report_rows,
    write_links,
)
from app.tooling.demo.writer import DemoSummary, Writer, model_table


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
    writer = Writer(session, summary, on_progress)

    plan = session.exec(select(Plan)).one()
    session.execute(
        update(model_table(Plan))
        .where(model_table(Plan).c.id == plan.id)
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

    engagements, axes, nodes, links = plan_copies(document, scale)
    writer.insert(Engagement, engagements)
    engagement_ids = writer.ids(Engagement, col(Engagement.code))
    writer.insert(Axis, (row | {"engagement_id": engagement_ids[code]} for code, row in axes))
    axis_ids = writer.ids(Axis, col(Axis.code))

    # Tracking fields first, so that the trackables go in whole.
    tracking: dict[str, dict[str, Any]] = {}
    reports: dict[str, list[tuple[int, float, Status]]] = {}
    for node in nodes:
        tracking[node.code], reports[node.code] = draw_tracking(
            node, random_stream(seed, "trackable", node.code), directorate_ids
        )

    def trackable_row(node: Node, ids: dict[str, int]) -> dict[str, Any]:
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
    table = model_table(Trackable)
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
    write_links(
        writer, nodes, trackable_ids, seed, commune_codes, value_ids, directorate_ids, partner_ids
    )
    writer.insert(ProgressReport, report_rows(nodes, reports, trackable_ids, seed))
    writer.insert(Milestone, milestone_rows(nodes, trackable_ids, seed))
    writer.insert(AuditEntry, audit_rows(nodes, reports, tracking, trackable_ids))
    write_indicators(writer, nodes, scale, seed, directorate_ids, commune_codes, axis_ids)
    write_indicator_audit(writer, scale)
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, so that the planner knows the tables' new sizes at once.
        session.connection().exec_driver_sql("ANALYZE")
    return summary
