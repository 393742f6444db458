"""The yearly reporting campaign: the campaign of a year, the reports waiting to be published,
the frozen snapshot of a closed campaign, and the reminders already sent.

``progress_report`` (app.models.tracking) holds the **published** yearly reports only: every
public reader (pages, API, roll-ups, open data) reads it and nothing else. A report being written
lives in ``pending_report`` until an admin validates it, which publishes it into
``progress_report`` and deletes the pending row. A trackable's state for a year is then:

- ``draft`` / ``submitted`` / ``sent_back``: its pending report's;
- ``validated``: no pending report, a published report of the year;
- ``to_do``: neither.
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import JSON, CheckConstraint, Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from app.models.accounts import UNREVISED
from app.models.base import LabelledEnum, StrEnumType, UtcDateTime, utcnow, versioned
from app.models.indicators import Measure
from app.models.inputs import FiniteNumber, IsoDate, StrictInput
from app.models.tracking import FIRST_YEAR, LAST_YEAR, Euros, LongText, PlanDate, Status

#: The audit trail's ``entity`` of a campaign (open, change, close) and of a pending report (each
#: step: saved, submitted, sent back; its validation is the write of the published report).
CAMPAIGN_ENTITY = "campaign"
PENDING_REPORT_ENTITY = "pending_report"


class ReportState(LabelledEnum):
    """Where a trackable's report of a year stands."""

    to_do = "to_do", "À faire"
    draft = "draft", "Brouillon"
    submitted = "submitted", "Transmis"
    sent_back = "sent_back", "Renvoyé pour correction"
    validated = "validated", "Validé"


#: The states a pending report may be in.
PENDING_STATES = (ReportState.draft, ReportState.submitted, ReportState.sent_back)


class Campaign(SQLModel, table=True):
    """The reporting campaign of a year: open from ``opened_at`` to ``closed_at``. At most one
    campaign is open at a time (app.campaigns.campaigns.open)."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    deadline: date
    message: str = Field(default="", sa_type=Text)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    opened_by: str = Field(max_length=254)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_by: str | None = Field(default=None, max_length=254)
    version: int = 1

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned(cls.__table__)  # type: ignore[attr-defined]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PendingReport(SQLModel, table=True):
    """A yearly report not yet published: a draft, submitted, or sent back with a comment. Its
    milestones and indicator values are published with it: ``milestones`` lists
    ``{"id": int | None, "title", "planned_on", "achieved_on", "done"}`` (an id: a change of that
    milestone; none: a new one), ``indicator_values`` ``{indicator code: value}``."""

    __tablename__ = "pending_report"
    __table_args__ = (
        UniqueConstraint("trackable_id", "year"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trackable_id: int = Field(foreign_key="trackable.id", index=True)
    year: int = Field(index=True)
    state: ReportState = Field(sa_type=StrEnumType(ReportState))
    progress: float
    status: Status = Field(sa_type=StrEnumType(Status))
    comment: str = Field(default="", sa_type=Text)
    budget_planned_investment: float | None = None
    budget_planned_operating: float | None = None
    budget_spent_investment: float | None = None
    budget_spent_operating: float | None = None
    milestones: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    indicator_values: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    saved_by: str = Field(max_length=254)
    saved_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    submitted_by: str | None = Field(default=None, max_length=254)
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    #: Why an admin sent it back (kept until it is submitted again).
    review_comment: str = Field(default="", sa_type=Text)
    reviewed_by: str | None = Field(default=None, max_length=254)
    reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    version: int = 1

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned(cls.__table__)  # type: ignore[attr-defined]


class CampaignSnapshot(SQLModel, table=True):
    """A published report as it stood when its year's campaign closed; never changed after."""

    __tablename__ = "campaign_snapshot"
    __table_args__ = (UniqueConstraint("year", "trackable_id"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    trackable_id: int = Field(foreign_key="trackable.id")
    trackable_code: str = Field(max_length=30)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=500)
    lead_directorate: str | None = Field(default=None, max_length=30)
    progress: float
    status: Status = Field(sa_type=StrEnumType(Status))
    comment: str = Field(default="", sa_type=Text)
    budget_planned_investment: float | None = None
    budget_planned_operating: float | None = None
    budget_spent_investment: float | None = None
    budget_spent_operating: float | None = None
    reported_at: datetime = Field(sa_type=UtcDateTime)
    frozen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ReminderKind(LabelledEnum):
    opening = "opening", "Ouverture de la campagne"
    deadline = "deadline", "Échéance proche"
    sent_back = "sent_back", "Bilan renvoyé"


class SentReminder(SQLModel, table=True):
    """A reminder mailed, so that it is never mailed twice: ``subject`` is what it is about (a
    directorate's code, or a pending report "CODE/YEAR#reviewed-at")."""

    __tablename__ = "sent_reminder"
    __table_args__ = (UniqueConstraint("year", "kind", "subject", "email"), UNREVISED)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    kind: ReminderKind = Field(sa_type=StrEnumType(ReminderKind))
    subject: str = Field(max_length=100)
    email: str = Field(max_length=254)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


# --- Input and read models ----------------------------------------------------------------------


class CampaignOpen(StrictInput):
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="The year reported on")
    deadline: IsoDate = Field(description="Last day to submit, YYYY-MM-DD")
    message: LongText = Field(default="", description="To the directorates, shown and mailed")


class CampaignUpdate(StrictInput):
    deadline: IsoDate | None = None
    message: LongText | None = None


class StateCount(SQLModel):
    state: ReportState
    label: str
    count: int


class DirectorateProgress(SQLModel):
    """Where one lead directorate stands in a campaign."""

    code: str | None = Field(description="null: no lead directorate yet")
    name: str
    expected: int
    states: list[StateCount]


class CampaignPublic(SQLModel):
    year: int
    deadline: date
    message: str
    open: bool
    opened_at: datetime
    closed_at: datetime | None
    expected: int = Field(description="Live trackables expected to report")
    states: list[StateCount]
    directorates: list[DirectorateProgress]
    version: int


class MilestoneDraft(StrictInput):
    """A milestone as a pending report carries it: ``id`` an existing one to change, none a new
    one."""

    id: int | None = Field(default=None, ge=1)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    planned_on: PlanDate | None = None
    achieved_on: PlanDate | None = None
    done: bool = False


IndicatorCode = Annotated[str, StringConstraints(max_length=30)]


class PendingReportInput(StrictInput):
    """A report being written: saved as a draft, or submitted (``submit``)."""

    progress: FiniteNumber = Field(ge=0, le=100, description="Progress in %, 0 to 100")
    status: Status
    comment: LongText = ""
    budget_planned_investment: Euros | None = None
    budget_planned_operating: Euros | None = None
    budget_spent_investment: Euros | None = None
    budget_spent_operating: Euros | None = None
    milestones: list[MilestoneDraft] = Field(default=[], max_length=200)
    indicator_values: dict[IndicatorCode, Measure] = Field(
        default={}, max_length=200, description="Indicator code: its value for the year"
    )


class PendingReportPublic(SQLModel):
    trackable_code: str
    year: int
    state: ReportState
    state_label: str
    progress: float
    status: Status
    status_label: str
    comment: str
    budget_planned_investment: float | None
    budget_planned_operating: float | None
    budget_spent_investment: float | None
    budget_spent_operating: float | None
    milestones: list[dict[str, Any]]
    indicator_values: dict[str, float]
    saved_by: str
    saved_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    review_comment: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    version: int


class SendBack(StrictInput):
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class SnapshotReport(SQLModel):
    """A published report as its year's campaign froze it."""

    trackable_code: str
    kind: str
    title: str
    lead_directorate: str | None
    progress: float
    status: Status
    status_label: str
    comment: str
    budget_planned_investment: float | None
    budget_planned_operating: float | None
    budget_spent_investment: float | None
    budget_spent_operating: float | None
    reported_at: datetime
    frozen_at: datetime
