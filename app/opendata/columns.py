"""The columns several resources share, each declared once: what identifies a row, a code and what
cites one, a title, a rank, a choice among values (a status), a percentage, a year, an amount in
euros, a date-time."""

from enum import StrEnum
from typing import Any

from app.models import Status
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.opendata.tables import Column, FieldType

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$"
INSEE_PATTERN = r"^\d[\dAB]\d{3}$"
#: Codes separated by a space (the values a trackable serves, what an indicator measures).
CODES_PATTERN = r"^([A-Za-z0-9][A-Za-z0-9._-]*( [A-Za-z0-9][A-Za-z0-9._-]*)*)?$"
#: The years an indicator's reference, targets and values may fall in.
INDICATOR_FIRST_YEAR = 1990
INDICATOR_LAST_YEAR = 2100

TITLE = Column(name="title", type="string", description="Intitulé", required=True)
NAME = Column(name="name", type="string", description="Nom", required=True)
DESCRIPTION = Column(name="description", type="string", description="Description")
COMMENT = Column(name="comment", type="string", description="Commentaire")
ARCHIVED = Column(name="archived", type="boolean", description="Archivé", required=True)


def identifier(
    name: str, description: str, kind: FieldType = "string", **constraints: Any
) -> Column:
    """The column that identifies a row (of type ``kind``): required and unique."""
    return Column(
        name=name, type=kind, description=description, required=True, unique=True, **constraints
    )


def code_column(description: str) -> Column:
    """The stable code that identifies a row (the primary key)."""
    return identifier("code", description, pattern=CODE_PATTERN)


def code_of(name: str, description: str, *, required: bool = False) -> Column:
    """The code of a row of another resource (or of the same one)."""
    return Column(
        name=name, type="string", description=description, required=required, pattern=CODE_PATTERN
    )


def position_column(description: str) -> Column:
    return Column(
        name="position", type="integer", description=description, required=True, minimum=0
    )


def choice(
    name: str, description: str, values: tuple[str, ...] | type[StrEnum], *, required: bool = False
) -> Column:
    """A text among ``values`` (those of an enumeration: its members' values)."""
    if not isinstance(values, tuple):
        values = tuple(member.value for member in values)
    return Column(name=name, type="string", description=description, required=required, enum=values)


def codes(name: str, description: str) -> Column:
    """Codes separated by a space (the values a trackable serves, what an indicator measures)."""
    return Column(name=name, type="string", description=description, pattern=CODES_PATTERN)


def status_column(description: str) -> Column:
    """A status of an action or flagship project: planned, in_progress…"""
    return choice("status", description, Status, required=True)


def percent(name: str, description: str, *, required: bool = False) -> Column:
    """A percentage, from 0 to 100 (a progress, a progress rate)."""
    return Column(
        name=name, type="number", description=description, required=required, minimum=0, maximum=100
    )


def year(name: str, description: str, first: int, last: int, *, required: bool = False) -> Column:
    return Column(
        name=name,
        type="year",
        description=description,
        required=required,
        minimum=first,
        maximum=last,
    )


def plan_year(name: str, description: str, *, required: bool = False) -> Column:
    """A year of the plan's period (that of a progress report)."""
    return year(name, description, FIRST_YEAR, LAST_YEAR, required=required)


def indicator_year(name: str, description: str, *, required: bool = False) -> Column:
    return year(name, description, INDICATOR_FIRST_YEAR, INDICATOR_LAST_YEAR, required=required)


def euros(name: str, what: str) -> Column:
    return Column(name=name, type="number", description=f"{what} (euros)", minimum=0)


def utc_datetime(name: str, description: str) -> Column:
    """A required date-time, written in UTC."""
    return Column(name=name, type="datetime", description=description, required=True)
