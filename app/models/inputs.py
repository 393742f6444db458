"""Strict input types: what the API (and anything else that builds an input model) accepts is
taken as written, or refused with a 422 naming the field.

Pydantic's lax mode would archive on ``"archived": "yes"``, store ``"progress": true`` as 1.0,
read ``"+2030"`` as a year and ``1704067200`` as a date. These types take JSON booleans as
booleans only, JSON numbers as numbers only (finite ones), dates as ``YYYY-MM-DD`` only and path
or query integers as plain digits only; every write model refuses unknown fields and strings
holding a NUL character or an unpaired surrogate (PostgreSQL cannot store either; SQLite would).
Their refusals are worded in French here (app.core.validation_messages passes them through).
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BeforeValidator,
    Strict,
    StrictBool,
    field_validator,
)
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel
from sqlmodel._compat import SQLModelConfig  # the type SQLModel's own model_config has

from app.core.validation_messages import TEXT_WITH_NUL, TEXT_WITH_SURROGATE

__all__ = [
    "DIGITS_FORMAT",
    "FLAG_FORMAT",
    "MAX_MAGNITUDE",
    "YEAR_FORMAT",
    "FiniteNumber",
    "Flag",
    "IsoDate",
    "StrictInput",
    "WholeNumber",
    "date_within",
    "unstorable_text",
]

#: The largest magnitude of a measured value: every integer up to it is exact in a double, and
#: it prints without an exponent in the CSV (1e15 → 1000000000000000.0).
MAX_MAGNITUDE = 1e15

#: A JSON boolean: ``true`` or ``false``, never ``"yes"``, ``1`` or ``"true"``.
Flag = StrictBool
#: A JSON number (an integer or a decimal), finite: never a boolean, a string, NaN or ±Infinity.
#: Bounds go on each field.
FiniteNumber = Annotated[float, Strict(), AllowInfNan(False)]
#: A JSON integer: never ``2.0``, ``true`` or ``"2"``.
WholeNumber = Annotated[int, Strict()]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_DIGITS = re.compile(r"0|[1-9][0-9]{0,18}")


def _iso_date(value: object) -> object:
    # A date object passes (models built in Python); a string must be the date alone.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError(
        "date_format", "doit être une date écrite AAAA-MM-JJ, par exemple 2030-06-30"
    )


#: A calendar date written ``YYYY-MM-DD`` (not a timestamp, not a datetime). Bounds go on each
#: type built from it, with ``date_within``.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def date_within(first: date, last: date) -> AfterValidator:
    """The bounds of a date type: ``Annotated[IsoDate, date_within(first, last)]``. (Pydantic's
    ``ge``/``le`` would check them too, but write them into the JSON schema as ``ge``/``le``,
    which are not JSON Schema keywords.)"""

    def check(value: date) -> date:
        if not first <= value <= last:
            raise PydanticCustomError(
                "date_range",
                "doit être une date du {first} au {last}",
                {"first": first.isoformat(), "last": last.isoformat()},
            )
        return value

    return AfterValidator(check)


def _four_digits(value: object) -> object:
    # Path and query parameters arrive as text, which lax parsing would read with a sign, leading
    # zeros, spaces, underscores or a ".0"; one year must have one spelling (and one cache entry).
    if isinstance(value, str) and not _YEAR.fullmatch(value):
        raise PydanticCustomError(
            "year_format", "une année s'écrit avec quatre chiffres, par exemple 2030"
        )
    return value


def _plain_digits(value: object) -> object:
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError(
            "int_format", "un nombre entier s'écrit en chiffres seulement, sans zéro en tête"
        )
    return value


#: A year in a path or query is four digits, nothing else: ``Annotated[int, Path(ge=…, le=…),
#: YEAR_FORMAT]``. It goes *after* FastAPI's Path or Query: before it, FastAPI would write the
#: bounds into the OpenAPI schema as ``ge``/``le`` rather than ``minimum``/``maximum``.
YEAR_FORMAT = BeforeValidator(_four_digits)
#: An id, a cursor or a page size in a path or query: digits only, no sign, no leading zero
#: (placed as YEAR_FORMAT is).
DIGITS_FORMAT = BeforeValidator(_plain_digits)


def _true_or_false(value: object) -> object:
    if isinstance(value, str) and value not in ("true", "false"):
        raise PydanticCustomError("bool_format", "doit valoir true ou false")
    return value


#: A boolean in a query string is ``true`` or ``false`` only, not ``yes``, ``on`` or ``1``
#: (placed as YEAR_FORMAT is).
FLAG_FORMAT = BeforeValidator(_true_or_false)


def unstorable_text(value: str) -> str | None:
    """Why ``value`` cannot be stored as text on every database, or None if it can."""
    if "\x00" in value:
        return TEXT_WITH_NUL
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return TEXT_WITH_SURROGATE
    return None


def _check_text(value: Any) -> None:
    """Raise for the first string in ``value`` (a string, or strings in lists and mappings)
    that cannot be stored."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            problem = unstorable_text(item)
            if problem is not None:
                raise PydanticCustomError("string_unstorable", problem)
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())


class StrictInput(SQLModel):
    """Base of every write model: unknown fields are refused (a misspelt ``staus`` must not
    succeed silently), and so is text no database can store, in whatever field it is."""

    model_config = SQLModelConfig(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _check_text(value)
        return value
