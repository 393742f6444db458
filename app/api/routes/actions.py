from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import LimitQuery, OffsetQuery, SessionDep
from app.models.pagination import Page
from app.models.tree import ActionDetail, ActionPublic
from app.services import trackables

router = APIRouter(prefix="/actions", tags=["actions"])


@router.get("", response_model=Page[ActionPublic], summary="List actions")
def list_actions(
    session: SessionDep,
    engagement: Annotated[str | None, Query(description="Engagement code, e.g. E1")] = None,
    axis: Annotated[str | None, Query(description="Axis code, e.g. E1.3")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Search in the codes and titles of actions and of their axes, "
            'accent- and case-insensitive (`equite` finds "Équité")',
        ),
    ] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[ActionPublic]:
    """Actions and sub-actions in document order, paginated."""
    filters = trackables.ActionFilters(engagement=engagement, axis=axis, q=q)
    items, total = trackables.get_all_actions(
        session=session, filters=filters, limit=limit, offset=offset
    )
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/{code}",
    response_model=ActionDetail,
    summary="One action",
    responses={404: {"description": "Unknown action code"}},
)
def read_action(code: str, session: SessionDep) -> ActionDetail:
    return trackables.get_action(session=session, code=code)
