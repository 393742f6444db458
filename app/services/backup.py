"""Backup and restore: the whole database as one versioned JSON file.

``dump`` writes every row of every table the models declare (``SQLModel.metadata``, so tables added
later are included without a change here): the plan, the tracking data, the audit trail and the
API tokens' hashes (never the tokens, which are not stored). ``restore`` loads such a file into an
empty database at the same schema revision, in one transaction: all of it or nothing.

The file::

    {"format": "boussole-dump", "version": 1, "schema_revision": "0002",
     "created_at": "2025-03-01T10:00:00+00:00",
     "tables": {"plan": {"columns": ["id", ...], "rows": [[1, ...], ...]}, ...}}

Rows are in the order the database stores them (see ``_storage_order``) and are inserted back in
that order, except that a row referring to another row of its table comes after it. Values are
JSON: dates, times and datetimes in ISO 8601 (datetimes of time-zone-aware columns in UTC), JSON
columns as they are, floats written exactly (shortest round-tripping form), decimals as strings,
binary data in base64. Each column's SQLAlchemy type turns them back into values.
"""

import base64
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app.core import migrations
from app.core.db import SQLITE_BEGIN
from app.models.base import utcnow

FORMAT = "boussole-dump"
VERSION = 1

#: Tables the migrations themselves fill (the revision counter's single row): they do not make a
#: database "not empty", and a restore replaces their rows with the dump's. A table can also say
#: so itself with ``info={"seeded_by_migrations": True}``.
SEEDED_BY_MIGRATIONS = frozenset({"revision"})

#: Called with each table's name and row count as the table is written or loaded.
ProgressCallback = Callable[[str, int], None]


class BackupError(Exception):
    """A dump or a restore refused: the message says why; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def tables() -> list[Table]:
    """Every table of the models, parents before children (the order of a restore)."""
    return list(SQLModel.metadata.sorted_tables)


def seeded_by_migrations(table: Table) -> bool:
    return bool(table.info.get("seeded_by_migrations", table.name in SEEDED_BY_MIGRATIONS))


# --- Values to and from JSON --------------------------------------------------------------------


def _base_type(column: sa.Column[Any]) -> TypeEngine[Any]:
    """The type a column stores, beneath any TypeDecorator (StrEnumType stores a String)."""
    column_type: TypeEngine[Any] = column.type
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type


def _to_json(column: sa.Column[Any], value: Any) -> Any:
    if value is None or isinstance(_base_type(column), sa.JSON):
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


def _expect(kind: type | tuple[type, ...], value: Any) -> Any:
    # bool is an int in Python, but never a valid integer or float value here.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise ValueError(f"expected {_names(kind)}, got {json.dumps(value)[:60]}")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _as_tuple(kind))


def _parse_datetime(value: Any, aware: bool) -> datetime:
    parsed = datetime.fromisoformat(_expect(str, value))
    # SQLite keeps no time zone: its naive values are UTC, as the application writes them.
    return parsed.replace(tzinfo=UTC) if aware and parsed.tzinfo is None else parsed


def _parser(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """How to turn a JSON value of ``column`` back into what its type binds."""
    base = _base_type(column)
    if isinstance(base, sa.JSON):
        return lambda v: v
    if isinstance(base, sa.DateTime):
        aware = bool(base.timezone)
        return lambda v: _parse_datetime(v, aware)
    if isinstance(base, sa.Date):
        return lambda v: date.fromisoformat(_expect(str, v))
    if isinstance(base, sa.Time):
        return lambda v: time.fromisoformat(_expect(str, v))
    if isinstance(base, sa.Boolean):
        return lambda v: _expect(bool, v)
    if isinstance(base, sa.Float):
        return lambda v: float(_expect((int, float), v))
    if isinstance(base, sa.Numeric):
        return lambda v: Decimal(_expect((str, int), v))
    if isinstance(base, sa.Integer):
        return lambda v: _expect(int, v)
    if isinstance(base, sa.String):
        return lambda v: _expect(str, v)
    if isinstance(base, sa.LargeBinary):
        return lambda v: base64.b64decode(_expect(str, v), validate=True)
    if isinstance(base, sa.Uuid):
        as_uuid = bool(base.as_uuid)
        return lambda v: uuid.UUID(_expect(str, v)) if as_uuid else _expect(str, v)
    raise BackupError(
        f"cannot restore {column.table.name}.{column.name}: its type {base!r} is not supported"
    )


# --- Dump ---------------------------------------------------------------------------------------


def _check_revision_is_head(revision: str | None) -> None:
    head = migrations.head_revision()
    if revision != head:
        raise BackupError(
            f"the database is at schema revision {revision or 'none'}, this version of Boussole "
            f"expects {head}: run `boussole db upgrade` first"
        )


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
        yield [_to_json(column, value) for column, value in zip(columns, row, strict=True)]


def _write_table(out: TextIO, connection: Connection, table: Table) -> int:
    columns = [column.name for column in table.columns]
    out.write(f'{json.dumps(table.name)}: {{"columns": {json.dumps(columns)}, "rows": [')
    count = 0
    for row in _rows(connection, table):
        out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]}" if count else "]}")
    return count


def dump(engine: Engine, path: Path, progress: ProgressCallback | None = None) -> dict[str, int]:
    """Write every table to ``path`` (replaced atomically, readable by its owner only) from one
    consistent snapshot of the database; returns the number of rows of each table."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for all tables, even while the API keeps writing.
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            revision = MigrationContext.configure(connection).get_current_revision()
            _check_revision_is_head(revision)
            partial = path.with_name(f".{path.name}.partial")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            counts: dict[str, int] = {}
            try:
                with open(descriptor, "w", encoding="utf-8") as out:
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
                    out.write("\n}}\n")
                os.replace(partial, path)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
    return counts


# --- Restore ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DumpFile:
    """A dump file read and checked as far as it can be without a database."""

    schema_revision: str
    created_at: str
    tables: dict[str, Any]


def read(path: Path) -> DumpFile:
    """Read a dump file; refuse anything that is not a Boussole dump of a known version."""
    try:
        with path.open(encoding="utf-8") as source:
            document = json.load(source)
    except FileNotFoundError as exc:
        raise BackupError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is not a Boussole dump: it is not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f'{path} is not a Boussole dump (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise BackupError(
            f"{path} is a dump of format version {json.dumps(document.get('version'))}; "
            f"this version of Boussole reads version {VERSION} only"
        )
    revision, created_at, content = (
        document.get(key) for key in ("schema_revision", "created_at", "tables")
    )
    if not isinstance(revision, str) or not isinstance(content, dict):
        raise BackupError(f"{path} is a damaged dump: no schema revision or no tables")
    return DumpFile(schema_revision=revision, created_at=str(created_at), tables=content)


@dataclass(frozen=True)
class _TableRows:
    table: Table
    rows: list[dict[str, Any]]


def _parse_tables(dump_file: DumpFile) -> list[_TableRows]:
    """The file's rows, as the values each column binds, in the order of a restore."""
    known = {table.name for table in tables()}
    unknown = sorted(set(dump_file.tables) - known)
    missing = sorted(known - set(dump_file.tables))
    if unknown or missing:
        raise BackupError(
            "the dump does not match the tables of its schema revision: "
            + "; ".join(
                part
                for part in (
                    f"unknown table(s) {', '.join(unknown)}" if unknown else "",
                    f"missing table(s) {', '.join(missing)}" if missing else "",
                )
                if part
            )
        )
    parsed = []
    for table in tables():
        content = dump_file.tables[table.name]
        if not isinstance(content, dict):
            raise BackupError(f"table {table.name}: expected columns and rows")
        names, rows = content.get("columns"), content.get("rows")
        if not isinstance(names, list) or not isinstance(rows, list):
            raise BackupError(f"table {table.name}: expected a list of columns and a list of rows")
        if sorted(map(str, names)) != sorted(c.name for c in table.columns) or len(
            set(names)
        ) != len(names):
            raise BackupError(
                f"table {table.name}: the dump's columns ({', '.join(map(str, names))}) are not "
                f"the table's ({', '.join(c.name for c in table.columns)})"
            )
        columns = [table.columns[name] for name in names]
        parsers = [_parser(column) for column in columns]
        values = []
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, list) or len(row) != len(columns):
                raise BackupError(
                    f"table {table.name}, row {number}: expected {len(columns)} values"
                )
            record = {}
            for column, parse, value in zip(columns, parsers, row, strict=True):
                try:
                    record[column.name] = None if value is None else parse(value)
                except (ValueError, TypeError, InvalidOperation) as exc:
                    raise BackupError(
                        f"table {table.name}, row {number}, column {column.name}: {exc}"
                    ) from exc
            values.append(record)
        parsed.append(_TableRows(table, _parents_first(table, values)))
    return parsed


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that refers to itself (a sub-action's parent), each after the row it refers
    to, so that foreign keys hold at every insert whatever the order of the ids."""
    links = [fk for fk in table.foreign_key_constraints if fk.referred_table is table]
    if not links or len(rows) < 2:
        return rows
    pairs = [([c.name for c in fk.columns], [e.column.name for e in fk.elements]) for fk in links]
    index: dict[tuple[int, tuple[Any, ...]], int] = {}
    for position, row in enumerate(rows):
        for link, (_, referred) in enumerate(pairs):
            index[(link, tuple(row[name] for name in referred))] = position
    ordered: list[dict[str, Any]] = []
    state: dict[int, bool] = {}  # False: being placed, True: placed

    def place(position: int) -> None:
        if state.get(position) is True:
            return
        if state.get(position) is False:
            raise BackupError(f"table {table.name}: rows refer to each other in a cycle")
        state[position] = False
        for link, (local, _) in enumerate(pairs):
            key = tuple(rows[position][name] for name in local)
            parent = index.get((link, key))
            if parent is not None and parent != position and None not in key:
                place(parent)
        state[position] = True
        ordered.append(rows[position])

    for position in range(len(rows)):
        place(position)
    return ordered


def _non_empty(connection: Connection, candidates: Iterable[Table]) -> list[str]:
    return [
        table.name
        for table in candidates
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
    ]


def _reset_sequences(connection: Connection, restored: Sequence[Table]) -> None:
    """PostgreSQL: move each serial column's sequence past the restored ids."""
    preparer = connection.dialect.identifier_preparer
    for table in restored:
        for column in table.primary_key.columns:
            if not isinstance(_base_type(column), sa.Integer):
                continue
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": preparer.format_table(table), "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            highest = connection.execute(sa.select(sa.func.max(column))).scalar()
            connection.execute(
                sa.text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": highest or 1, "called": highest is not None},
            )


def restore(engine: Engine, path: Path, progress: ProgressCallback | None = None) -> dict[str, int]:
    """Load a dump into an empty database at the dump's schema revision, in one transaction;
    returns the number of rows of each table. Refuses (BackupError, nothing written) a file that
    is not a dump of a known version, a database at another revision or holding any row (but
    those the migrations put there, which the dump's replace)."""
    dump_file = read(path)
    with engine.connect() as connection:
        # SQLite: take the write lock at once, so that no writer slips in between the checks.
        connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with connection.begin():
            revision = MigrationContext.configure(connection).get_current_revision()
            _check_revision_is_head(revision)
            if revision != dump_file.schema_revision:
                raise BackupError(
                    f"the dump was made at schema revision {dump_file.schema_revision}, the "
                    f"database and this version of Boussole are at revision {revision}: restore "
                    "it with the version of Boussole that made it, into a database at its "
                    "revision, then run `boussole db upgrade`"
                )
            occupied = _non_empty(connection, [t for t in tables() if not seeded_by_migrations(t)])
            if occupied:
                raise BackupError(
                    "the database is not empty (rows in "
                    f"{', '.join(occupied)}): restore only into a freshly migrated database"
                )
            content = _parse_tables(dump_file)
            for table in reversed(tables()):
                if seeded_by_migrations(table):
                    connection.execute(sa.delete(table))
            counts: dict[str, int] = {}
            for part in content:
                if part.rows:
                    try:
                        # One executemany per table (batched into multi-row INSERTs).
                        connection.execute(sa.insert(part.table), part.rows)
                    except IntegrityError as exc:
                        raise BackupError(
                            f"table {part.table.name}: the dump's rows break a constraint of "
                            f"the database ({type(exc.orig).__name__}: "
                            f"{str(exc.orig).splitlines()[0]})"
                        ) from exc
                counts[part.table.name] = len(part.rows)
                if progress is not None:
                    progress(part.table.name, len(part.rows))
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection, [part.table for part in content])
    return counts
