"""Admin edits of the plan's frame: its axes (the routes admit admins only; directorates are
edited in app.reference.writes)."""

from typing import Any

from sqlmodel import Session, col, func, select

from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import ConflictError, code_taken, null_refused
from app.models import Axis, Engagement
from app.models.base import utcnow
from app.models.structure import AxisCreate, AxisUpdate
from app.trackables import trackables


def _axis_snapshot(axis: Axis, engagement_code: str) -> dict[str, Any]:
    return trackables.axis_public(axis, engagement_code).model_dump(mode="json")


def _next_axis_position(session: Session, engagement_id: int | None) -> int:
    last = session.scalar(
        select(func.max(Axis.position)).where(col(Axis.engagement_id) == engagement_id)
    )
    return 0 if last is None else last + 1


def create_axis(*, session: Session, actor: Actor, data: AxisCreate) -> Axis:
    engagement = trackables.get_engagement_row(session=session, code=data.engagement)
    assert engagement.id is not None
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
            raise ConflictError(code_taken(code))
    axis = Axis(
        code=code,
        title=data.title,
        engagement_id=engagement.id,
        position=_next_axis_position(session, engagement.id),
    )
    session.add(axis)
    session.flush()
    audit.record(session, actor, "axis", axis.code, None, _axis_snapshot(axis, engagement.code))
    return axis


def update_axis(*, session: Session, actor: Actor, code: str, data: AxisUpdate) -> Axis:
    axis = trackables.get_axis_row(session=session, code=code)
    engagement = session.get_one(Engagement, axis.engagement_id)
    before = _axis_snapshot(axis, engagement.code)
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "archived", "engagement"):
        if name in changes and changes[name] is None:
            raise null_refused(name)
    if "title" in changes:
        axis.title = changes["title"]
    if "engagement" in changes:
        engagement = trackables.get_engagement_row(session=session, code=changes["engagement"])
        if engagement.id != axis.engagement_id:
            assert engagement.id is not None
            axis.position = _next_axis_position(session, engagement.id)
            axis.engagement_id = engagement.id
    if "archived" in changes:
        axis.archived_at = (axis.archived_at or utcnow()) if changes["archived"] else None
    session.flush()
    after = _axis_snapshot(axis, engagement.code)
    audit.record(session, actor, "axis", axis.code, before, after)
    return axis
