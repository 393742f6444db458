"""``/pending-reports``: the reports not yet published that the caller may see — an editor's,
those of the trackables its directorates lead; an admin's, all of them. Never public."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.api.deps import CurrentActor, PagingDep, SessionDep
from app.campaigns import pending
from app.campaigns.routes.deps import AUTHENTICATED, PRIVATE
from app.models.campaigns import PendingReportPublic, ReportState
from app.models.inputs import YEAR_FORMAT
from app.models.pagination import Page
from app.models.tracking import FIRST_YEAR, LAST_YEAR

router = APIRouter(prefix="/pending-reports", tags=["pending reports"])

PendingState = Annotated[
    Literal["draft", "submitted", "sent_back"] | None,
    Query(description="Only the reports in this state"),
]


@router.get(
    "",
    response_model=Page[PendingReportPublic],
    summary="Reports not yet published (authenticated)",
    responses=AUTHENTICATED,
)
def list_pending_reports(
    session: SessionDep,
    actor: CurrentActor,
    paging: PagingDep,
    response: Response,
    year: Annotated[
        int | None,
        Query(ge=FIRST_YEAR, le=LAST_YEAR, description="Only the reports of this year"),
        YEAR_FORMAT,
    ] = None,
    state: PendingState = None,
) -> Page[PendingReportPublic]:
    """Drafts, submitted reports and reports sent back, by trackable code then year: for an
    editor's token those of the trackables its directorates lead, for an admin's all of them."""
    rows, total = pending.get_page(
        session=session,
        year=year,
        state=None if state is None else ReportState(state),
        lead_directorate_ids=None if actor.is_admin else actor.directorate_ids,
        limit=paging.limit,
        offset=paging.offset,
    )
    response.headers["Cache-Control"] = PRIVATE
    return paging.of([pending.public(row, code) for row, code in rows], total)
