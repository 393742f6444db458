from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import LimitQuery, OffsetQuery, SessionDep
from app.models.pagination import Page
from app.models.tree import EngagementDetail, EngagementPublic
from app.services import trackables
from app.services.pagination import page_of

router = APIRouter(tags=["strategy tree"])


@router.get("/engagements", response_model=Page[EngagementPublic], summary="The engagements")
def list_engagements(
    session: SessionDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Search, accent- and case-insensitive")
    ] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[EngagementPublic]:
    """In document order; `q` searches codes and titles."""
    return page_of(
        trackables.get_all_engagements(session=session),
        text=lambda e: f"{e.code} {e.title}",
        q=q,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/engagements/{code}",
    response_model=EngagementDetail,
    summary="One engagement",
    responses={404: {"description": "Unknown engagement code"}},
)
def read_engagement(code: str, session: SessionDep) -> EngagementDetail:
    """The engagement with its live axes and flagship projects."""
    return trackables.get_engagement(session=session, code=code)
