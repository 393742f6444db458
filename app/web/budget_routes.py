"""The budgets page: what was planned and spent in a year, in total and by engagement, axis,
lead directorate and flagship project, from the same service as the API's
``/dashboard/budgets`` (app.trackables.history)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import SessionDep
from app.dashboard.dashboard import UNASSIGNED
from app.dashboard.routes import default_last_year
from app.models.inputs import YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.trackables import history
from app.web.routes import WebRoute, load_plan, page
from app.web.signed_in import PAGE_DEPENDENCIES

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)


@router.get("/budgets", name="web_budgets")
def budgets_page(
    request: Request,
    session: SessionDep,
    year: Annotated[
        int | None, Query(alias="annee", ge=FIRST_YEAR, le=LAST_YEAR), YEAR_FORMAT
    ] = None,
) -> Response:
    shown = default_last_year() if year is None else year
    summary = history.budgets(session=session, unassigned=UNASSIGNED, years=[shown])[shown]
    return page(
        request,
        "budgets.html",
        load_plan(session),
        title=f"Budgets {shown}",
        section="home",
        budgets=summary,
        year=shown,
        years=range(FIRST_YEAR, default_last_year() + 1),
    )
