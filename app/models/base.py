"""Shared pieces of the data model."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String
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
