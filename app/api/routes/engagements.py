from fastapi import APIRouter

from app.api.deps import SessionDep
from app.models.tree import EngagementDetail, EngagementPublic
from app.services import trackables

router = APIRouter(tags=["strategy tree"])


@router.get("/engagements", response_model=list[EngagementPublic], summary="The engagements")
def list_engagements(session: SessionDep) -> list[EngagementPublic]:
    return trackables.get_all_engagements(session=session)


@router.get(
    "/engagements/{code}",
    response_model=EngagementDetail,
    summary="One engagement",
    responses={404: {"description": "Unknown engagement code"}},
)
def read_engagement(code: str, session: SessionDep) -> EngagementDetail:
    """The engagement with its live axes and flagship projects."""
    return trackables.get_engagement(session=session, code=code)
