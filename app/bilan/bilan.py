"""The yearly bilan of year Y, read in a fixed number of queries whatever the plan's size.

Where year Y's reports come from: the frozen snapshot of Y's campaign once it is closed (later
edits do not change the bilan), else the published reports of Y — provisional, while the
campaign is open or when there was none. Y−1, for the change since then, is read the same way.

A trackable's progress and status in Y: its report of Y, else its latest report before Y (none:
no progress, "À venir" unless it is abandoned). The roll-up rules of the current progress
(app.trackables.rollups) then give the plan's, each engagement's, axis's and flagship project's
progress; status counts count the top-level actions by their status of Y. Titles and the tree
are today's (live) ones."""

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.core.errors import NotFoundError
from app.dashboard.dashboard import UNASSIGNED
from app.indicators import indicators as indicator_service
from app.models import Campaign, CampaignSnapshot, ProgressReport, Trackable
from app.models.bilan import (
    Bilan,
    BilanAxis,
    BilanDirectorate,
    BilanEngagement,
    BilanIndicator,
    BilanNode,
    BilanSource,
    BilanTrackable,
)
from app.models.plan import Plan
from app.models.tracking import FIRST_YEAR, LAST_YEAR, Status
from app.models.tree import TrackableKind
from app.trackables import history, rollups

#: The figures of one trackable's report of a year: progress, status, comment, four budgets.
Report = tuple[float, Status, str, float | None, float | None, float | None, float | None]


def last_year() -> int:
    """The latest year with a bilan: this year, within the plan's years."""
    return min(max(indicator_service.this_year(), FIRST_YEAR), LAST_YEAR)


def years() -> range:
    """The years that have a bilan, from the plan's first to this one."""
    return range(FIRST_YEAR, last_year() + 1)


def default_year(*, session: Session) -> int:
    """The bilan shown first: the latest closed campaign's year, else the open one's, else last
    year's (one query)."""
    campaigns = session.execute(
        select(col(Campaign.year), col(Campaign.closed_at)).order_by(col(Campaign.year).desc())
    ).all()
    closed = [int(year) for year, closed_at in campaigns if closed_at is not None]
    if closed:
        return closed[0]
    if campaigns:
        return int(campaigns[0][0])
    return max(FIRST_YEAR, last_year() - 1)


def check_year(year: int) -> None:
    if year not in years():
        raise NotFoundError(
            "bilan",
            year,
            f"Aucun bilan pour {year} : les bilans vont de {FIRST_YEAR} à {last_year()}.",
        )


def build(*, session: Session, year: int) -> Bilan:
    """The bilan of ``year`` (404 outside the plan's years up to this one): fifteen queries."""
    check_year(year)
    previous = year - 1
    structure = rollups.load_structure(session)  # four queries
    campaigns = {
        c.year: c
        for c in session.exec(select(Campaign).where(col(Campaign.year).in_([year, previous])))
    }
    frozen = [y for y in (year, previous) if y in campaigns and campaigns[y].closed_at is not None]
    directorates = history.budget_directorates(session)
    lead_of = dict(
        session.execute(
            select(col(Trackable.id), col(Trackable.lead_directorate_id)).where(
                col(Trackable.archived_at).is_(None)
            )
        ).all()
    )
    # Every published report up to Y, oldest first, except those of a frozen year.
    published = session.execute(
        core_select(
            col(ProgressReport.trackable_id),
            col(ProgressReport.year),
            col(ProgressReport.progress),
            col(ProgressReport.status),
            col(ProgressReport.comment),
            col(ProgressReport.budget_planned_investment),
            col(ProgressReport.budget_planned_operating),
            col(ProgressReport.budget_spent_investment),
            col(ProgressReport.budget_spent_operating),
        )
        .where(col(ProgressReport.year) <= year, col(ProgressReport.year).not_in(frozen))
        .order_by(col(ProgressReport.year))
    ).all()
    by_year: dict[int, dict[int, Report]] = {}
    for trackable_id, reported, *figures in published:
        by_year.setdefault(reported, {})[trackable_id] = tuple(figures)
    directorate_id = {code: d_id for d_id, code, _ in directorates}
    snapshot_leads: dict[int, int | None] = {}
    for row in session.exec(select(CampaignSnapshot).where(col(CampaignSnapshot.year).in_(frozen))):
        by_year.setdefault(row.year, {})[row.trackable_id] = (
            row.progress,
            row.status,
            row.comment,
            row.budget_planned_investment,
            row.budget_planned_operating,
            row.budget_spent_investment,
            row.budget_spent_operating,
        )
        if row.year == year:
            snapshot_leads[row.trackable_id] = directorate_id.get(row.lead_directorate or "")

    # Each trackable at its latest report up to Y−1, then up to Y.
    standing: dict[int, tuple[int, Report]] = {}
    for reported in sorted(y for y in by_year if y < year):
        standing.update((t, (reported, r)) for t, r in by_year[reported].items())
    before = dict(standing)
    standing.update((t, (year, r)) for t, r in by_year.get(year, {}).items())
    this_year = by_year.get(year, {})

    now_rollups = _rollups(structure, standing)
    then_rollups = _rollups(structure, before)

    def node(code: str, title: str) -> dict[str, object]:
        now, then = now_rollups.get(code), then_rollups.get(code)
        return {
            "code": code,
            "title": title,
            "progress": now.progress,
            "previous_progress": then.progress,
            "change": _change(now.progress, then.progress),
            "status_counts": now.status_counts,
        }

    by_id = {t.id: t for t in structure.trackables}
    axis_code = {a.id: a.code for a in structure.axes}
    axis_engagement = {a.id: a.engagement_id for a in structure.axes}
    engagement_code = {e.id: e.code for e in structure.engagements}
    directorate_code = {d_id: code for d_id, code, _ in directorates}

    def trackable(t: rollups.TrackableRow) -> BilanTrackable:
        top = by_id.get(t.parent_id or t.id) or t
        engagement_id = t.engagement_id if t.axis_id is None and top.axis_id is None else None
        axis_id = top.axis_id or t.axis_id
        if axis_id is not None:
            engagement_id = axis_engagement.get(axis_id)
        report = this_year.get(t.id)
        latest = standing.get(t.id)
        earlier = before.get(t.id)
        lead = snapshot_leads[t.id] if t.id in snapshot_leads else lead_of.get(t.id)
        return BilanTrackable(
            code=t.code,
            kind=t.kind,
            title=t.title,
            parent_code=by_id[t.parent_id].code if t.parent_id in by_id else None,
            axis_code=axis_code.get(axis_id or 0),
            engagement_code=engagement_code.get(engagement_id or 0),
            lead_directorate=directorate_code.get(lead or 0),
            reported=report is not None,
            status=latest[1][1] if latest else _unreported(t),
            progress=latest[1][0] if latest else None,
            previous_progress=earlier[1][0] if earlier else None,
            comment=report[2] if report else "",
            budget_planned_investment=report[3] if report else None,
            budget_planned_operating=report[4] if report else None,
            budget_spent_investment=report[5] if report else None,
            budget_spent_operating=report[6] if report else None,
        )

    engagements = [
        BilanEngagement(
            **node(e.code, e.title),  # type: ignore[arg-type]
            axes=[
                BilanAxis(**node(a.code, a.title), engagement_code=e.code)  # type: ignore[arg-type]
                for a in structure.axes
                if a.engagement_id == e.id
            ],
        )
        for e in structure.engagements
    ]
    flagship_projects = [
        trackable(t) for t in structure.trackables if t.kind == TrackableKind.flagship_project
    ]
    for project in flagship_projects:  # a flagship project's progress is its roll-up
        project.progress = now_rollups.get(project.code).progress
        project.previous_progress = then_rollups.get(project.code).progress
    budget_rows = [
        history.BudgetRow(
            year,
            trackable_id,
            snapshot_leads[trackable_id]
            if trackable_id in snapshot_leads
            else lead_of.get(trackable_id),
            *report[3:],
        )
        for trackable_id, report in this_year.items()
    ]
    budgets = history.sum_budgets(
        structure=structure,
        directorates=directorates,
        rows=budget_rows,
        unassigned=UNASSIGNED,
        years=[year],
    )[year].summary(year)
    campaign = campaigns.get(year)
    source = BilanSource.snapshot if year in frozen else BilanSource.live
    return Bilan(
        year=year,
        previous_year=previous,
        source=source,
        provisional=source is BilanSource.live,
        campaign_state=None if campaign is None else ("open" if campaign.is_open else "closed"),
        frozen_at=campaign.closed_at if campaign is not None and year in frozen else None,
        plan=BilanNode(**node(rollups.PLAN, _plan_title(session))),  # type: ignore[arg-type]
        engagements=engagements,
        flagship_projects=flagship_projects,
        actions=_in_tree_order(
            [trackable(t) for t in structure.trackables if t.kind == TrackableKind.action]
        ),
        indicators=_indicators(session, year),
        budgets=budgets,
        directorates=_directorates(structure, directorates, this_year, lead_of, snapshot_leads),
    )


def _rollups(
    structure: rollups.TreeStructure, standing: dict[int, tuple[int, Report]]
) -> rollups.Rollups:
    """The roll-ups of the trackables standing as given: their progress, and their status of the
    year in place of today's."""
    rows = rollups.TreeRows(
        structure.engagements,
        structure.axes,
        [
            t._replace(status=standing[t.id][1][1] if t.id in standing else _unreported(t))
            for t in structure.trackables
        ],
        structure.flagship_links,
        {t: (reported, report[0]) for t, (reported, report) in standing.items()},
    )
    return rollups.compute(rows, {})


def _unreported(t: rollups.TrackableRow) -> Status:
    """The status of a trackable with no report yet: not started, unless it is abandoned (an
    abandoned action leaves the roll-ups whatever the year, as in the series over the years)."""
    return Status.abandoned if t.status == Status.abandoned else Status.planned


def _change(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else now - then


def _in_tree_order(actions: list[BilanTrackable]) -> list[BilanTrackable]:
    """Each top-level action followed by its sub-actions, in the tree's order."""
    children: dict[str, list[BilanTrackable]] = {}
    for action in actions:
        if action.parent_code is not None:
            children.setdefault(action.parent_code, []).append(action)
    known = {a.code for a in actions}
    ordered: list[BilanTrackable] = []
    for action in actions:
        if action.parent_code is None or action.parent_code not in known:
            ordered += [action, *children.get(action.code, [])]
    return ordered


def _plan_title(session: Session) -> str:
    plan = session.exec(select(Plan)).first()
    return plan.title if plan is not None else "Projet de territoire"


def _indicators(session: Session, year: int) -> list[BilanIndicator]:
    """Every indicator assessed with its values up to ``year`` (five queries)."""
    loaded = indicator_service.load(session, up_to_year=year)
    return [
        BilanIndicator(
            code=i.code,
            name=i.name,
            unit=i.unit,
            decimals=i.decimals,
            lead_directorate=loaded.lead_codes.get(i.id or 0),
            measures=sorted(link.code for link in loaded.links.get(i.id or 0, [])),
            trajectory=indicator_service.assessment(i, loaded, year),
        )
        for i in loaded.indicators
    ]


def _directorates(
    structure: rollups.TreeStructure,
    directorates: list[tuple[int, str, str]],
    this_year: dict[int, Report],
    lead_of: dict[int, int | None],
    snapshot_leads: dict[int, int | None],
) -> list[BilanDirectorate]:
    """Each directorate leading a live trackable that is not abandoned (or that reported), how
    many it leads and how many have a report of the year."""
    expected: dict[int, int] = {}
    reported: dict[int, int] = {}
    for t in structure.trackables:
        lead = snapshot_leads[t.id] if t.id in snapshot_leads else lead_of.get(t.id)
        if lead is None or (t.status == Status.abandoned and t.id not in this_year):
            continue
        expected[lead] = expected.get(lead, 0) + 1
        if t.id in this_year:
            reported[lead] = reported.get(lead, 0) + 1
    return [
        BilanDirectorate(
            code=code, name=name, expected=expected[d_id], reported=reported.get(d_id, 0)
        )
        for d_id, code, name in directorates
        if d_id in expected
    ]
