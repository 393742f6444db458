"""Values to and from JSON: each column's value as the dump writes it, and back, refusing (with a
message for people) a value its column cannot take."""

import base64
import json
import math
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.models.base import StrEnumType
from app.tooling.backup.errors import BackupError
from app.tooling.backup.schema import base_type, is_secret

#: The bits of each SQLAlchemy integer type, as PostgreSQL stores it (subclasses first).
_INTEGER_RANGES: tuple[tuple[type[sa.Integer], int], ...] = (
    (sa.SmallInteger, 16),
    (sa.BigInteger, 64),
    (sa.Integer, 32),
)
_SHOWN_LENGTH = 40


def _enum_values(column: sa.Column[Any]) -> list[str] | None:
    """The values an enum column takes (StrEnumType or sa.Enum), None for any other column."""
    column_type: TypeEngine[Any] = column.type
    while True:
        if isinstance(column_type, StrEnumType):
            enum: type[StrEnum] = column_type.enum
            return [member.value for member in enum]
        if isinstance(column_type, sa.Enum):
            return list(column_type.enums)
        if not isinstance(column_type, TypeDecorator):
            return None
        column_type = column_type.impl_instance


def to_json(column: sa.Column[Any], value: Any) -> Any:
    if value is None or isinstance(base_type(column), sa.JSON):
        return value
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo is not None else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str):
        return str(value)  # a StrEnum member as its plain value
    if isinstance(value, bool | int | float):
        return value
    raise BackupError(
        f"cannot dump {column.table.name}.{column.name}: values of type "
        f"{type(value).__name__} are not supported"
    )


class InvalidValueError(ValueError):
    """A value its column cannot take; the message says why in words meant for people."""


def shown_value(value: Any, *, secret: bool) -> str:
    """A value as a message shows it: as JSON, truncated; a secret column's never."""
    if secret:
        return "the value (hidden: secret column)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def parser(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """How to turn a JSON value (not null) of ``column`` back into what its type binds; raises
    InvalidValueError, with a message naming the value (unless secret), for a value the column
    cannot take."""
    base = base_type(column)
    secret = is_secret(column)

    def invalid(value: Any, problem: str) -> InvalidValueError:
        return InvalidValueError(f"{shown_value(value, secret=secret)} {problem}")

    def expect(kind: type | tuple[type, ...], value: Any, what: str) -> Any:
        # bool is an int in Python, but never a valid integer or float value here.
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise invalid(value, f"is {_kind_of(value)}, not {what}")
        return value

    def parsed_with(parse: Callable[[str], Any], what: str) -> Callable[[Any], Any]:
        def parse_text(value: Any) -> Any:
            text = expect(str, value, what)
            try:
                return parse(text)
            except (ValueError, TypeError, InvalidOperation):
                raise invalid(value, f"is not {what}") from None

        return parse_text

    if isinstance(base, sa.JSON):
        return lambda value: value
    if isinstance(base, sa.DateTime):
        aware = bool(base.timezone)

        def parse_datetime(text: str) -> datetime:
            parsed = datetime.fromisoformat(text)
            # SQLite keeps no time zone: its naive values are UTC, as the application writes them.
            return parsed.replace(tzinfo=UTC) if aware and parsed.tzinfo is None else parsed

        return parsed_with(parse_datetime, "a date and time (ISO 8601)")
    if isinstance(base, sa.Date):
        return parsed_with(date.fromisoformat, "a date (YYYY-MM-DD)")
    if isinstance(base, sa.Time):
        return parsed_with(time.fromisoformat, "a time (HH:MM:SS)")
    if isinstance(base, sa.Boolean):
        return lambda value: expect(bool, value, "true or false")
    if isinstance(base, sa.Float):

        def parse_float(value: Any) -> float:
            try:
                number = float(expect((int, float), value, "a number"))
            except OverflowError:  # an integer too large for a float
                raise invalid(value, "is not a finite number") from None
            if not math.isfinite(number):
                raise invalid(value, "is not a finite number")
            return number

        return parse_float
    if isinstance(base, sa.Numeric):

        def parse_decimal(value: Any) -> Decimal:
            try:
                number = Decimal(expect((str, int), value, "a decimal number"))
            except InvalidOperation:
                raise invalid(value, "is not a decimal number") from None
            if not number.is_finite():
                raise invalid(value, "is not a finite number")
            return number

        return parse_decimal
    if isinstance(base, sa.Integer):
        bits = next(bits for kind, bits in _INTEGER_RANGES if isinstance(base, kind))
        lowest, highest = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

        def parse_integer(value: Any) -> int:
            number: int = expect(int, value, "an integer")
            if not lowest <= number <= highest:
                raise invalid(value, f"does not fit the column ({bits}-bit integers)")
            return number

        return parse_integer
    if isinstance(base, sa.String):
        length, choices = base.length, _enum_values(column)

        def parse_string(value: Any) -> str:
            text: str = expect(str, value, "text")
            if choices is not None and text not in choices:
                raise invalid(value, f"is not one of the column's values ({', '.join(choices)})")
            if length is not None and len(text) > length:
                # The value itself is not shown: too long to be of any help.
                raise InvalidValueError(
                    f"a text of {len(text)} characters, longer than the {length} the column holds"
                )
            if "\x00" in text:
                raise invalid(value, "contains a NUL character, which PostgreSQL cannot store")
            return text

        return parse_string
    if isinstance(base, sa.LargeBinary):
        return parsed_with(lambda text: base64.b64decode(text, validate=True), "base64 data")
    if isinstance(base, sa.Uuid):
        as_uuid = bool(base.as_uuid)

        def parse_uuid(text: str) -> uuid.UUID | str:
            parsed = uuid.UUID(text)
            return parsed if as_uuid else text

        return parsed_with(parse_uuid, "a UUID")
    raise BackupError(
        f"cannot restore {column.table.name}.{column.name}: its type {base!r} is not supported"
    )
