"""The audit trail: one append-only row per write, in the same transaction as the write."""

from typing import Any

from sqlmodel import Session, col, func, select

from app.models import AuditAction, AuditEntry
from app.services.tokens import Actor


def record(
    *,
    session: Session,
    actor: Actor,
    entity: str,
    entity_key: str,
    action: AuditAction,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    trackable_id: int | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_name=actor.name,
            actor_role=actor.role.value,
            actor_directorates=list(actor.directorate_codes),
            entity=entity,
            entity_key=entity_key,
            trackable_id=trackable_id,
            action=action,
            before=before,
            after=after,
        )
    )


def get_for_trackable(
    *, session: Session, trackable_id: int, limit: int, offset: int
) -> tuple[list[AuditEntry], int]:
    """The history of a trackable and everything attached to it, newest first."""
    where = col(AuditEntry.trackable_id) == trackable_id
    total = session.scalar(select(func.count(col(AuditEntry.id))).where(where)) or 0
    rows = session.exec(
        select(AuditEntry)
        .where(where)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total
