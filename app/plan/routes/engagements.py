from fastapi import APIRouter

from app.api.deps import ListParamsDep, SessionDep
from app.api.pagination import page_of
from app.api.responses import READ, unknown
from app.models.pagination import Page
from app.models.tree import EngagementDetail, EngagementPublic
from app.trackables import trackables

router = APIRouter(tags=["strategy tree"])


@router.get(
    "/engagements",
    response_model=Page[EngagementPublic],
    summary="The engagements",
    responses=READ,
)
def list_engagements(session: SessionDep, page: ListParamsDep) -> Page[EngagementPublic]:
    """In document order; `q` searches codes and titles."""
    return page_of(
        trackables.get_all_engagements(session=session),
        text=lambda e: f"{e.code} {e.title}",
        params=page,
    )


@router.get(
    "/engagements/{code}",
    response_model=EngagementDetail,
    summary="One engagement",
    responses={**READ, **unknown("Unknown engagement code")},
)
def read_engagement(code: str, session: SessionDep) -> EngagementDetail:
    """The engagement with its live axes and flagship projects."""
    return trackables.get_engagement(session=session, code=code)
