from fastapi import APIRouter

from app.api.deps import SessionDep
from app.api.permissions import AdminActor
from app.api.routing import creating, reading, updating
from app.models.structure import AxisCreate, AxisUpdate
from app.models.tree import AxisDetail
from app.plan import structure
from app.trackables import trackables

router = APIRouter(prefix="/axes", tags=["strategy tree"])


@router.get("/{code}", **reading(AxisDetail, "One axis", "Unknown axis code"))
def read_axis(code: str, session: SessionDep) -> AxisDetail:
    """The axis with its live actions and sub-actions, in document order."""
    return trackables.get_axis(session=session, code=code)


@router.post("", **creating(AxisDetail, "Create an axis (admin)", "Unknown engagement"))
def create_axis(data: AxisCreate, session: SessionDep, actor: AdminActor) -> AxisDetail:
    """The code defaults to the engagement's next free one (``E2.8``)."""
    axis = structure.create_axis(session=session, actor=actor, data=data)
    return trackables.get_axis(session=session, code=axis.code)


MOVED = "Unknown axis code, or an engagement the body names"


@router.patch("/{code}", **updating(AxisDetail, "Rename, move or archive an axis (admin)", MOVED))
def update_axis(code: str, data: AxisUpdate, session: SessionDep, actor: AdminActor) -> AxisDetail:
    """An archived axis and its actions leave the live tree; they stay readable here."""
    structure.update_axis(session=session, actor=actor, code=code, data=data)
    return trackables.get_axis(session=session, code=code)
