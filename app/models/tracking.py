"""What is tracked on every trackable (action or flagship project): status vocabulary, owners,
partners, communes, values, yearly progress reports and milestones.

The status vocabulary is the one French local authorities already use on the national
action-plan platform; machine keys are English, labels French.
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from app.models.base import LabelledEnum, StrEnumType, UtcDateTime, utcnow, versioned
from app.models.inputs import FiniteNumber, Flag, IsoDate, StrictInput, date_within

FIRST_YEAR, LAST_YEAR = 2024, 2044


class Status(LabelledEnum):
    planned = "planned", "À venir"
    in_progress = "in_progress", "En cours"
    completed = "completed", "Réalisé"
    paused = "paused", "En pause"
    delayed = "delayed", "En retard"
    blocked = "blocked", "Bloqué"
    abandoned = "abandoned", "Abandonné"
    to_discuss = "to_discuss", "À discuter"


class Priority(LabelledEnum):
    high = "high", "Haute"
    medium = "medium", "Moyenne"
    low = "low", "Basse"


class TrackableDirectorate(SQLModel, table=True):
    """A directorate contributing to a trackable (the lead is on the trackable itself)."""

    __tablename__ = "trackable_directorate"

    trackable_id: int = Field(foreign_key="trackable.id", primary_key=True)
    directorate_id: int = Field(foreign_key="directorate.id", primary_key=True, index=True)


class Partner(SQLModel, table=True):
    """An external partner organisation (Région, Département, État, ADEME, a commune's services…),
    kept by name."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)


class TrackablePartner(SQLModel, table=True):
    __tablename__ = "trackable_partner"

    trackable_id: int = Field(foreign_key="trackable.id", primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", primary_key=True, index=True)


class TrackableCommune(SQLModel, table=True):
    """A commune a trackable concerns; none at all means the whole territory."""

    __tablename__ = "trackable_commune"

    trackable_id: int = Field(foreign_key="trackable.id", primary_key=True)
    insee_code: str = Field(foreign_key="commune.insee_code", primary_key=True, index=True)


class TrackableValue(SQLModel, table=True):
    """A shared value of the plan that a trackable serves."""

    __tablename__ = "trackable_value"

    trackable_id: int = Field(foreign_key="trackable.id", primary_key=True)
    value_id: int = Field(foreign_key="plan_value.id", primary_key=True, index=True)


class TrackableCompetence(SQLModel, table=True):
    """An M57 function code (national schema betagouv/projets-territoire, ``competences``) of a
    trackable; the allowed codes are in app/reference/data/competences-m57-2025.csv."""

    __tablename__ = "trackable_competence"

    trackable_id: int = Field(foreign_key="trackable.id", primary_key=True)
    code: str = Field(max_length=10, primary_key=True)


class TrackableLever(SQLModel, table=True):
    """A lever of the national ecological planning (SGPE; national schema ``leviers``) a
    trackable acts on, by its name in app/reference/data/leviers-sgpe-2025-03.csv."""

    __tablename__ = "trackable_lever"

    trackable_id: int = Field(foreign_key="trackable.id", primary_key=True)
    name: str = Field(max_length=200, primary_key=True)


class ProgressReport(SQLModel, table=True):
    """One report per trackable and year: how far it went, at what cost, in whose words."""

    __tablename__ = "progress_report"
    __table_args__ = (
        UniqueConstraint("trackable_id", "year"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trackable_id: int = Field(foreign_key="trackable.id", index=True)
    year: int
    progress: float
    status: Status = Field(sa_type=StrEnumType(Status))
    comment: str = Field(default="", sa_type=Text)
    budget_planned_investment: float | None = None
    budget_planned_operating: float | None = None
    budget_spent_investment: float | None = None
    budget_spent_operating: float | None = None
    reported_by: str = Field(max_length=100)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    version: int = 1

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned(cls.__table__)  # type: ignore[attr-defined]


class Milestone(SQLModel, table=True):
    """A dated step of a trackable."""

    id: int | None = Field(default=None, primary_key=True)
    trackable_id: int = Field(foreign_key="trackable.id", index=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    planned_on: date | None = None
    achieved_on: date | None = None
    done: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    version: int = 1

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned(cls.__table__)  # type: ignore[attr-defined]


# --- Input and read models ----------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: An INSEE commune code (ASCII digits: ``\d`` would also take other scripts' digits).
INSEE_PATTERN = r"^[0-9][0-9AB][0-9]{3}$"
InseeCode = Annotated[str, StringConstraints(pattern=INSEE_PATTERN)]
NodeCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$")
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
#: An M57 function code ("90-21"), checked against the national list by the write.
CompetenceCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{2}-[0-9]{1,4}$")
]
#: A lever's name as the national list writes it, checked against the list by the write.
LeverName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]

#: Milestones fall within the plan's period.
PLAN_START, PLAN_END = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
PlanDate = Annotated[IsoDate, date_within(PLAN_START, PLAN_END)]
#: An action's planned and actual dates may run past the plan's period (work begun before it was
#: adopted, or planned beyond 2044), within a window where a date is still surely not a typo.
TRACKING_START, TRACKING_END = date(2000, 1, 1), date(2060, 12, 31)
TrackingDate = Annotated[IsoDate, date_within(TRACKING_START, TRACKING_END)]
_TRACKING_DATE = f"YYYY-MM-DD, {TRACKING_START} to {TRACKING_END}"
_PLAN_DATE = f"YYYY-MM-DD, {PLAN_START} to {PLAN_END}"


def token_name(whose: str) -> Any:
    """The name of the token that wrote something (``whose``: "that reported it"), which only
    authenticated callers are shown."""
    return Field(description=f"Name of the token {whose}; shown to authenticated callers only")


def replacing_list(max_length: int, description: str | None = None) -> Any:
    """A list a write may send, of at most ``max_length`` items: sent, it replaces the current
    one; left out, the current one stays."""
    return Field(default=None, max_length=max_length, description=description)


class TrackingInput(StrictInput):
    """Tracking fields, all optional: on update, only the fields sent are changed."""

    status: Status | None = None
    priority: Priority | None = None
    planned_start: TrackingDate | None = Field(default=None, description=_TRACKING_DATE)
    planned_end: TrackingDate | None = Field(default=None, description=_TRACKING_DATE)
    actual_start: TrackingDate | None = Field(default=None, description=_TRACKING_DATE)
    actual_end: TrackingDate | None = Field(default=None, description=_TRACKING_DATE)
    description: LongText | None = None
    objectives: LongText | None = None
    lead_directorate: NodeCode | None = Field(
        default=None, description="Code of the lead directorate (admin only)"
    )
    contributing_directorates: list[NodeCode] | None = replacing_list(100)
    partners: list[Name] | None = replacing_list(100, "Partner names; unknown ones are added")
    communes: list[InseeCode] | None = replacing_list(
        47, "INSEE codes; empty = the whole territory"
    )
    values: list[NodeCode] | None = replacing_list(20, "Codes of the shared values served (V1…V5)")
    weight: FiniteNumber | None = Field(
        default=None, gt=0, le=1000, description="More than 0, at most 1000 (admin only)"
    )
    competences: list[CompetenceCode] | None = replacing_list(
        200,
        "M57 function codes (national schema betagouv/projets-territoire, competences-m57-2025); "
        "empty = none (admin only)",
    )
    leviers: list[LeverName] | None = replacing_list(
        50,
        "Levers of the national ecological planning (SGPE, leviers-sgpe-2025-03), by name; "
        "empty = none (admin only)",
    )


class ActionCreate(TrackingInput):
    code: NodeCode | None = Field(default=None, description="Default: the next free code")
    title: Title
    axis: NodeCode | None = Field(default=None, description="Axis code, for an action")
    parent: NodeCode | None = Field(default=None, description="Action code, for a sub-action")


class ActionUpdate(TrackingInput):
    title: Title | None = None
    axis: NodeCode | None = Field(default=None, description="Move to this axis (admin only)")
    parent: NodeCode | None = Field(
        default=None, description="Make it a sub-action of this action; null: top level (admin)"
    )
    archived: Flag | None = Field(default=None, description="Archive or restore (admin only)")


class FlagshipProjectCreate(TrackingInput):
    code: NodeCode | None = Field(default=None, description="Default: the next free PP code")
    title: Title
    engagement: NodeCode
    actions: list[NodeCode] = Field(default=[], max_length=500, description="Actions it serves")


class FlagshipProjectUpdate(TrackingInput):
    title: Title | None = None
    engagement: NodeCode | None = Field(default=None, description="(admin only)")
    actions: list[NodeCode] | None = replacing_list(500, "Actions it serves (admin only)")
    archived: Flag | None = Field(default=None, description="Archive or restore (admin only)")


#: An amount in euros: a JSON number from 0 to a thousand billion.
Euros = Annotated[FiniteNumber, PydanticField(ge=0, le=1e12)]


class ProgressReportInput(StrictInput):
    progress: FiniteNumber = Field(ge=0, le=100, description="Progress in %, 0 to 100")
    status: Status | None = Field(default=None, description="Default: the trackable's status")
    comment: LongText = ""
    budget_planned_investment: Euros | None = None
    budget_planned_operating: Euros | None = None
    budget_spent_investment: Euros | None = None
    budget_spent_operating: Euros | None = None


class ProgressReportUpdate(StrictInput):
    """A partial change of a yearly report (PATCH): only the fields sent change. ``progress``,
    ``status`` and ``comment`` always have a value (null is refused); a budget sent as null is
    cleared."""

    progress: FiniteNumber | None = Field(
        default=None, ge=0, le=100, description="Progress in %, 0 to 100"
    )
    status: Status | None = None
    comment: LongText | None = None
    budget_planned_investment: Euros | None = None
    budget_planned_operating: Euros | None = None
    budget_spent_investment: Euros | None = None
    budget_spent_operating: Euros | None = None


class ProgressReportPublic(SQLModel):
    year: int
    progress: float
    status: Status
    status_label: str
    comment: str
    budget_planned: float | None = Field(description="Investment + operating, euros")
    budget_planned_investment: float | None
    budget_planned_operating: float | None
    budget_spent: float | None = Field(description="Investment + operating, euros")
    budget_spent_investment: float | None
    budget_spent_operating: float | None
    reported_by: str | None = token_name("that reported it")
    reported_at: datetime
    version: int


MilestoneTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]


class MilestoneInput(StrictInput):
    title: MilestoneTitle
    description: LongText = ""
    planned_on: PlanDate | None = Field(default=None, description=_PLAN_DATE)
    achieved_on: PlanDate | None = Field(default=None, description=_PLAN_DATE)
    done: Flag = False


class MilestoneUpdate(StrictInput):
    title: MilestoneTitle | None = None
    description: LongText | None = None
    planned_on: PlanDate | None = Field(default=None, description=_PLAN_DATE)
    achieved_on: PlanDate | None = Field(default=None, description=_PLAN_DATE)
    done: Flag | None = None


class MilestonePublic(SQLModel):
    id: int
    trackable_code: str
    title: str
    description: str
    planned_on: date | None
    achieved_on: date | None
    done: bool
    version: int


class HistoryEntry(SQLModel):
    at: datetime
    actor: str | None = Field(description="Token name; shown to authenticated callers only")
    actor_role: str
    actor_directorates: list[str]
    entity: str
    entity_key: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
