"""Shared pieces of the data model."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

# Deterministic constraint names, so that Alembic migrations can name what they alter or drop.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def versioned(table: Any) -> dict[str, Any]:
    """Mapper arguments for optimistic concurrency: SQLAlchemy updates with
    ``WHERE version = <version read>`` and raises StaleDataError when another writer got there
    first, so no update is ever silently lost. The services bump ``version`` themselves, once
    per write, however many flushes the write takes."""
    return {"version_id_col": table.c.version, "version_id_generator": False}


class LabelledEnum(StrEnum):
    """A text enumeration whose members carry their French label, declared beside their value:
    ``planned = "planned", "À venir"``; ``Status("planned")`` finds the member as usual."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class StrEnumType(TypeDecorator[StrEnum]):
    """A StrEnum stored as plain VARCHAR (no database enum type to migrate), read back as the
    enum member rather than a bare string."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored with its time zone where the database can and always read back as UTC
    (SQLite hands back naive datetimes), so that the API writes the same instant the same way
    on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        return as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return as_utc(value)


def as_utc(value: datetime | None) -> datetime | None:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
