"""The plan itself: metadata, finalité, ambitions, values, key points and chronology.

There is one plan per database. Ambitions are cross-cutting: they belong to the plan, not to an
engagement.
"""

from datetime import date
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.base import StrEnumType
from app.models.indicators import Rollup


class PlanBase(SQLModel):
    title: str = Field(max_length=200)
    subtitle: str = Field(default="", max_length=200)
    organisation: str = Field(max_length=200)
    organisation_acronym: str = Field(max_length=20)
    siren: str = Field(max_length=9, description="SIREN number of the organisation")
    start_year: int
    end_year: int
    adopted_on: date
    adopted_by: str = Field(max_length=200)
    purpose: str = Field(description="The finalité: what the whole plan serves")
    source: str = Field(default="", description="The document the plan was transcribed from")


class Plan(PlanBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class AmbitionBase(SQLModel):
    code: str = Field(max_length=20, unique=True)
    title: str = Field(max_length=300)
    quote: str = ""
    quote_author: str = Field(default="", max_length=200)


class PlanValueBase(SQLModel):
    code: str = Field(max_length=20, unique=True)
    title: str = Field(max_length=300)


class Ambition(AmbitionBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    position: int = 0


class PlanValue(PlanValueBase, table=True):
    """One of the shared values that carry the plan (valeurs partagées)."""

    __tablename__ = "plan_value"

    id: int | None = Field(default=None, primary_key=True)
    position: int = 0


class KeyPointKind(StrEnum):
    diagnostic = "diagnostic"
    prospective = "prospective"


class KeyPointBase(SQLModel):
    code: str = Field(max_length=20, unique=True)
    text: str


class KeyPoint(KeyPointBase, table=True):
    """A key point of the diagnostic or of the prospective that the plan answers."""

    __tablename__ = "key_point"

    id: int | None = Field(default=None, primary_key=True)
    kind: KeyPointKind = Field(sa_type=StrEnumType(KeyPointKind))
    position: int = 0


class ChronologyStepBase(SQLModel):
    code: str = Field(max_length=20, unique=True)
    starts_on: date
    ends_on: date
    date_label: str = Field(max_length=100, description="The date as the document words it")
    title: str


class ChronologyStep(ChronologyStepBase, table=True):
    """A dated step of how the plan was made (2022-2023)."""

    __tablename__ = "chronology_step"

    id: int | None = Field(default=None, primary_key=True)
    position: int = 0


# --- Read models --------------------------------------------------------------------------------


class AmbitionPublic(AmbitionBase):
    pass


class PlanValuePublic(PlanValueBase):
    pass


class KeyPointPublic(KeyPointBase):
    pass


class ChronologyStepPublic(ChronologyStepBase):
    pass


class PlanPublic(PlanBase):
    """The plan's metadata with everything that frames the strategy tree, and its roll-up."""

    ambitions: list[AmbitionPublic]
    values: list[PlanValuePublic]
    diagnostic: list[KeyPointPublic]
    prospective: list[KeyPointPublic]
    chronology: list[ChronologyStepPublic]
    rollup: Rollup
