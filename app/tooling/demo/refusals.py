"""The databases the demo refuses: one with demo data already, or with real tracking data."""

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.models import (
    AuditEntry,
    Directorate,
    IndicatorValue,
    Milestone,
    Partner,
    ProgressReport,
    Status,
    Trackable,
)
from app.tooling.demo.constants import DEMO_ACTOR, DEMO_DIRECTORATE_PREFIX, DEMO_PREFIX


class DemoRefusedError(Exception):
    """The database cannot take demo data; nothing was written."""


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
