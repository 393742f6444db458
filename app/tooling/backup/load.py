"""Restore: a dump checked, then loaded into an empty database in one transaction."""

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from app import revision as revision_service
from app.core.db import SQLITE_BEGIN
from app.tooling.backup.errors import BackupError
from app.tooling.backup.format import read
from app.tooling.backup.schema import (
    ProgressCallback,
    base_type,
    check_revision_is_head,
    seeded_by_migrations,
    tables,
)
from app.tooling.backup.validate import MAX_LISTED_PROBLEMS, TableRows, parse_tables


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
            if not isinstance(base_type(column), sa.Integer):
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


def _insert(connection: Connection, part: TableRows) -> None:
    try:
        # One executemany per table (batched into multi-row INSERTs).
        connection.execute(sa.insert(part.table), part.rows)
    except IntegrityError as exc:
        # The driver's first line names the constraint; PostgreSQL puts the row's values on the
        # lines after it (DETAIL), which may hold a token's hash: never shown.
        raise BackupError(
            f"table {part.table.name}: the dump's rows break a constraint of the database "
            f"({type(exc.orig).__name__}: {str(exc.orig).splitlines()[0]})"
        ) from None
    except DBAPIError as exc:
        raise BackupError(
            f"table {part.table.name}: the database refused the dump's rows "
            f"({type(exc.orig).__name__}: {str(exc.orig).splitlines()[0]})"
        ) from None
    except StatementError as exc:  # a value the driver could not bind: its message may show it
        raise BackupError(
            f"table {part.table.name}: a value of the dump could not be written "
            f"({type(exc.orig).__name__})"
        ) from None


def restore(
    *,
    engine: Engine,
    path: Path,
    key: SecretStr | None = None,
    progress: ProgressCallback | None = None,
    warn: Callable[[str], None] | None = None,
    max_problems: int = MAX_LISTED_PROBLEMS,
) -> dict[str, int]:
    """Load a dump into an empty database at the dump's schema revision, in one transaction;
    returns the number of rows of each table. Refuses (BackupError, nothing written) a file that
    is not a dump of format version 2, fails its checksum, or (given a ``key``) is not signed
    with that key, holds a value its column cannot take, or a database at another revision or
    holding any row (but those the migrations put there, which the dump's replace). A signed
    dump restored without a key is restored after its checksum alone, and ``warn`` told so."""
    dump_file = read(path=path, key=key)
    if dump_file.signed and not dump_file.authenticated and warn is not None:
        warn(
            f"{path} is signed (HMAC-SHA256) but BOUSSOLE_DUMP_KEY is not set: its SHA-256 "
            "checksum was checked, not who made it"
        )
    with engine.connect() as connection:
        # SQLite: take the write lock at once, so that no writer slips in between the checks.
        connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with connection.begin():
            revision = MigrationContext.configure(connection).get_current_revision()
            check_revision_is_head(revision)
            if revision != dump_file.schema_revision:
                raise BackupError(
                    f"the dump was made at schema revision {dump_file.schema_revision}, the "
                    f"database and this version of Boussole are at revision {revision}: restore "
                    "it with the version of Boussole that made it, into a database at its "
                    "revision, then run `boussole db upgrade`"
                )
            # Taken before the database is found empty: on PostgreSQL, a writer that comes now
            # waits for the restore's commit, then finds the counter's row replaced and fails,
            # rather than slip a row in between. A bulk load: readers reload everything.
            revision_service.touch(connection, bulk_load=True)
            occupied = _non_empty(connection, [t for t in tables() if not seeded_by_migrations(t)])
            if occupied:
                raise BackupError(
                    "the database is not empty (rows in "
                    f"{', '.join(occupied)}): restore only into a freshly migrated database"
                )
            content = parse_tables(dump_file, max_problems=max_problems)
            for table in reversed(tables()):
                if seeded_by_migrations(table):
                    connection.execute(sa.delete(table))
            counts: dict[str, int] = {}
            for part in content:
                if part.rows:
                    _insert(connection, part)
                counts[part.table.name] = len(part.rows)
                if progress is not None:
                    progress(part.table.name, len(part.rows))
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection, [part.table for part in content])
    return counts
