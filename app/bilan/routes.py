"""The yearly bilan in the API: ``/bilan/{year}`` (the page, the PDF and the workbook read the
same figures)."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.api.deps import SessionDep
from app.api.routing import reading
from app.bilan import bilan, workbook
from app.models.bilan import Bilan
from app.models.inputs import YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, LAST_YEAR

router = APIRouter(prefix="/bilan", tags=["bilan"])

#: A bilan's year in a path: one of the plan's, up to this one (404 after it).
BilanYear = Annotated[
    int,
    Path(ge=FIRST_YEAR, le=LAST_YEAR, description=f"The year, {FIRST_YEAR} to this year"),
    YEAR_FORMAT,
]

UNKNOWN = "No bilan for that year (after this year)"


XLSX_ROUTE = reading(None, "The yearly bilan as bilan-{year}.xlsx", UNKNOWN)
XLSX_ROUTE["responses"][200] = {
    "content": {workbook.MEDIA_TYPE: {}},
    "description": "An XLSX workbook, one sheet per level, in French",
}


# Before /{year}, which would take "2025.xlsx" for its year.
@router.get("/{year}.xlsx", response_class=Response, **XLSX_ROUTE)
def read_bilan_workbook(session: SessionDep, year: BilanYear) -> Response:
    """The same figures as `/bilan/{year}`, for a spreadsheet: a notice (the year, provisional or
    frozen and when, the source), then one sheet per level — plan, engagements, axes, actions
    and sub-actions (with their reports' comments), flagship projects, indicators, budgets (by
    engagement, axis, directorate and flagship project, each with the plan's total) and
    directorates —, French headers, numbers as numbers. No text cell is a formula."""
    content = workbook.workbook(bilan.build(session=session, year=year))
    name = workbook.FILE_NAME.format(year=year)
    return Response(
        content=content,
        media_type=workbook.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{year}", **reading(Bilan, "The yearly bilan", UNKNOWN))
def read_bilan(session: SessionDep, year: BilanYear) -> Bilan:
    """What the plan achieved in ``year``: progress of the plan, each engagement and axis with
    the change since the year before, status counts, the flagship projects, every action's
    report, the indicators' trajectories, budgets, which directorates reported. Read from the
    campaign's frozen snapshot once it is closed; otherwise from the published reports, with
    ``provisional`` true."""
    return bilan.build(session=session, year=year)
