"""The plan over the years: progress year by year and budgets per year, from the published
yearly reports. Each is read with a fixed number of queries, whatever the number of years,
engagements or trackables.

Progress of year Y: every trackable's progress is its latest report of year Y or before (none:
not started), then the roll-up rules of the current progress apply unchanged
(app.trackables.rollups.compute) on today's live tree. The last year is then the current
progress as long as no report of a later year is published.

Budgets of year Y: the sums of the four budget fields of the reports of year Y of live
trackables (a missing amount counts as 0). An action's sub-actions count in its axis, its
engagement and the flagship projects it serves; a flagship project's own reports count in its
engagement and in its own line; every report counts in its lead directorate's line and in the
total. A report's budgets then count once per level: the lines of one level may overlap only for
flagship projects (an action serving two)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from app.core.db import plain_rows
from app.models import Directorate, ProgressReport, Trackable, TrackableKind
from app.models.dashboard import (
    BudgetLine,
    BudgetSummary,
    BudgetTotals,
    NodeSeries,
    ProgressPoint,
    ProgressSeries,
)
from app.models.plan import Plan
from app.trackables import kept, rollups

BUDGET_FIELDS = (
    "budget_planned_investment",
    "budget_planned_operating",
    "budget_spent_investment",
    "budget_spent_operating",
)


def progress_series(*, session: Session, first_year: int, last_year: int) -> ProgressSeries:
    """The plan's and each engagement's progress for each year from ``first_year`` to
    ``last_year``: six queries (the tree's four, the reports up to ``last_year``, the plan),
    kept per database revision (app.trackables.kept: the home and engagement pages and the API
    share it; read-only)."""
    return kept.by_revision(
        session,
        ("progress-series", first_year, last_year),
        lambda: _progress_series(session, first_year, last_year),
    )


def _progress_series(session: Session, first_year: int, last_year: int) -> ProgressSeries:
    structure = rollups.load_structure(session)
    reports = session.execute(
        select(
            col(ProgressReport.trackable_id),
            col(ProgressReport.year),
            col(ProgressReport.progress),
        )
        .where(col(ProgressReport.year) <= last_year)
        .order_by(col(ProgressReport.year))
    ).all()
    plan = session.exec(select(Plan)).first()
    progress: dict[int, tuple[int, float]] = {}
    by_node: dict[str, list[ProgressPoint]] = defaultdict(list)
    index = 0
    for year in range(first_year, last_year + 1):
        while index < len(reports) and reports[index][1] <= year:
            trackable_id, reported, value = reports[index]
            progress[trackable_id] = (reported, value)
            index += 1
        computed = rollups.compute(rollups.TreeRows.of(structure, dict(progress)), {})
        for code in (rollups.PLAN, *(e.code for e in structure.engagements)):
            by_node[code].append(ProgressPoint(year=year, progress=computed.get(code).progress))
    return ProgressSeries(
        first_year=first_year,
        last_year=last_year,
        plan=NodeSeries(
            code=rollups.PLAN, title=plan.title if plan else "", points=by_node[rollups.PLAN]
        ),
        engagements=[
            NodeSeries(code=e.code, title=e.title, points=by_node[e.code])
            for e in structure.engagements
        ],
    )


@dataclass
class BudgetSum:
    """The sums of a line of the budgets: the four amounts and the reports counted."""

    planned_investment: float = 0.0
    planned_operating: float = 0.0
    spent_investment: float = 0.0
    spent_operating: float = 0.0
    reports: int = 0

    def add(self, pi: float | None, po: float | None, si: float | None, so: float | None) -> None:
        self.planned_investment += pi or 0.0
        self.planned_operating += po or 0.0
        self.spent_investment += si or 0.0
        self.spent_operating += so or 0.0
        self.reports += 1

    def values(self) -> tuple[float, float, float, float, float, float, int]:
        """The values of BudgetTotals' fields, in their order."""
        pi, po = self.planned_investment, self.planned_operating
        si, so = self.spent_investment, self.spent_operating
        return (pi, po, pi + po, si, so, si + so, self.reports)

    def amounts(self) -> dict[str, Any]:
        """The fields of BudgetTotals."""
        return dict(zip(BudgetTotals.model_fields, self.values(), strict=True))

    # Built from values of the right types, without validation (the bilan and the dashboard: a
    # few hundred lines; the open data writes its 61,000 from the sums, see YearBudgets).
    def totals(self) -> BudgetTotals:
        return BudgetTotals.model_construct(**self.amounts())

    def line(self, code: str | None, title: str) -> BudgetLine:
        return BudgetLine.model_construct(code=code, title=title, **self.amounts())


class BudgetLineSum(NamedTuple):
    """A line of a year's budgets: its code (None: the trackables with no lead directorate),
    its title and its sums."""

    code: str | None
    title: str
    sums: BudgetSum


@dataclass(frozen=True)
class YearBudgets:
    """A year's budget sums, line by line in the order of its BudgetSummary (which ``summary``
    builds): what the open data writes without building a model per line."""

    total: BudgetSum
    engagements: list[BudgetLineSum]
    axes: list[BudgetLineSum]
    directorates: list[BudgetLineSum]
    flagship_projects: list[BudgetLineSum]

    def summary(self, year: int) -> BudgetSummary:
        def lines(items: list[BudgetLineSum]) -> list[BudgetLine]:
            return [sums.line(code, title) for code, title, sums in items]

        return BudgetSummary(
            year=year,
            total=self.total.totals(),
            engagements=lines(self.engagements),
            axes=lines(self.axes),
            directorates=lines(self.directorates),
            flagship_projects=lines(self.flagship_projects),
        )


def budgets(
    *, session: Session, unassigned: str, years: Iterable[int] | None = None
) -> dict[int, BudgetSummary]:
    """The budget totals of each of ``years`` (every year with a report when None), by year:
    six queries (the tree's four, the directorates, the reports with their lead directorate).
    ``unassigned``: the name of the line of the trackables with no lead directorate."""
    summed = budget_sums(session=session, unassigned=unassigned, years=years)
    return {year: sums.summary(year) for year, sums in summed.items()}


def budget_sums(
    *, session: Session, unassigned: str, years: Iterable[int] | None = None
) -> dict[int, YearBudgets]:
    """What ``budgets`` gives, as sums line by line (six queries)."""
    structure = rollups.load_structure(session)
    directorates = budget_directorates(session)
    query = (
        select(
            col(ProgressReport.year),
            col(ProgressReport.trackable_id),
            col(Trackable.lead_directorate_id),
            *(col(getattr(ProgressReport, name)) for name in BUDGET_FIELDS),
        )
        .join(Trackable, col(Trackable.id) == col(ProgressReport.trackable_id))
        .where(col(Trackable.archived_at).is_(None))
    )
    wanted = None if years is None else sorted(set(years))
    if wanted is not None:
        query = query.where(col(ProgressReport.year).in_(wanted))
    # A report per trackable and year: plain rows, without the ORM's work per row.
    rows = list(map(BudgetRow._make, plain_rows(session, query)))
    return sum_budgets(
        structure=structure,
        directorates=directorates,
        rows=rows,
        unassigned=unassigned,
        years=wanted,
    )


class BudgetRow(NamedTuple):
    """A yearly report's budgets, with the id of the lead directorate they count for."""

    year: int
    trackable_id: int
    lead_directorate_id: int | None
    planned_investment: float | None
    planned_operating: float | None
    spent_investment: float | None
    spent_operating: float | None


def budget_directorates(session: Session) -> list[tuple[int, str, str]]:
    """``(id, code, name)`` of every directorate, by code: the lines of the budgets by
    directorate (one query)."""
    return [
        (d_id, code, name)
        for d_id, code, name in session.execute(
            select(col(Directorate.id), col(Directorate.code), col(Directorate.name)).order_by(
                col(Directorate.code)
            )
        ).all()
    ]


def sum_budgets(
    *,
    structure: rollups.TreeStructure,
    directorates: Sequence[tuple[int, str, str]],
    rows: Iterable[BudgetRow],
    unassigned: str,
    years: Sequence[int] | None = None,
) -> dict[int, YearBudgets]:
    """The budget sums of ``rows`` by year, line by line (no query): of each of ``years``, or of
    every year with a row when None. Rows of trackables not in the live ``structure`` are left
    out; ``YearBudgets.summary`` makes a year's BudgetSummary of them."""
    by_id = {t.id: t for t in structure.trackables}
    axes = {a.id: a for a in structure.axes}
    serving: dict[int, list[int]] = defaultdict(list)
    for link in structure.flagship_links:
        serving[link.action_id].append(link.flagship_project_id)

    def lines_of(trackable: rollups.TrackableRow) -> list[tuple[str, int | None]]:
        """The lines a trackable's reports count in, each once, but the total and the lead
        directorate's (the report's own)."""
        keys: list[tuple[str, int | None]] = []
        if trackable.kind == TrackableKind.flagship_project:
            keys += [("flagship", trackable.id), ("engagement", trackable.engagement_id)]
        else:
            top = by_id.get(trackable.parent_id or trackable.id) or trackable
            axis = axes.get(top.axis_id or trackable.axis_id or 0)
            if axis is not None:
                keys += [("axis", axis.id), ("engagement", axis.engagement_id)]
            keys += [("flagship", f) for f in serving.get(top.id, [])]
        return list(dict.fromkeys(keys))

    # Worked out once per trackable rather than once per report.
    lines = {t.id: [("total", None), *lines_of(t)] for t in structure.trackables}
    sums: dict[int, dict[tuple[str, int | None], BudgetSum]] = {}
    for year, trackable_id, lead, pi, po, si, so in rows:
        counted = lines.get(trackable_id)
        if counted is None:
            continue
        summed = sums.get(year)
        if summed is None:
            summed = sums[year] = defaultdict(BudgetSum)
        summed[("directorate", lead)].add(pi, po, si, so)
        for key in counted:
            summed[key].add(pi, po, si, so)

    def of_year(year: int) -> YearBudgets:
        summed = sums.get(year, {})

        def line(level: str, key: int | None, code: str | None, title: str) -> BudgetLineSum:
            return BudgetLineSum(code, title, summed.get((level, key)) or BudgetSum())

        by_directorate = [
            line("directorate", d_id, code, name) for d_id, code, name in directorates
        ]
        if ("directorate", None) in summed:
            by_directorate.append(line("directorate", None, None, unassigned))
        return YearBudgets(
            total=summed.get(("total", None)) or BudgetSum(),
            engagements=[line("engagement", e.id, e.code, e.title) for e in structure.engagements],
            axes=[line("axis", a.id, a.code, a.title) for a in structure.axes],
            directorates=by_directorate,
            flagship_projects=[
                line("flagship", t.id, t.code, t.title)
                for t in structure.trackables
                if t.kind == TrackableKind.flagship_project
            ],
        )

    return {year: of_year(year) for year in (years if years is not None else sorted(sums))}
