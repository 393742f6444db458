"""Read models of the dashboard routes."""

from sqlmodel import Field, SQLModel

from app.models.campaigns import ReportState, StateCount
from app.models.indicators import Rollup
from app.models.tracking import Status


class NodeSummary(SQLModel):
    code: str
    title: str
    rollup: Rollup


class EngagementSummary(NodeSummary):
    axes: list[NodeSummary]
    flagship_projects: list[NodeSummary]


class DashboardSummary(SQLModel):
    year: int = Field(description="The year trajectories are assessed for")
    plan: NodeSummary
    engagements: list[EngagementSummary]


class DirectorateSummary(SQLModel):
    code: str | None = Field(description="null: trackables with no lead directorate yet")
    name: str
    led: int = Field(description="Live actions, sub-actions and flagship projects it leads")
    status_counts: dict[Status, int]
    progress: float | None = Field(
        description="Weighted mean of their current progress (no report counts as 0; "
        "abandoned ones left out)"
    )


class CommuneSummary(SQLModel):
    insee_code: str
    name: str
    population: int
    direct: int = Field(description="Actions naming this commune")
    whole_territory: int = Field(description="Actions concerning the whole territory")
    total: int
    status_counts: dict[Status, int] = Field(description="Over all the actions concerning it")


class MissingReport(SQLModel):
    code: str
    title: str
    kind: str
    state: ReportState = Field(description="to_do, draft, submitted or sent_back")
    state_label: str


class DirectorateReporting(SQLModel):
    code: str | None = Field(description="null: no lead directorate yet")
    name: str
    missing: list[MissingReport] = Field(description="Its trackables with no validated report")
    states: list[StateCount] = Field(description="How many of its trackables in each state")


class ReportingCampaign(SQLModel):
    year: int
    expected: int = Field(description="Live trackables expected to report (not abandoned)")
    reported: int = Field(description="With a validated (published) report")
    missing: int = Field(description="With none: to do, draft, submitted or sent back")
    states: list[StateCount] = Field(description="How many in each state")
    directorates: list[DirectorateReporting] = Field(
        description="The lead directorates with a report missing"
    )


class ProgressPoint(SQLModel):
    year: int
    progress: float | None = Field(description="null: no action to measure")


class NodeSeries(SQLModel):
    code: str = Field(description='"plan" or the engagement\'s code')
    title: str
    points: list[ProgressPoint] = Field(description="One per year, in order")


class ProgressSeries(SQLModel):
    first_year: int
    last_year: int
    plan: NodeSeries
    engagements: list[NodeSeries]


class BudgetTotals(SQLModel):
    planned_investment: float
    planned_operating: float
    planned: float = Field(description="Investment plus operating")
    spent_investment: float
    spent_operating: float
    spent: float = Field(description="Investment plus operating")
    reports: int = Field(description="Yearly reports counted (with or without a budget)")


class BudgetLine(BudgetTotals):
    code: str | None = Field(description="null: trackables with no lead directorate")
    title: str


class BudgetSummary(SQLModel):
    year: int
    total: BudgetTotals = Field(description="Every live action, sub-action and flagship project")
    engagements: list[BudgetLine] = Field(
        description="Its axes' actions and sub-actions, and its flagship projects' own reports"
    )
    axes: list[BudgetLine] = Field(description="Its actions and their sub-actions")
    directorates: list[BudgetLine] = Field(description="The trackables it leads")
    flagship_projects: list[BudgetLine] = Field(
        description="Its own reports and those of the actions it serves (and their sub-actions)"
    )
