from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import MAX_ID, SessionDep
from app.api.responses import READ
from app.audit import changes
from app.models.changes import ChangePage
from app.models.inputs import DIGITS_FORMAT

router = APIRouter(tags=["open data"])

MAX_CHANGES = 1000


@router.get("/changes", response_model=ChangePage, summary="The change feed", responses=READ)
def read_changes(
    session: SessionDep,
    since: Annotated[
        int,
        Query(ge=0, le=MAX_ID, description="The `next` of the previous page (0: all)"),
        DIGITS_FORMAT,
    ] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_CHANGES, description="At most 1000"), DIGITS_FORMAT
    ] = 100,
) -> ChangePage:
    """Every public change in commit order — entity, code, kind of change, time — so that a
    partner syncs incrementally: start with `since=0`, then pass each page's `next`. No entry is
    lost or repeated between pages, even while others write."""
    return changes.get_page(session=session, since=since, limit=limit)
