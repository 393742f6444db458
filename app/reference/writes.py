"""Admin edits of the directorates (the routes admit admins only)."""

from typing import Any

from sqlmodel import Session, col, select

from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import ConflictError
from app.models import AuditAction, Directorate
from app.models.reference import DirectoratePublic
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.reference import reference


def _directorate_snapshot(directorate: Directorate) -> dict[str, Any]:
    return DirectoratePublic.model_validate(directorate).model_dump(mode="json")


def _record(
    session: Session,
    actor: Actor,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    audit.record(
        session=session,
        actor=actor,
        entity="directorate",
        entity_key=key,
        action=AuditAction.create if before is None else AuditAction.update,
        before=before,
        after=after,
    )


def create_directorate(*, session: Session, actor: Actor, data: DirectorateCreate) -> Directorate:
    if session.exec(select(Directorate).where(col(Directorate.code) == data.code)).first():
        raise ConflictError(f"the directorate code '{data.code}' is already used")
    directorate = Directorate(code=data.code, name=data.name)
    session.add(directorate)
    session.flush()
    _record(session, actor, directorate.code, None, _directorate_snapshot(directorate))
    return directorate


def update_directorate(
    *, session: Session, actor: Actor, code: str, data: DirectorateUpdate
) -> Directorate:
    directorate = reference.get_directorate(session=session, code=code)
    before = _directorate_snapshot(directorate)
    directorate.name = data.name
    session.flush()
    _record(session, actor, code, before, _directorate_snapshot(directorate))
    return directorate
