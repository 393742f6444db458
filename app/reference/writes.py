"""Admin edits of the directorates (the routes admit admins only): create, rename, archive and
restore. An archived directorate keeps its history, its accounts, tokens and contributions; it is
no longer offered for new ones (app.accounts, app.accounts.machine_tokens, app.trackables.writes
refuse it there), and it cannot be archived while it still leads a live action or flagship
project: those are given to another directorate first."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import ConflictError, code_taken
from app.models import Directorate, Trackable
from app.models.base import utcnow
from app.models.reference import DirectoratePublic
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.reference import reference


def _directorate_snapshot(directorate: Directorate) -> dict[str, Any]:
    archived_at = directorate.archived_at
    return DirectoratePublic.model_validate(directorate).model_dump(mode="json") | {
        "archived_at": archived_at.isoformat(timespec="seconds") if archived_at else None
    }


def create_directorate(*, session: Session, actor: Actor, data: DirectorateCreate) -> Directorate:
    if session.exec(select(Directorate).where(col(Directorate.code) == data.code)).first():
        raise ConflictError(code_taken(data.code))
    directorate = Directorate(code=data.code, name=data.name)
    session.add(directorate)
    session.flush()
    after = _directorate_snapshot(directorate)
    audit.record(session, actor, "directorate", directorate.code, None, after)
    return directorate


def update_directorate(
    *, session: Session, actor: Actor, code: str, data: DirectorateUpdate
) -> Directorate:
    directorate = reference.get_directorate(session=session, code=code)
    before = _directorate_snapshot(directorate)
    directorate.name = data.name
    session.flush()
    after = _directorate_snapshot(directorate)
    audit.record(session, actor, "directorate", code, before, after)
    return directorate


def archive_directorate(*, session: Session, actor: Actor, code: str) -> Directorate:
    """Archive a directorate (already archived: nothing written). Refused (409) while it leads
    a live action or flagship project, saying how many."""
    directorate = reference.get_directorate(session=session, code=code)
    if directorate.archived_at is not None:
        return directorate
    leads = session.scalar(
        select(func.count(col(Trackable.id))).where(
            col(Trackable.lead_directorate_id) == directorate.id,
            col(Trackable.archived_at).is_(None),
        )
    )
    if leads:
        what = (
            "une action ou un projet phare" if leads == 1 else f"{leads} actions ou projets phares"
        )
        raise ConflictError(
            f"La direction {code} pilote encore {what} : confiez-les à une autre direction "
            "(page Pilotage) avant de l'archiver."
        )
    return _set_archived(session, actor, directorate, utcnow())


def restore_directorate(*, session: Session, actor: Actor, code: str) -> Directorate:
    """Offer an archived directorate again (not archived: nothing written)."""
    directorate = reference.get_directorate(session=session, code=code)
    if directorate.archived_at is None:
        return directorate
    return _set_archived(session, actor, directorate, None)


def _set_archived(
    session: Session, actor: Actor, directorate: Directorate, archived_at: datetime | None
) -> Directorate:
    before = _directorate_snapshot(directorate)
    directorate.archived_at = archived_at
    session.flush()
    after = _directorate_snapshot(directorate)
    audit.record(session, actor, "directorate", directorate.code, before, after)
    return directorate
