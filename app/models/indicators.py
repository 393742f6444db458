"""Indicators: what measures the plan, with a baseline, targets and yearly values (optionally per
commune), and the trajectory computed from them."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import LabelledEnum, StrEnumType, UtcDateTime, utcnow
from app.models.inputs import MAX_MAGNITUDE, FiniteNumber, StrictInput, WholeNumber
from app.models.tracking import (
    FIRST_YEAR,
    LAST_YEAR,
    LongText,
    NodeCode,
    Status,
    Title,
    replacing_list,
    token_name,
)

#: A baseline may be older than the plan (the last known value before it, e.g. 2019); values and
#: targets are years of the plan.
BASELINE_MIN_YEAR = 1990


class Direction(StrEnum):
    increase = "increase"
    decrease = "decrease"
    maintain = "maintain"


class ValueStatus(StrEnum):
    provisional = "provisional"
    final = "final"


class Trajectory(LabelledEnum):
    target_achieved = "target_achieved", "Cible atteinte"
    on_track = "on_track", "En bonne voie"
    acceleration_needed = "acceleration_needed", "Accélération nécessaire"
    limited_progress = "limited_progress", "Progrès limités"
    deterioration = "deterioration", "Dégradation"
    no_data = "no_data", "Données insuffisantes"


class Indicator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    unit: str = Field(default="", max_length=30)
    decimals: int = 0
    direction: Direction = Field(sa_type=StrEnumType(Direction, 10))
    source: str = Field(default="", max_length=300, description="Producer of the data")
    method: str = Field(default="", sa_type=Text, description="How it is computed")
    update_frequency: str = Field(default="", max_length=50)
    lead_directorate_id: int | None = Field(default=None, foreign_key="directorate.id", index=True)
    baseline_year: int | None = None
    baseline_value: float | None = None
    search_text: str = Field(default="", max_length=400)  # see app.models.events
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class IndicatorTarget(SQLModel, table=True):
    __tablename__ = "indicator_target"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    year: int
    value: float


class IndicatorValue(SQLModel, table=True):
    """A yearly value, for the whole territory (``commune`` empty) or one commune."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("indicator_id", "year", "commune"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    year: int
    # "" = the whole territory (a real value, so that the unique constraint holds on every
    # database); otherwise an INSEE code, checked against the communes by the service.
    commune: str = Field(default="", max_length=5)
    value: float
    status: ValueStatus = Field(default=ValueStatus.final, sa_type=StrEnumType(ValueStatus, 12))
    comment: str = Field(default="", sa_type=Text)
    source: str = Field(default="", max_length=300)
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class IndicatorLink(SQLModel, table=True):
    """What an indicator measures: exactly one of a trackable, an axis or an engagement."""

    __tablename__ = "indicator_link"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN trackable_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN axis_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN engagement_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    trackable_id: int | None = Field(default=None, foreign_key="trackable.id", index=True)
    axis_id: int | None = Field(default=None, foreign_key="axis.id", index=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id", index=True)


# --- Input and read models ----------------------------------------------------------------------

Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)]
#: A measured value: a finite JSON number that a chart, a CSV cell and a spreadsheet hold
#: exactly (see MAX_MAGNITUDE).
Measure = Annotated[FiniteNumber, PydanticField(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
_MEASURE = f"A JSON number, at most {MAX_MAGNITUDE:.0e} in magnitude"


class YearValue(SQLModel):
    """A year's value, as read back (what was stored, whatever rules applied then)."""

    year: int
    value: float


class BaselineInput(StrictInput):
    year: WholeNumber = Field(
        ge=BASELINE_MIN_YEAR, le=LAST_YEAR, description=f"{BASELINE_MIN_YEAR} to {LAST_YEAR}"
    )
    value: Measure = Field(description=_MEASURE)


class TargetInput(StrictInput):
    year: WholeNumber = Field(
        ge=FIRST_YEAR, le=LAST_YEAR, description=f"{FIRST_YEAR} to {LAST_YEAR}"
    )
    value: Measure = Field(description=_MEASURE)


class IndicatorInput(StrictInput):
    name: Title | None = None
    description: LongText | None = None
    unit: Unit | None = None
    decimals: WholeNumber | None = Field(default=None, ge=0, le=6)
    direction: Direction | None = None
    source: Annotated[str, StringConstraints(max_length=300)] | None = None
    method: LongText | None = None
    update_frequency: Annotated[str, StringConstraints(max_length=50)] | None = None
    lead_directorate: NodeCode | None = None
    baseline: BaselineInput | None = Field(default=None, description="null clears it")
    targets: list[TargetInput] | None = replacing_list(50, "Replaces the targets")
    measures: list[NodeCode] | None = replacing_list(
        200,
        "Codes of the engagements, axes, actions or flagship projects it measures "
        "(replaces the links)",
    )


class IndicatorCreate(IndicatorInput):
    code: NodeCode
    name: Title
    direction: Direction


class IndicatorValueInput(StrictInput):
    value: Measure = Field(description=_MEASURE)
    status: ValueStatus = ValueStatus.final
    comment: LongText = ""
    source: Annotated[str, StringConstraints(max_length=300)] = ""


class IndicatorValuePublic(SQLModel):
    year: int
    commune: str | None = Field(description="INSEE code; null for the whole territory")
    value: float
    status: ValueStatus
    comment: str
    source: str
    recorded_by: str | None = token_name("that recorded it")
    recorded_at: datetime


class TrajectoryPublic(SQLModel):
    """Where the indicator stands against its target, and why."""

    trajectory: Trajectory
    progress_rate: float | None = Field(
        description="(current − baseline) / (target − baseline), in %, bounded to 0–100"
    )
    current_value: float | None
    current_year: int | None
    target_value: float | None
    target_year: int | None
    expected_value: float | None = Field(
        description="Value expected this year on the line from baseline to target"
    )
    expected_year: int
    growth_ratio: float | None = Field(
        description="Observed annual growth / growth needed to reach the target by its year"
    )
    explanation: str


class IndicatorPublic(SQLModel):
    code: str
    name: str
    unit: str
    decimals: int
    direction: Direction
    lead_directorate: str | None
    baseline: YearValue | None
    targets: list[YearValue]
    measures: list[str]
    trajectory: TrajectoryPublic


class IndicatorDetail(IndicatorPublic):
    description: str
    source: str
    method: str
    update_frequency: str
    values: list[IndicatorValuePublic] = Field(description="Whole-territory values, by year")
    commune_values: list[IndicatorValuePublic] = Field(description="Values per commune")


class Rollup(SQLModel):
    """Computed for a node from what it contains."""

    progress: float | None = Field(
        description="Weighted mean of the current progress of its actions (%)"
    )
    status_counts: dict[Status, int]
    trajectory_counts: dict[Trajectory, int]
