"""The seed file's schema: the plan as ``seed/plan.yaml`` writes it, and a commune of the CSV."""

from collections.abc import Iterator
from datetime import date
from typing import ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models import (
    Direction,
)


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Code = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
Text = Field(min_length=1)

_Bound = TypeVar("_Bound", int, date)


def _in_order(first: _Bound, last: _Bound, *, start: str, end: str) -> None:
    """Refuse a period that ends before it starts (``end`` and ``start`` name the fields)."""
    if last < first:
        raise ValueError(f"{end} is before {start}")


class _Period(_Node):
    """A node with a period, whose fields ``period`` names (start, end): it may not end before
    it starts."""

    period: ClassVar[tuple[str, str]]

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        start, end = self.period
        _in_order(getattr(self, start), getattr(self, end), start=start, end=end)
        return self


class SeedPlan(_Period):
    period = ("start_year", "end_year")

    title: str = Text
    subtitle: str = ""
    organisation: str = Text
    organisation_acronym: str = Text
    siren: str = Field(pattern=r"^\d{9}$")
    start_year: int
    end_year: int
    adopted_on: date
    adopted_by: str = Text
    purpose: str = Text
    source: str = ""


class _Titled(_Node):
    """A node of the plan: its code and its title."""

    code: str = Code
    title: str = Text


class _Quoted(_Titled):
    """A node of the plan with the quote that goes with it."""

    quote: str = ""
    quote_author: str = ""


class SeedAmbition(_Quoted):
    """One of the two cross-cutting ambitions."""


class SeedValue(_Titled):
    """One of the shared values."""


class SeedKeyPoint(_Node):
    code: str = Code
    text: str = Text


class SeedChronologyStep(_Period):
    period = ("starts_on", "ends_on")

    code: str = Code
    starts_on: date
    ends_on: date
    date_label: str = Text
    title: str = Text


class SeedSubAction(_Titled):
    """A sub-action, under an action."""


class SeedAction(_Titled):
    sub_actions: list[SeedSubAction] = []


class SeedAxis(_Titled):
    actions: list[SeedAction] = []


class SeedFlagshipProject(_Titled):
    actions: list[str] = Field(default=[], description="codes of the actions it serves")


class SeedEngagement(_Quoted):
    axes: list[SeedAxis] = []
    flagship_projects: list[SeedFlagshipProject] = []


class SeedYearValue(_Node):
    year: int = Field(ge=1990, le=2100)
    value: float


class SeedIndicator(_Node):
    code: str = Code
    name: str = Text
    description: str = ""
    unit: str = ""
    decimals: int = Field(default=0, ge=0, le=6)
    direction: Direction
    source: str = ""
    method: str = ""
    update_frequency: str = ""
    baseline: SeedYearValue | None = None
    targets: list[SeedYearValue] = []
    measures: list[str] = Field(default=[], description="codes of the nodes it measures")


class SeedDirectorate(_Node):
    code: str = Code
    name: str = Text


class SeedDocument(_Node):
    plan: SeedPlan
    ambitions: list[SeedAmbition] = []
    values: list[SeedValue] = []
    diagnostic: list[SeedKeyPoint] = []
    prospective: list[SeedKeyPoint] = []
    chronology: list[SeedChronologyStep] = []
    engagements: list[SeedEngagement] = []
    indicators: list[SeedIndicator] = []
    directorates: list[SeedDirectorate] | None = []

    def actions(self) -> Iterator[tuple[SeedAxis, SeedAction]]:
        for engagement in self.engagements:
            for axis in engagement.axes:
                for action in axis.actions:
                    yield axis, action


class SeedCommune(_Node):
    insee_code: str = Field(pattern=r"^\d[\dAB]\d{3}$")
    name: str = Text
    population: int = Field(ge=0)
    siren: str | None = Field(default=None, pattern=r"^\d{9}$")
