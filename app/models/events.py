"""Model-level hooks: derived columns and the revision counter, kept in one place rather than in
every service."""

from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlmodel import col

from app.core.text import fold
from app.models.base import utcnow
from app.models.indicators import Indicator
from app.models.revision import REVISION_ROW, Revision
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


def take_revision(session: Session) -> None:
    """Bump the revision counter once in this transaction. The row lock taken here is held until
    commit, so writers pass it one at a time, in commit order (see app.models.revision). ORM
    writes call it by themselves; bulk writes that bypass the ORM call it first."""
    if _REVISION_TAKEN in session.info:
        return
    session.info[_REVISION_TAKEN] = session.execute(
        update(Revision)
        .where(col(Revision.id) == REVISION_ROW)
        .values(value=Revision.value + 1, changed_at=utcnow())
        .returning(col(Revision.value))
    ).scalar_one()


@event.listens_for(Session, "before_flush")
def _bump_revision(session: Session, _context: Any, _instances: Any) -> None:
    # At the first flush that writes.
    if session.new or session.dirty or session.deleted:
        take_revision(session)


def is_writing(session: Session) -> bool:
    """Whether this transaction has written (and taken the revision counter)."""
    return _REVISION_TAKEN in session.info


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_revision(session: Session, *_args: Any) -> None:
    session.info.pop(_REVISION_TAKEN, None)
