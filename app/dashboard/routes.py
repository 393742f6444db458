from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import SessionDep
from app.api.routing import reading
from app.core.errors import InvalidInputError
from app.dashboard import dashboard
from app.indicators import indicators
from app.models.dashboard import (
    BudgetSummary,
    CommuneSummary,
    DashboardSummary,
    DirectorateSummary,
    ProgressSeries,
    ReportingCampaign,
)
from app.models.inputs import YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.trackables import history

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


@router.get("/summary", **reading(DashboardSummary, "The plan at a glance"))
def read_summary(session: SessionDep) -> DashboardSummary:
    """Progress, status counts and indicator trajectories for the plan, each engagement, each
    axis and each flagship project."""
    return dashboard.summary(session=session)


@router.get("/directorates", **reading(list[DirectorateSummary], "What each directorate leads"))
def read_directorates(session: SessionDep) -> list[DirectorateSummary]:
    return dashboard.directorates(session=session)


@router.get("/communes", **reading(list[CommuneSummary], "Actions per commune"))
def read_communes(session: SessionDep) -> list[CommuneSummary]:
    """For each of the 47 communes, the actions that concern it — naming it, or the whole
    territory — by status: the plan's value of equity between living areas, measured."""
    return dashboard.communes(session=session)


@router.get("/reporting", **reading(ReportingCampaign, "The yearly reporting campaign"))
def read_reporting(
    session: SessionDep,
    year: Annotated[
        int,
        Query(
            ge=FIRST_YEAR, le=LAST_YEAR, description=f"Reporting year, {FIRST_YEAR} to {LAST_YEAR}"
        ),
        YEAR_FORMAT,
    ],
) -> ReportingCampaign:
    """Which live actions and flagship projects have no progress report for ``year`` yet, per
    lead directorate (abandoned ones are not expected to report)."""
    return dashboard.reporting(session=session, year=year)


def _plan_year(description: str, alias: str | None = None) -> Any:
    return Query(
        alias=alias,
        ge=FIRST_YEAR,
        le=LAST_YEAR,
        description=f"{description}, {FIRST_YEAR} to {LAST_YEAR}",
    )


def default_last_year() -> int:
    """This year, held within the plan's years."""
    return min(max(indicators.this_year(), FIRST_YEAR), LAST_YEAR)


@router.get("/progress-series", **reading(ProgressSeries, "Progress over the years"))
def read_progress_series(
    session: SessionDep,
    first_year: Annotated[
        int | None, _plan_year("First year (default: the plan's first)", "from"), YEAR_FORMAT
    ] = None,
    last_year: Annotated[
        int | None, _plan_year("Last year (default: this year)", "to"), YEAR_FORMAT
    ] = None,
) -> ProgressSeries:
    """The plan's and each engagement's progress for each year from ``from`` to ``to`` (by
    default this year, or ``from`` if later; ``from`` after ``to`` is refused): each trackable
    counts with its latest report of that year or before, under the roll-up rules of the
    current progress (on today's live tree)."""
    first = FIRST_YEAR if first_year is None else first_year
    last = max(default_last_year(), first) if last_year is None else last_year
    if first > last:
        raise InvalidInputError(
            ("query", "from"), f"l'année de début ({first}) est après l'année de fin ({last})"
        )
    return history.progress_series(session=session, first_year=first, last_year=last)


@router.get("/budgets", **reading(BudgetSummary, "Budgets of a year"))
def read_budgets(
    session: SessionDep,
    year: Annotated[int, _plan_year("Year of the reports"), YEAR_FORMAT],
) -> BudgetSummary:
    """Budgets planned and spent in ``year`` (sums of the yearly reports' four budget fields),
    in total and by engagement, axis, lead directorate and flagship project."""
    return history.budgets(session=session, unassigned=dashboard.UNASSIGNED, years=[year])[year]
