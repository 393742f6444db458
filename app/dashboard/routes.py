from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import SessionDep
from app.api.routing import reading
from app.dashboard import dashboard
from app.models.dashboard import (
    CommuneSummary,
    DashboardSummary,
    DirectorateSummary,
    ReportingCampaign,
)
from app.models.inputs import YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, LAST_YEAR

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
