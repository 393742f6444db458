"""Admin edits of the plan's frame: axes and directorates."""

from typing import Any

from sqlmodel import Session, col, func, select

from app.core.errors import ConflictError, InvalidInputError
from app.models import AuditAction, Axis, Directorate, Engagement
from app.models.base import utcnow
from app.models.reference import DirectoratePublic
from app.models.structure import AxisCreate, AxisUpdate, DirectorateCreate, DirectorateUpdate
from app.services import audit, reference, trackables
from app.services.tokens import Actor


def create_axis(*, session: Session, actor: Actor, data: AxisCreate) -> Axis:
    actor.require_admin()
    engagement = trackables.get_engagement_row(session=session, code=data.engagement)
    prefix = f"{engagement.code}."
    if data.code is None:
        codes = session.exec(
            select(Axis.code).where(col(Axis.code).startswith(prefix, autoescape=True))
        ).all()
        numbers = [int(rest) for c in codes if (rest := c[len(prefix) :]).isdigit()]
        code = f"{prefix}{max(numbers, default=0) + 1}"
    else:
        code = data.code
        if session.exec(select(Axis.id).where(col(Axis.code) == code)).first() is not None:
            raise ConflictError(f"the code '{code}' is already used")
    last = session.scalar(
        select(func.max(Axis.position)).where(col(Axis.engagement_id) == engagement.id)
    )
    assert engagement.id is not None
    axis = Axis(
        code=code,
        title=data.title,
        engagement_id=engagement.id,
        position=0 if last is None else last + 1,
    )
    session.add(axis)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="axis",
        entity_key=axis.code,
        action=AuditAction.create,
        before=None,
        after=_public(axis, engagement.code),
    )
    return axis


def _public(axis: Axis, engagement_code: str) -> dict[str, Any]:
    return {
        "code": axis.code,
        "title": axis.title,
        "engagement_code": engagement_code,
        "position": axis.position,
        "archived": axis.archived_at is not None,
    }


def update_axis(*, session: Session, actor: Actor, code: str, data: AxisUpdate) -> Axis:
    actor.require_admin()
    axis = trackables.get_axis_row(session=session, code=code)
    current = session.get_one(Engagement, axis.engagement_id)
    before = _public(axis, current.code)
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "archived", "engagement"):
        if name in changes and changes[name] is None:
            raise InvalidInputError(("body", name), f"{name} may not be null")
    if "title" in changes:
        axis.title = changes["title"]
    if "engagement" in changes:
        current = trackables.get_engagement_row(session=session, code=changes["engagement"])
        if current.id != axis.engagement_id:
            assert current.id is not None
            last = session.scalar(
                select(func.max(Axis.position)).where(col(Axis.engagement_id) == current.id)
            )
            axis.engagement_id, axis.position = current.id, 0 if last is None else last + 1
    if "archived" in changes:
        axis.archived_at = (axis.archived_at or utcnow()) if changes["archived"] else None
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="axis",
        entity_key=axis.code,
        action=AuditAction.update,
        before=before,
        after=_public(axis, current.code),
    )
    return axis


def create_directorate(*, session: Session, actor: Actor, data: DirectorateCreate) -> Directorate:
    actor.require_admin()
    if session.exec(select(Directorate).where(col(Directorate.code) == data.code)).first():
        raise ConflictError(f"the directorate code '{data.code}' is already used")
    directorate = Directorate(code=data.code, name=data.name)
    session.add(directorate)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="directorate",
        entity_key=directorate.code,
        action=AuditAction.create,
        before=None,
        after=DirectoratePublic.model_validate(directorate).model_dump(mode="json"),
    )
    return directorate


def update_directorate(
    *, session: Session, actor: Actor, code: str, data: DirectorateUpdate
) -> Directorate:
    actor.require_admin()
    directorate = reference.get_directorate(session=session, code=code)
    before = DirectoratePublic.model_validate(directorate).model_dump(mode="json")
    if data.name is not None:
        directorate.name = data.name
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="directorate",
        entity_key=directorate.code,
        action=AuditAction.update,
        before=before,
        after=DirectoratePublic.model_validate(directorate).model_dump(mode="json"),
    )
    return directorate
