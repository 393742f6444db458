"""The yearly bilan: what the plan achieved in a year, as the community council reads it.

One model feeds the page, the PDF, the workbook and the API (app.bilan builds it)."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.dashboard import BudgetSummary
from app.models.indicators import TrajectoryPublic
from app.models.tracking import Status
from app.models.tree import TrackableKind


class BilanSource(StrEnum):
    """Where year Y's reports were read."""

    snapshot = "snapshot"  # the campaign of Y is closed: its frozen snapshot
    live = "live"  # the campaign is open, or there was none: the published reports, provisional


class BilanNode(SQLModel):
    """The plan, an engagement or an axis in year Y, and how it moved since Y−1."""

    code: str
    title: str
    progress: float | None = Field(description="Weighted mean progress in year Y (%)")
    previous_progress: float | None = Field(description="The same in year Y−1 (%)")
    change: float | None = Field(description="progress − previous_progress, in points")
    status_counts: dict[Status, int] = Field(
        description="Its top-level actions by their status of year Y (latest report up to Y)"
    )


class BilanAxis(BilanNode):
    engagement_code: str


class BilanEngagement(BilanNode):
    axes: list[BilanAxis]


class BilanTrackable(SQLModel):
    """An action, sub-action or flagship project and its report of year Y."""

    code: str
    kind: TrackableKind
    title: str
    parent_code: str | None
    axis_code: str | None
    engagement_code: str | None
    lead_directorate: str | None = Field(description="Its lead directorate's code")
    reported: bool = Field(description="Whether it has a published report of year Y")
    status: Status | None = Field(description="Its status in year Y (latest report up to Y)")
    progress: float | None = Field(description="Its progress in year Y (%)")
    previous_progress: float | None = Field(description="Its progress in year Y−1 (%)")
    comment: str = Field(description="The narrative comment of its report of year Y")
    budget_planned_investment: float | None
    budget_planned_operating: float | None
    budget_spent_investment: float | None
    budget_spent_operating: float | None


class BilanIndicator(SQLModel):
    code: str
    name: str
    unit: str
    decimals: int
    lead_directorate: str | None
    measures: list[str] = Field(description="Codes of what it measures")
    trajectory: TrajectoryPublic = Field(description="Assessed with the values up to year Y")


class BilanDirectorate(SQLModel):
    """Which directorates reported: the live trackables it leads, and how many have a report
    of year Y."""

    code: str
    name: str
    expected: int
    reported: int


class Bilan(SQLModel):
    year: int
    previous_year: int
    source: BilanSource
    provisional: bool = Field(description="True unless read from the closed campaign's snapshot")
    campaign_state: str | None = Field(description="open, closed, or null: no campaign")
    frozen_at: datetime | None = Field(description="When the campaign's snapshot was taken")
    plan: BilanNode
    engagements: list[BilanEngagement]
    flagship_projects: list[BilanTrackable]
    actions: list[BilanTrackable] = Field(description="Actions and sub-actions, in tree order")
    indicators: list[BilanIndicator]
    budgets: BudgetSummary
    directorates: list[BilanDirectorate]
