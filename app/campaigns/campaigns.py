"""Reporting campaigns: open the campaign of a year, change its deadline or message, follow where
each trackable stands, close it (which freezes the year's published reports).

At most one campaign is open at a time: the directorates fill one year's reports at once, and
"Mes actions" shows that year. Editors save and submit reports only within the open campaign of
their year (app.campaigns.pending); admins may write any year at any time, audited.
"""

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app import revision
from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import ConflictError, InvalidInputError, NotFoundError
from app.core.versioning import check_version
from app.models import (
    Campaign,
    CampaignSnapshot,
    Directorate,
    PendingReport,
    ProgressReport,
    ReportState,
    Status,
    Trackable,
)
from app.models.base import utcnow
from app.models.campaigns import (
    CAMPAIGN_ENTITY,
    CampaignOpen,
    CampaignPublic,
    CampaignUpdate,
    DirectorateProgress,
    SnapshotReport,
    StateCount,
)
from app.models.tracking import ProgressReportInput

UNASSIGNED = "Sans direction pilote"


def get(*, session: Session, year: int) -> Campaign:
    campaign = session.exec(select(Campaign).where(col(Campaign.year) == year)).first()
    if campaign is None:
        raise NotFoundError("campaign", year, f"aucune campagne pour l'année {year}")
    return campaign


def get_open(*, session: Session) -> Campaign | None:
    """The campaign under way, if any."""
    return session.exec(select(Campaign).where(col(Campaign.closed_at).is_(None))).first()


def get_all(*, session: Session) -> list[Campaign]:
    return list(session.exec(select(Campaign).order_by(col(Campaign.year).desc())))


def _snapshot(campaign: Campaign) -> dict[str, Any]:
    return {
        "year": campaign.year,
        "deadline": campaign.deadline.isoformat(),
        "message": campaign.message,
        "open": campaign.is_open,
    }


def create(*, session: Session, actor: Actor, data: CampaignOpen) -> Campaign:
    """Open the campaign of ``data.year``; refused while another is open, or if that year's
    campaign was held already (409)."""
    revision.touch(session, structure=False)
    under_way = get_open(session=session)
    if under_way is not None:
        raise ConflictError(
            f"la campagne {under_way.year} est encore ouverte : clôturez-la avant d'en ouvrir "
            "une autre"
        )
    if session.exec(select(Campaign.id).where(col(Campaign.year) == data.year)).first():
        raise ConflictError(f"la campagne {data.year} a déjà eu lieu")
    _check_deadline(data.deadline, data.year)
    campaign = Campaign(
        year=data.year, deadline=data.deadline, message=data.message, opened_by=actor.name
    )
    session.add(campaign)
    session.flush()
    audit.record(session, actor, CAMPAIGN_ENTITY, str(data.year), None, _snapshot(campaign))
    return campaign


def _check_deadline(deadline: date, year: int) -> None:
    # The reports of year Y are written once Y is under way or over: a deadline before
    # 1 January of Y, or more than two years after its end, is surely a typo.
    if not date(year, 1, 1) <= deadline <= date(year + 2, 12, 31):
        raise InvalidInputError(
            ("body", "deadline"),
            f"l'échéance doit tomber entre le 1er janvier {year} et le 31 décembre {year + 2}",
        )


def update(
    *,
    session: Session,
    actor: Actor,
    campaign: Campaign,
    data: CampaignUpdate,
    if_match: int | None,
) -> Campaign:
    """Change the deadline or the message of an open campaign."""
    revision.touch(session, structure=False)
    check_version(f"La campagne {campaign.year}", campaign.version, if_match)
    if not campaign.is_open:
        raise ConflictError(f"la campagne {campaign.year} est close")
    before = _snapshot(campaign)
    if data.deadline is not None:
        _check_deadline(data.deadline, campaign.year)
        campaign.deadline = data.deadline
    if data.message is not None:
        campaign.message = data.message
    campaign.version += 1
    session.flush()
    audit.record(session, actor, CAMPAIGN_ENTITY, str(campaign.year), before, _snapshot(campaign))
    return campaign


def close(
    *, session: Session, actor: Actor, campaign: Campaign, if_match: int | None = None
) -> int:
    """Close ``campaign`` and freeze every published report of its year into the snapshot;
    returns how many were frozen. Reports still pending stay pending (an admin may validate them
    later: they are then published, but the snapshot does not change)."""
    revision.touch(session, structure=False)
    check_version(f"La campagne {campaign.year}", campaign.version, if_match)
    if not campaign.is_open:
        raise ConflictError(f"la campagne {campaign.year} est déjà close")
    before = _snapshot(campaign)
    now = utcnow()
    campaign.closed_at = now
    campaign.closed_by = actor.name
    campaign.version += 1
    rows = session.exec(
        select(ProgressReport, Trackable, Directorate.code)
        .join(Trackable, col(Trackable.id) == col(ProgressReport.trackable_id))
        .outerjoin(Directorate, col(Directorate.id) == col(Trackable.lead_directorate_id))
        .where(col(ProgressReport.year) == campaign.year)
    ).all()
    session.add_all(
        CampaignSnapshot(
            year=campaign.year,
            trackable_id=report.trackable_id,
            trackable_code=trackable.code,
            kind=trackable.kind.value,
            title=trackable.title,
            lead_directorate=lead,
            reported_at=report.reported_at,
            frozen_at=now,
            **{name: getattr(report, name) for name in ProgressReportInput.model_fields},
        )
        for report, trackable, lead in rows
    )
    session.flush()
    audit.record(session, actor, CAMPAIGN_ENTITY, str(campaign.year), before, _snapshot(campaign))
    return len(rows)


def snapshot_rows(*, session: Session, year: int) -> list[CampaignSnapshot]:
    """The frozen reports of ``year``'s closed campaign, by code."""
    return list(
        session.exec(
            select(CampaignSnapshot)
            .where(col(CampaignSnapshot.year) == year)
            .order_by(col(CampaignSnapshot.trackable_code))
        )
    )


def frozen(*, session: Session, year: int) -> list[CampaignSnapshot]:
    """The snapshot of ``year``'s campaign: 404 without one, 409 while it is open."""
    campaign = get(session=session, year=year)
    if campaign.is_open:
        raise ConflictError(
            f"la campagne {year} est encore ouverte : ses bilans seront figés à sa clôture"
        )
    return snapshot_rows(session=session, year=year)


def snapshot_public(row: CampaignSnapshot) -> SnapshotReport:
    return SnapshotReport(
        status_label=Status(row.status).label,
        **row.model_dump(exclude={"id", "year", "trackable_id"}),
    )


# --- Where each trackable stands ---------------------------------------------------------------


def expected(session: Session) -> list[Trackable]:
    """The trackables expected to report: live ones, not abandoned, by code."""
    return list(
        session.exec(
            select(Trackable)
            .where(col(Trackable.archived_at).is_(None), col(Trackable.status) != Status.abandoned)
            .order_by(col(Trackable.code))
        )
    )


def states(
    session: Session, year: int, trackable_ids: list[int] | None = None
) -> dict[int, ReportState]:
    """``{trackable id: its report's state for year}`` for the trackables with a pending or a
    published report (the others are ``to_do``): two queries."""
    return states_by_year(session, [year], trackable_ids).get(year, {})


def states_by_year(
    session: Session, years: list[int], trackable_ids: list[int] | None = None
) -> dict[int, dict[int, ReportState]]:
    """``states`` of several years at once: ``{year: {trackable id: state}}``, two queries."""
    published = select(ProgressReport.year, ProgressReport.trackable_id).where(
        col(ProgressReport.year).in_(years)
    )
    pending = select(PendingReport.year, PendingReport.trackable_id, PendingReport.state).where(
        col(PendingReport.year).in_(years)
    )
    if trackable_ids is not None:
        published = published.where(col(ProgressReport.trackable_id).in_(trackable_ids))
        pending = pending.where(col(PendingReport.trackable_id).in_(trackable_ids))
    result: dict[int, dict[int, ReportState]] = defaultdict(dict)
    for year, tid in session.exec(published):
        result[year][tid] = ReportState.validated
    for year, tid, state in session.exec(pending):
        result[year][tid] = ReportState(state)
    return result


def counts(found: list[ReportState]) -> list[StateCount]:
    """How many of ``found`` in each state, every state listed."""
    counted = Counter(found)
    return [StateCount(state=s, label=s.label, count=counted[s]) for s in ReportState]


def public(*, session: Session, campaign: Campaign) -> CampaignPublic:
    """The campaign with where every expected trackable stands, overall and per lead directorate
    (four queries)."""
    return public_all(session=session, campaigns=[campaign])[0]


def public_all(*, session: Session, campaigns: list[Campaign]) -> list[CampaignPublic]:
    """``public`` of each of ``campaigns``, in four queries whatever their number. A closed
    campaign's states are those of today (a report validated after the close counts)."""
    if not campaigns:
        return []
    trackables = expected(session)
    found = states_by_year(session, [c.year for c in campaigns])
    names = {d.id: (d.code, d.name) for d in session.exec(select(Directorate))}
    return [
        _public(campaign, trackables, found.get(campaign.year, {}), names) for campaign in campaigns
    ]


def _public(
    campaign: Campaign,
    trackables: list[Trackable],
    found: dict[int, ReportState],
    names: dict[int | None, tuple[str, str]],
) -> CampaignPublic:
    per_lead: dict[int | None, list[ReportState]] = defaultdict(list)
    for t in trackables:
        assert t.id is not None
        per_lead[t.lead_directorate_id].append(found.get(t.id, ReportState.to_do))
    groups = sorted(per_lead.items(), key=lambda item: (item[0] is None, names.get(item[0], ("",))))
    return CampaignPublic(
        year=campaign.year,
        deadline=campaign.deadline,
        message=campaign.message,
        open=campaign.is_open,
        opened_at=campaign.opened_at,
        closed_at=campaign.closed_at,
        expected=len(trackables),
        states=counts([s for group in per_lead.values() for s in group]),
        directorates=[
            DirectorateProgress(
                code=names[lead][0] if lead is not None else None,
                name=names[lead][1] if lead is not None else UNASSIGNED,
                expected=len(group),
                states=counts(group),
            )
            for lead, group in groups
        ],
        version=campaign.version,
    )
