"""What a dump covers: the models' tables, those the migrations fill, the secret columns, the
type each column stores, and the schema revision a dump or restore expects."""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app.core import migrations
from app.tooling.backup.errors import BackupError

#: Columns whose values a message never shows: the tokens' hashes, and the tokens' first
#: characters (a part of the token itself). A table can also say so with ``info={"secret": True}``
#: on a column.
SECRET_COLUMNS = frozenset({"api_token.token_hash", "api_token.prefix"})

#: Tables the migrations themselves fill (the revision counter's single row): they do not make a
#: database "not empty", and a restore replaces their rows with the dump's. A table can also say
#: so itself with ``info={"seeded_by_migrations": True}``.
SEEDED_BY_MIGRATIONS = frozenset({"revision"})

#: Called with each table's name and row count as the table is written or loaded.
ProgressCallback = Callable[[str, int], None]


def tables() -> list[Table]:
    """Every table of the models, parents before children (the order of a restore)."""
    return list(SQLModel.metadata.sorted_tables)


def seeded_by_migrations(table: Table) -> bool:
    return bool(table.info.get("seeded_by_migrations", table.name in SEEDED_BY_MIGRATIONS))


def is_secret(column: sa.Column[Any]) -> bool:
    return bool(column.info.get("secret", f"{column.table.name}.{column.name}" in SECRET_COLUMNS))


def base_type(column: sa.Column[Any]) -> TypeEngine[Any]:
    """The type a column stores, beneath any TypeDecorator (StrEnumType stores a String)."""
    column_type: TypeEngine[Any] = column.type
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type


def check_revision_is_head(revision: str | None) -> None:
    head = migrations.head_revision()
    if revision != head:
        raise BackupError(
            f"the database is at schema revision {revision or 'none'}, this version of Boussole "
            f"expects {head}: run `boussole db upgrade` first"
        )
