"""Dashboards: the plan at a glance, per directorate, per commune, and the yearly reporting
campaign. Each is read with a fixed number of queries."""

from collections import defaultdict

from sqlmodel import Session, col, select

from app.campaigns import campaigns
from app.indicators import indicators
from app.models import (
    Commune,
    Directorate,
    ReportState,
    Status,
    Trackable,
    TrackableCommune,
    TrackableKind,
)
from app.models.dashboard import (
    CommuneSummary,
    DashboardSummary,
    DirectorateReporting,
    DirectorateSummary,
    EngagementSummary,
    MissingReport,
    NodeSummary,
    ReportingCampaign,
)
from app.models.plan import Plan
from app.trackables import kept, rollups
from app.trackables.progress import latest_progress
from app.trackables.rollups import counts_by, weighted_mean

UNASSIGNED = campaigns.UNASSIGNED


def summary(*, session: Session, year: int | None = None) -> DashboardSummary:
    """Kept per database revision, as the tree is (see app.trackables.kept)."""
    assessed = year or indicators.this_year()
    return kept.by_revision(session, ("summary", assessed), lambda: _summary(session, assessed))


def _summary(session: Session, year: int) -> DashboardSummary:
    rows, computed = kept.computed(session, year)
    plan = session.exec(select(Plan)).first()
    axes_by_engagement: dict[int, list[NodeSummary]] = defaultdict(list)
    for axis in rows.axes:
        axes_by_engagement[axis.engagement_id].append(
            NodeSummary(code=axis.code, title=axis.title, rollup=computed.get(axis.code))
        )
    flagships: dict[int, list[NodeSummary]] = defaultdict(list)
    for t in rows.trackables:
        if t.kind == TrackableKind.flagship_project and t.engagement_id is not None:
            flagships[t.engagement_id].append(
                NodeSummary(code=t.code, title=t.title, rollup=computed.get(t.code))
            )
    return DashboardSummary(
        year=year,
        plan=NodeSummary(
            code=rollups.PLAN,
            title=plan.title if plan else "",
            rollup=computed.get(rollups.PLAN),
        ),
        engagements=[
            EngagementSummary(
                code=e.code,
                title=e.title,
                rollup=computed.get(e.code),
                axes=axes_by_engagement.get(e.id or 0, []),
                flagship_projects=flagships.get(e.id or 0, []),
            )
            for e in rows.engagements
        ],
    )


def _live_trackables(session: Session) -> list[Trackable]:
    return list(
        session.exec(
            select(Trackable)
            .where(col(Trackable.archived_at).is_(None))
            .order_by(col(Trackable.code))
        )
    )


def directorates(*, session: Session) -> list[DirectorateSummary]:
    """Four queries: directorates, live trackables, latest progress (and nothing per row)."""
    rows = session.exec(select(Directorate).order_by(col(Directorate.code))).all()
    trackables = _live_trackables(session)
    progress = latest_progress(session)
    led: dict[int | None, list[Trackable]] = defaultdict(list)
    for t in trackables:
        led[t.lead_directorate_id].append(t)

    def entry(code: str | None, name: str, items: list[Trackable]) -> DirectorateSummary:
        return DirectorateSummary(
            code=code,
            name=name,
            led=len(items),
            status_counts=counts_by(Status, (Status(t.status) for t in items)),
            progress=weighted_mean(
                (progress[t.id][1] if t.id in progress else 0.0, t.weight)
                for t in items
                if t.status != Status.abandoned
            ),
        )

    result = [entry(d.code, d.name, led.get(d.id, [])) for d in rows]
    if led.get(None):
        result.append(entry(None, UNASSIGNED, led[None]))
    return result


def communes(*, session: Session) -> list[CommuneSummary]:
    """Three queries. An action naming no commune concerns the whole territory, so every
    commune; the plan's own value of equity between living areas is read here."""
    actions = [
        t
        for t in _live_trackables(session)
        if t.kind == TrackableKind.action and t.parent_id is None
    ]
    named: dict[int, set[str]] = defaultdict(set)
    for trackable_id, insee_code in session.execute(
        select(col(TrackableCommune.trackable_id), col(TrackableCommune.insee_code))
    ).all():
        named[trackable_id].add(insee_code)
    territory = [a for a in actions if not named.get(a.id or 0)]
    territory_statuses = [Status(a.status) for a in territory]
    direct: dict[str, list[Trackable]] = defaultdict(list)
    for action in actions:
        for insee_code in named.get(action.id or 0, ()):
            direct[insee_code].append(action)
    result = []
    for commune in session.exec(select(Commune).order_by(col(Commune.insee_code))):
        mine = direct.get(commune.insee_code, [])
        result.append(
            CommuneSummary(
                insee_code=commune.insee_code,
                name=commune.name,
                population=commune.population,
                direct=len(mine),
                whole_territory=len(territory),
                total=len(mine) + len(territory),
                status_counts=counts_by(
                    Status, territory_statuses + [Status(a.status) for a in mine]
                ),
            )
        )
    return result


def reporting(*, session: Session, year: int) -> ReportingCampaign:
    """Where each live trackable expected to report stands for ``year`` (app.campaigns: to do,
    draft, submitted, sent back, validated), and those with no validated report, per lead
    directorate. Four queries."""
    trackables = campaigns.expected(session)
    found = campaigns.states(session, year)
    names = {d.id: (d.code, d.name) for d in session.exec(select(Directorate))}
    states: dict[int | None, list[ReportState]] = defaultdict(list)
    missing: dict[int | None, list[MissingReport]] = defaultdict(list)
    for t in trackables:
        assert t.id is not None
        state = found.get(t.id, ReportState.to_do)
        states[t.lead_directorate_id].append(state)
        if state != ReportState.validated:
            missing[t.lead_directorate_id].append(
                MissingReport(
                    code=t.code,
                    title=t.title,
                    kind=t.kind.value,
                    state=state,
                    state_label=state.label,
                )
            )
    groups = sorted(
        missing.items(), key=lambda item: (item[0] is None, names.get(item[0], ("",))[0])
    )
    count_missing = sum(len(items) for items in missing.values())
    return ReportingCampaign(
        year=year,
        expected=len(trackables),
        reported=len(trackables) - count_missing,
        missing=count_missing,
        states=campaigns.counts([s for group in states.values() for s in group]),
        directorates=[
            DirectorateReporting(
                code=names[lead][0] if lead is not None else None,
                name=names[lead][1] if lead is not None else UNASSIGNED,
                missing=items,
                states=campaigns.counts(states[lead]),
            )
            for lead, items in groups
        ],
    )
