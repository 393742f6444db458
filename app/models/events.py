"""Model-level hooks: derived columns and the revision counter, kept in one place rather than in
every service."""

from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlmodel import col

from app.core.text import fold
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.indicators import Indicator
from app.models.revision import REVISION_ROW, Revision
from app.models.tracking import ProgressReport
from app.models.tree import Axis, Trackable


@event.listens_for(Trackable, "before_insert")
@event.listens_for(Trackable, "before_update")
def _refresh_trackable(_mapper: Any, _connection: Any, target: Trackable) -> None:
    target.search_text = fold(f"{target.code} {target.title}")
    target.title_key = fold(target.title)
    target.updated_at = utcnow()


@event.listens_for(Axis, "before_insert")
@event.listens_for(Axis, "before_update")
def _refresh_axis(_mapper: Any, _connection: Any, target: Axis) -> None:
    target.search_text = fold(f"{target.code} {target.title}")


@event.listens_for(Indicator, "before_insert")
@event.listens_for(Indicator, "before_update")
def _refresh_indicator(_mapper: Any, _connection: Any, target: Indicator) -> None:
    target.search_text = fold(f"{target.code} {target.name}")


_REVISION_TAKEN = "boussole_revision"
_STRUCTURE_TAKEN = "boussole_structure_revision"
#: What a progress-only transaction writes; anything else also moves the structure stamp.
_PROGRESS_ONLY = (ProgressReport, AuditEntry)


def take_revision(session: Session, *, structure: bool = True) -> None:
    """Bump the revision counter once in this transaction. The row lock taken here is held until
    commit, so writers pass it one at a time, in commit order (see app.models.revision). ORM
    writes call it by themselves; bulk writes that bypass the ORM call it first.

    ``structure=False``: this transaction writes yearly progress reports only (and their audit
    entries), so the structure stamp stays; a later write of anything else in the same
    transaction moves it then."""
    if _REVISION_TAKEN not in session.info:
        now = utcnow()
        values: dict[str, Any] = {"value": Revision.value + 1, "changed_at": now}
        if structure:
            values |= {"structure_value": Revision.structure_value + 1, "structure_changed_at": now}
        session.info[_REVISION_TAKEN] = session.execute(
            update(Revision)
            .where(col(Revision.id) == REVISION_ROW)
            .values(values)
            .returning(col(Revision.value))
        ).scalar_one()
        if structure:
            session.info[_STRUCTURE_TAKEN] = True
    elif structure and _STRUCTURE_TAKEN not in session.info:
        session.execute(
            update(Revision)
            .where(col(Revision.id) == REVISION_ROW)
            .values(structure_value=Revision.structure_value + 1, structure_changed_at=utcnow())
        )
        session.info[_STRUCTURE_TAKEN] = True


@event.listens_for(Session, "before_flush")
def _bump_revision(session: Session, _context: Any, _instances: Any) -> None:
    # At the first flush that writes; the structure stamp too unless only progress is written.
    written = [*session.new, *session.dirty, *session.deleted]
    if written:
        take_revision(
            session,
            structure=any(not isinstance(row, _PROGRESS_ONLY) for row in written),
        )


def is_writing(session: Session) -> bool:
    """Whether this transaction has written (and taken the revision counter)."""
    return _REVISION_TAKEN in session.info


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_revision(session: Session, *_args: Any) -> None:
    session.info.pop(_REVISION_TAKEN, None)
    session.info.pop(_STRUCTURE_TAKEN, None)
