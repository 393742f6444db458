from fastapi import APIRouter

from app.api.deps import ListParamsDep, SessionDep
from app.api.routing import reading
from app.models.pagination import Page
from app.models.tree import EngagementDetail, EngagementPublic
from app.trackables import trackables

router = APIRouter(tags=["strategy tree"])


@router.get("/engagements", **reading(Page[EngagementPublic], "The engagements"))
def list_engagements(session: SessionDep, params: ListParamsDep) -> Page[EngagementPublic]:
    """In document order; `q` searches codes and titles."""
    return params.page(trackables.get_all_engagements(session=session), "code", "title")


@router.get(
    "/engagements/{code}", **reading(EngagementDetail, "One engagement", "Unknown engagement code")
)
def read_engagement(code: str, session: SessionDep) -> EngagementDetail:
    """The engagement with its live axes and flagship projects."""
    return trackables.get_engagement(session=session, code=code)
