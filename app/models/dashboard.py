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
