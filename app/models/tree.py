"""The strategy tree: engagements → axes → actions (→ sub-actions), and flagship projects.

Actions and flagship projects are both *trackables*: one table holds them, so that everything
tracked about them later (status, progress, milestones, history) hangs off a single key.

Codes are stable and human-readable: ``E1`` (engagement), ``E1.2`` (axis), ``E1.2.3`` (action),
``E1.2.3.1`` (sub-action), ``PP1``…``PP9`` (flagship projects, numbered across the plan).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Text
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from app.models.base import StrEnumType, UtcDateTime, utcnow, versioned
from app.models.indicators import Rollup
from app.models.plan import PlanPublic
from app.models.tracking import Priority, Status


class EngagementBase(SQLModel):
    code: str = Field(max_length=30, unique=True)
    title: str = Field(max_length=500)
    quote: str = ""
    quote_author: str = Field(default="", max_length=200)


class Engagement(EngagementBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    position: int = 0


class AxisBase(SQLModel):
    code: str = Field(max_length=30, unique=True)
    title: str = Field(max_length=500)


class Axis(AxisBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    position: int = 0
    search_text: str = Field(default="", max_length=600)  # see app.models.events
    archived_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class TrackableKind(StrEnum):
    action = "action"
    flagship_project = "flagship_project"


class Trackable(SQLModel, table=True):
    """An action (under an axis, possibly a sub-action of another action) or a flagship project
    (under an engagement)."""

    __table_args__ = (
        CheckConstraint(
            "(kind = 'action' AND axis_id IS NOT NULL AND engagement_id IS NULL)"
            " OR (kind = 'flagship_project' AND engagement_id IS NOT NULL"
            " AND axis_id IS NULL AND parent_id IS NULL)",
            name="kind_parent",
        ),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: TrackableKind = Field(sa_type=StrEnumType(TrackableKind), index=True)
    code: str = Field(max_length=30, unique=True)
    title: str = Field(max_length=500)
    position: int = 0
    axis_id: int | None = Field(default=None, foreign_key="axis.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="trackable.id", index=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id", index=True)
    # Lower-cased, accent-free code and title, kept by the model itself (see app.models.events)
    # so that search behaves the same on SQLite and PostgreSQL.
    search_text: str = Field(default="", max_length=600)
    # The folded title, so that sorting by title is the same on SQLite and PostgreSQL.
    title_key: str = Field(default="", max_length=500)
    archived_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)

    # What is tracked (the links to directorates, partners, communes and values are in
    # app.models.tracking).
    status: Status = Field(default=Status.planned, sa_type=StrEnumType(Status), index=True)
    priority: Priority | None = Field(default=None, sa_type=StrEnumType(Priority, 10))
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    description: str = Field(default="", sa_type=Text)
    objectives: str = Field(default="", sa_type=Text)
    lead_directorate_id: int | None = Field(default=None, foreign_key="directorate.id", index=True)
    weight: float = Field(default=1.0, description="Weight when rolling progress up")
    version: int = 1

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned(cls.__table__)  # type: ignore[attr-defined]


class FlagshipAction(SQLModel, table=True):
    """A flagship project serves an action."""

    __tablename__ = "flagship_action"

    flagship_project_id: int = Field(foreign_key="trackable.id", primary_key=True)
    action_id: int = Field(foreign_key="trackable.id", primary_key=True, index=True)


# --- Read models --------------------------------------------------------------------------------


class TrackableRef(SQLModel):
    code: str
    title: str


class TrackingSummary(SQLModel):
    """Where a trackable stands, as shown in lists."""

    status: Status
    status_label: str = Field(description="French label of the status")
    priority: Priority | None
    lead_directorate: str | None = Field(description="Code of the lead directorate")
    progress: float | None = Field(description="Progress (%) of the latest yearly report")
    progress_year: int | None = Field(description="Year of the latest yearly report")
    weight: float = Field(description="Weight when rolling progress up")


class TrackingDetail(SQLModel):
    """Everything tracked on a trackable, beyond the summary."""

    description: str
    objectives: str
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None
    actual_end: date | None
    contributing_directorates: list[str] = Field(description="Codes of contributing directorates")
    partners: list[str] = Field(description="Names of external partners")
    communes: list[str] = Field(description="INSEE codes; empty means the whole territory")
    values: list[str] = Field(description="Codes of the shared values it serves")
    competences: list[str] = Field(
        description="M57 function codes (national schema betagouv/projets-territoire)"
    )
    leviers: list[str] = Field(
        description="Levers of the national ecological planning (SGPE), by name"
    )
    version: int = Field(description="Changes on every write; send it back in If-Match")
    updated_at: datetime


class ActionPublic(TrackingSummary):
    code: str
    title: str
    engagement_code: str
    axis_code: str
    parent_code: str | None = Field(default=None, description="Set on sub-actions only")
    position: int
    archived: bool


class ActionDetail(ActionPublic, TrackingDetail):
    sub_actions: list[TrackableRef]
    flagship_projects: list[TrackableRef] = Field(description="Flagship projects serving it")


class FlagshipProjectPublic(TrackingSummary):
    code: str
    title: str
    engagement_code: str
    position: int
    archived: bool
    actions: list[TrackableRef] = Field(description="Actions it serves")


class FlagshipProjectDetail(FlagshipProjectPublic, TrackingDetail):
    rollup: Rollup


class AxisPublic(AxisBase):
    engagement_code: str
    position: int
    archived: bool


class AxisDetail(AxisPublic):
    actions: list[ActionPublic]
    rollup: Rollup


class EngagementPublic(EngagementBase):
    position: int


class EngagementDetail(EngagementPublic):
    axes: list[AxisPublic]
    flagship_projects: list[FlagshipProjectPublic]
    rollup: Rollup


class ActionNode(SQLModel):
    code: str
    title: str
    status: Status
    progress: float | None
    sub_actions: list["ActionNode"] = []


class AxisNode(SQLModel):
    code: str
    title: str
    rollup: Rollup
    actions: list[ActionNode]


class FlagshipProjectNode(SQLModel):
    code: str
    title: str
    status: Status
    progress: float | None
    rollup: Rollup
    action_codes: list[str]


class EngagementNode(EngagementBase):
    rollup: Rollup
    axes: list[AxisNode]
    flagship_projects: list[FlagshipProjectNode]


class TreePublic(SQLModel):
    """The whole live strategy tree in one response."""

    plan: PlanPublic
    engagements: list[EngagementNode]
