"""Milestones: dated steps of a trackable."""

from typing import Any

from sqlmodel import Session, col, func, select

from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import NotFoundError, null_refused
from app.core.versioning import check_version
from app.models import Milestone, Trackable
from app.models.tracking import MilestoneInput, MilestonePublic, MilestoneUpdate


def public(milestone: Milestone, trackable_code: str) -> MilestonePublic:
    assert milestone.id is not None
    return MilestonePublic(
        id=milestone.id,
        trackable_code=trackable_code,
        title=milestone.title,
        description=milestone.description,
        planned_on=milestone.planned_on,
        achieved_on=milestone.achieved_on,
        done=milestone.done,
        version=milestone.version,
    )


def get_all(
    *, session: Session, trackable: Trackable, limit: int, offset: int
) -> tuple[list[MilestonePublic], int]:
    where = col(Milestone.trackable_id) == trackable.id
    total = session.scalar(select(func.count(col(Milestone.id))).where(where)) or 0
    rows = session.exec(
        select(Milestone)
        .where(where)
        .order_by(col(Milestone.planned_on).is_(None), col(Milestone.planned_on), col(Milestone.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return [public(m, trackable.code) for m in rows], total


def get(*, session: Session, milestone_id: int) -> tuple[Milestone, Trackable]:
    row = session.execute(
        select(Milestone, Trackable)
        .join(Trackable, col(Trackable.id) == col(Milestone.trackable_id))
        .where(col(Milestone.id) == milestone_id)
    ).first()
    if row is None:
        raise NotFoundError("milestone", milestone_id)
    return row[0], row[1]


def _record(
    session: Session, actor: Actor, milestone: Milestone, trackable: Trackable, **snapshots: Any
) -> None:
    """The audit entry of a write on ``milestone``: its ``before`` and ``after`` snapshots."""
    key = f"{trackable.code}/milestone {milestone.id}"
    audit.record(session, actor, "milestone", key, **snapshots, trackable_id=trackable.id)


def create(
    *, session: Session, actor: Actor, trackable: Trackable, data: MilestoneInput
) -> Milestone:
    """``actor`` may write ``trackable`` (``app.trackables.routes.deps.writable_trackable``)."""
    assert trackable.id is not None
    milestone = Milestone(trackable_id=trackable.id, **data.model_dump())
    session.add(milestone)
    session.flush()
    after = public(milestone, trackable.code).model_dump(mode="json")
    _record(session, actor, milestone, trackable, before=None, after=after)
    return milestone


def update(
    *,
    session: Session,
    actor: Actor,
    milestone: Milestone,
    trackable: Trackable,
    data: MilestoneUpdate,
    if_match: int | None,
) -> None:
    """``actor`` may write the milestone (``app.trackables.routes.deps.writable_milestone``)."""
    check_version(f"Le jalon {milestone.id}", milestone.version, if_match)
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "description", "done"):
        if name in changes and changes[name] is None:
            raise null_refused(name)
    before = public(milestone, trackable.code).model_dump(mode="json")
    milestone.version += 1
    for name, value in changes.items():
        setattr(milestone, name, value)
    session.flush()
    after = public(milestone, trackable.code).model_dump(mode="json")
    _record(session, actor, milestone, trackable, before=before, after=after)


def delete(
    *,
    session: Session,
    actor: Actor,
    milestone: Milestone,
    trackable: Trackable,
    if_match: int | None,
) -> None:
    """``actor`` may write the milestone (``app.trackables.routes.deps.writable_milestone``)."""
    check_version(f"Le jalon {milestone.id}", milestone.version, if_match)
    before = public(milestone, trackable.code).model_dump(mode="json")
    _record(session, actor, milestone, trackable, before=before, after=None)
    session.delete(milestone)
    session.flush()
