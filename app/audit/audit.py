"""The audit trail: one append-only row per write, in the same transaction as the write."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from app.auth.tokens import Actor
from app.models import AuditAction, AuditEntry


@dataclass(frozen=True)
class Change:
    """A write to record, known by its snapshots: a creation when there was nothing ``before``,
    a deletion when there is nothing ``after``, an update otherwise (see ``record``)."""

    entity: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    trackable_id: int | None = None


def _entry(actor: Actor, change: Change) -> AuditEntry:
    action = (
        AuditAction.create
        if change.before is None
        else AuditAction.delete
        if change.after is None
        else AuditAction.update
    )
    return AuditEntry(
        actor_name=actor.name,
        actor_role=actor.role.value,
        actor_directorates=list(actor.directorate_codes),
        action=action,
        **asdict(change),
    )


def record(
    session: Session,
    actor: Actor,
    entity: str,
    entity_key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    trackable_id: int | None = None,
) -> None:
    """Add the entry of a write, known by its snapshots, to the write's transaction: a creation
    when there was nothing ``before``, a deletion when there is nothing ``after``, an update
    otherwise. A progress report, milestone or indicator value needs one naming it (the revision
    contract, checked at commit: app.revision): ``entity`` its table's name, and
    ``trackable_id`` its trackable, or an ``entity_key`` beginning with "CODE/" for a value of
    indicator CODE."""
    change = Change(entity, entity_key, before, after, trackable_id)
    session.add(_entry(actor, change))


def record_all(session: Session, actor: Actor, changes: Sequence[Change]) -> None:
    """``record`` for many writes at once, in their order: one INSERT for them all, where
    ``record`` for each would insert them one by one at the flush (to read each id back). The
    transaction must have taken the revision already (app.revision: the writes did)."""
    if changes:
        rows = [_entry(actor, change).model_dump(exclude={"id"}) for change in changes]
        session.execute(insert(AuditEntry), rows)


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


def last_entry(*, session: Session) -> tuple[int, datetime | None]:
    """The id and time of the newest entry, ``(0, None)`` for an empty trail. Ids grow in commit
    order (app.models.revision): every entry up to this id is committed and visible."""
    row = session.exec(
        select(col(AuditEntry.id), col(AuditEntry.at)).order_by(col(AuditEntry.id).desc()).limit(1)
    ).first()
    return (row[0] or 0, row[1]) if row is not None else (0, None)


def get_time(*, session: Session, entry_id: int) -> datetime | None:
    """When entry ``entry_id`` was written (None if there is none)."""
    return session.exec(select(col(AuditEntry.at)).where(col(AuditEntry.id) == entry_id)).first()


def get_trackables_written(*, session: Session, entity: str, after: int, up_to: int) -> set[int]:
    """The trackables whose ``entity`` entries have ids in ``(after, up_to]``."""
    rows = session.exec(
        select(col(AuditEntry.trackable_id))
        .where(
            col(AuditEntry.id) > after,
            col(AuditEntry.id) <= up_to,
            col(AuditEntry.entity) == entity,
            col(AuditEntry.trackable_id).is_not(None),
        )
        .distinct()
    ).all()
    return {trackable_id for trackable_id in rows if trackable_id is not None}
