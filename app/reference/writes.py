"""Admin edits of the directorates (the routes admit admins only)."""

from typing import Any

from sqlmodel import Session, col, select

from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import ConflictError
from app.models import Directorate
from app.models.reference import DirectoratePublic
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.reference import reference


def _directorate_snapshot(directorate: Directorate) -> dict[str, Any]:
    return DirectoratePublic.model_validate(directorate).model_dump(mode="json")


def create_directorate(*, session: Session, actor: Actor, data: DirectorateCreate) -> Directorate:
    if session.exec(select(Directorate).where(col(Directorate.code) == data.code)).first():
        raise ConflictError(f"the directorate code '{data.code}' is already used")
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
