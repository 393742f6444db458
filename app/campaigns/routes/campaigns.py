"""The reporting campaigns: ``/campaigns`` (read by anyone; opened, changed and closed by admins),
and the snapshot a closed campaign froze, as JSON and as ``campaign_{year}.csv``."""

from fastapi import APIRouter, Response
from sqlmodel import Session

from app.api.deps import IfMatch, SessionDep
from app.api.permissions import AdminActor
from app.api.responses import problem
from app.api.routing import Route, creating, reading, updating
from app.campaigns import campaigns, export
from app.campaigns.routes.deps import Year
from app.core.versioning import version_etag
from app.models import Campaign
from app.models.campaigns import CampaignOpen, CampaignPublic, CampaignUpdate, SnapshotReport

router = APIRouter(prefix="/campaigns", tags=["campaigns"])

UNKNOWN = "No campaign that year"


def _frozen(route: Route) -> Route:
    """A read of a snapshot: 409 while the campaign is open."""
    responses = {**route["responses"], 409: problem("The campaign is still open: nothing frozen")}
    return route | {"responses": responses}


def _answer(session: Session, response: Response, campaign: Campaign) -> CampaignPublic:
    response.headers["ETag"] = version_etag(campaign.version)
    return campaigns.public(session=session, campaign=campaign)


@router.get("", **reading(list[CampaignPublic], "Reporting campaigns"))
def list_campaigns(session: SessionDep) -> list[CampaignPublic]:
    """Every campaign, the latest year first, with where each expected trackable stands (a
    closed campaign: as of today)."""
    return campaigns.public_all(session=session, campaigns=campaigns.get_all(session=session))


@router.get("/{year}", **reading(CampaignPublic, "One reporting campaign", UNKNOWN))
def read_campaign(year: Year, session: SessionDep, response: Response) -> CampaignPublic:
    """Its deadline and message, and where each live trackable expected to report stands for
    the year — to do, draft, submitted, sent back, validated — overall and per lead
    directorate. The ETag is its version, for If-Match on writes."""
    return _answer(session, response, campaigns.get(session=session, year=year))


@router.post("", **creating(CampaignPublic, "Open the campaign of a year (admin)", code=False))
def open_campaign(
    data: CampaignOpen, session: SessionDep, actor: AdminActor, response: Response
) -> CampaignPublic:
    """One campaign at a time, once per year (409 otherwise); the deadline falls between 1
    January of the year and the end of the year after next. Editors then save and submit the
    year's reports (`/pending`); reminders are mailed by `boussole campaign remind`."""
    campaign = campaigns.create(session=session, actor=actor, data=data)
    return _answer(session, response, campaign)


@router.patch(
    "/{year}",
    **updating(
        CampaignPublic, "Change a campaign's deadline or message (admin)", UNKNOWN, if_match=True
    ),
)
def update_campaign(
    year: Year,
    data: CampaignUpdate,
    session: SessionDep,
    actor: AdminActor,
    if_match: IfMatch,
    response: Response,
) -> CampaignPublic:
    """Only the fields sent change; a closed campaign cannot (409)."""
    campaign = campaigns.get(session=session, year=year)
    campaigns.update(session=session, actor=actor, campaign=campaign, data=data, if_match=if_match)
    return _answer(session, response, campaign)


@router.post(
    "/{year}/close",
    **updating(
        CampaignPublic, "Close a campaign and freeze its reports (admin)", UNKNOWN, if_match=True
    ),
)
def close_campaign(
    year: Year, session: SessionDep, actor: AdminActor, if_match: IfMatch, response: Response
) -> CampaignPublic:
    """Every published report of the year is frozen into the campaign's snapshot, which later
    changes never alter. Reports still pending stay so: an admin may validate them later (they
    are then published, the snapshot unchanged)."""
    campaign = campaigns.get(session=session, year=year)
    campaigns.close(session=session, actor=actor, campaign=campaign, if_match=if_match)
    return _answer(session, response, campaign)


@router.get(
    "/{year}/snapshot",
    **_frozen(reading(list[SnapshotReport], "The reports a closed campaign froze", UNKNOWN)),
)
def read_snapshot(year: Year, session: SessionDep) -> list[SnapshotReport]:
    """Every report of the year published when the campaign closed, as it stood then, by
    code."""
    return [campaigns.snapshot_public(row) for row in campaigns.frozen(session=session, year=year)]


CSV_ROUTE = _frozen(reading(None, "The frozen reports as campaign_{year}.csv", UNKNOWN))
CSV_ROUTE["responses"][200] = {
    "content": {"text/csv": {}},
    "description": "UTF-8 with BOM, semicolon, decimal comma, one header row",
}


@router.get("/{year}/snapshot.csv", response_class=Response, **CSV_ROUTE)
def read_snapshot_csv(year: Year, session: SessionDep) -> Response:
    """For a spreadsheet set to French: UTF-8 with BOM, semicolon separator, decimal comma,
    French headers and labels, date-times in UTC as `YYYY-MM-DD HH:MM:SS`, an empty cell for a
    missing value. Text cells that would start a formula are prefixed with a single quote. The
    same rows as `/snapshot`."""
    rows = campaigns.frozen(session=session, year=year)
    name = export.FILE_NAME.format(year=year)
    return Response(
        content=export.snapshot_csv(rows),
        media_type=export.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
