"""Dump: every table, in the order the database stores its rows, to one file."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, Table

from app.models.base import utcnow
from app.tooling.backup.format import FORMAT, VERSION, DigestingWriter, secret_key_bytes
from app.tooling.backup.schema import ProgressCallback, check_revision_is_head, tables
from app.tooling.backup.values import to_json


def _storage_order(connection: Connection, table: Table) -> list[Any]:
    """The order the database keeps a table's rows in: rowid on SQLite, physical order (ctid) on
    PostgreSQL, as pg_dump does. Restored in that order, a table answers even a query without
    ORDER BY in the same order as before. Elsewhere, by primary key."""
    dialect = connection.dialect.name
    if dialect == "sqlite" and table.kwargs.get("sqlite_with_rowid", True):
        return [sa.literal_column("rowid")]
    if dialect == "postgresql":
        return [sa.literal_column("ctid")]
    return list(table.primary_key.columns) or list(table.columns)


def _rows(connection: Connection, table: Table) -> Iterator[list[Any]]:
    columns = list(table.columns)
    query = sa.select(*columns).order_by(*_storage_order(connection, table))
    for row in connection.execute(query):
        yield [to_json(column, value) for column, value in zip(columns, row, strict=True)]


def _write_table(out: DigestingWriter, connection: Connection, table: Table) -> int:
    columns = [column.name for column in table.columns]
    out.write(f'{json.dumps(table.name)}: {{"columns": {json.dumps(columns)}, "rows": [')
    count = 0
    for row in _rows(connection, table):
        out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]}" if count else "]}")
    return count


def dump(
    *,
    engine: Engine,
    path: Path,
    key: SecretStr | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write every table to ``path`` (replaced atomically, readable by its owner only) from one
    consistent snapshot of the database, with its SHA-256 and, given a ``key``, its HMAC-SHA256;
    returns the number of rows of each table."""
    key_bytes = secret_key_bytes(key)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for all tables, even while the API keeps writing.
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            revision = MigrationContext.configure(connection).get_current_revision()
            check_revision_is_head(revision)
            partial = path.with_name(f".{path.name}.partial")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            counts: dict[str, int] = {}
            try:
                with open(descriptor, "wb") as file:
                    out = DigestingWriter(file, key_bytes)
                    header = {
                        "format": FORMAT,
                        "version": VERSION,
                        "schema_revision": revision,
                        "created_at": utcnow().isoformat(),
                    }
                    out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": {\n')
                    for index, table in enumerate(tables()):
                        if index:
                            out.write(",\n")
                        counts[table.name] = _write_table(out, connection, table)
                        if progress is not None:
                            progress(table.name, counts[table.name])
                    out.write("\n},\n")
                    file.write(out.trailer())
                os.replace(partial, path)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
    return counts
