"""Backup and restore: the whole database as one versioned JSON file with an integrity check.

``dump`` writes every row of every table the models declare (``SQLModel.metadata``, so tables added
later are included without a change here): the plan, the tracking data, the audit trail and the
API tokens' hashes (never the tokens, which are not stored). ``restore`` loads such a file into an
empty database at the same schema revision, in one transaction: all of it or nothing.

The file (format version 2)::

    {"format": "boussole-dump", "version": 2, "schema_revision": "0002",
     "created_at": "2025-03-01T10:00:00+00:00", "tables": {
    "plan": {"columns": ["id", ...], "rows": [
    [1, ...],
    ...
    ]},
    ...
    },
    "integrity": {"sha256": "9f2c…", "hmac_sha256": "41d0…"}}

The last line, the integrity trailer, holds the SHA-256 of every byte of the file before it and,
when the setting ``dump_key`` (``BOUSSOLE_DUMP_KEY``) is set, an HMAC-SHA256 of the same bytes with
that key (``null`` otherwise). Both are computed while the file is written and can be checked
without parsing it: ``head -n -1 FILE | sha256sum`` (``| openssl dgst -sha256 -hmac KEY``). No
other line of the file can begin with ``"integrity"``: JSON escapes newlines inside strings.

``restore`` reads the file once and, before anything is written, refuses it when:

- it is of format version 1 (no integrity trailer: such files carry no integrity check at all; the
  version of Boussole that made one restores it, and a dump made then is of version 2);
- its content does not match its SHA-256 (changed or damaged since it was written);
- ``dump_key`` is set and the file has no HMAC, or an HMAC that does not match with that key.
  When ``dump_key`` is not set, an HMAC in the file cannot be checked: the SHA-256 is, and the
  caller is told (``warn``) that the origin of the file was not;
- any value does not fit its column: type, NOT NULL, enum (``StrEnumType``) values, string lengths,
  integer sizes, simple numeric checks (``progress >= 0 AND progress <= 100``), NUL characters
  (which PostgreSQL cannot store). Every such problem is one line (table, row number, column,
  problem), at most ``MAX_LISTED_PROBLEMS`` of them and how many more; a value is shown only in
  its own line, truncated, and never for a secret column (``SECRET_COLUMNS``). Foreign keys,
  uniqueness and other checks are left to the database, whose refusal is reported in one line
  too, the transaction rolled back.

Rows are in the order the database stores them (see ``_storage_order``) and are inserted back in
that order, except that a row referring to another row of its table comes after it. Values are
JSON: dates, times and datetimes in ISO 8601 (datetimes of time-zone-aware columns in UTC), JSON
columns as they are, floats written exactly (shortest round-tripping form), decimals as strings,
binary data in base64. Each column's SQLAlchemy type turns them back into values.
"""

import base64
import hashlib
import hmac
import json
import math
import operator
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from alembic.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app import revision as revision_service
from app.core import migrations
from app.core.db import SQLITE_BEGIN
from app.models.base import StrEnumType, utcnow

FORMAT = "boussole-dump"
VERSION = 2

#: What begins the integrity trailer, the file's last line (after the newline that ends the part
#: it covers).
TRAILER_START = b'\n"integrity": '

#: Problems with values listed by a refused restore; beyond, only their number is given.
MAX_LISTED_PROBLEMS = 100

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

#: The bits of each SQLAlchemy integer type, as PostgreSQL stores it (subclasses first).
_INTEGER_RANGES: tuple[tuple[type[sa.Integer], int], ...] = (
    (sa.SmallInteger, 16),
    (sa.BigInteger, 64),
    (sa.Integer, 32),
)
_SHOWN_LENGTH = 40


class BackupError(Exception):
    """A dump or a restore refused: the message says why, ``problems`` lists the values at fault
    (one line each) when there are; nothing was written."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


def tables() -> list[Table]:
    """Every table of the models, parents before children (the order of a restore)."""
    return list(SQLModel.metadata.sorted_tables)


def seeded_by_migrations(table: Table) -> bool:
    return bool(table.info.get("seeded_by_migrations", table.name in SEEDED_BY_MIGRATIONS))


def is_secret(column: sa.Column[Any]) -> bool:
    return bool(column.info.get("secret", f"{column.table.name}.{column.name}" in SECRET_COLUMNS))


def _key_bytes(key: SecretStr | None) -> bytes | None:
    if key is None:
        return None
    secret = key.get_secret_value()
    if not secret:
        # An empty key would sign every dump with a key anyone knows.
        raise BackupError("BOUSSOLE_DUMP_KEY is set but empty: set a key, or unset it")
    return secret.encode("utf-8")


# --- Values to and from JSON --------------------------------------------------------------------


def _base_type(column: sa.Column[Any]) -> TypeEngine[Any]:
    """The type a column stores, beneath any TypeDecorator (StrEnumType stores a String)."""
    column_type: TypeEngine[Any] = column.type
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type


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


class _InvalidValueError(ValueError):
    """A value its column cannot take; the message says why in words meant for people."""


def _shown(value: Any, *, secret: bool) -> str:
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


def _parser(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """How to turn a JSON value (not null) of ``column`` back into what its type binds; raises
    _InvalidValueError, with a message naming the value (unless secret), for a value the column
    cannot take."""
    base = _base_type(column)
    secret = is_secret(column)

    def invalid(value: Any, problem: str) -> _InvalidValueError:
        return _InvalidValueError(f"{_shown(value, secret=secret)} {problem}")

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
                raise _InvalidValueError(
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


# --- Simple checks ------------------------------------------------------------------------------

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
#: One bound: ``column >= 0``.
_BOUND = re.compile(r"([A-Za-z_]\w*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class _Check:
    """A check constraint made of bounds on one column (``progress >= 0 AND progress <= 100``)."""

    name: str
    text: str
    column: str
    bounds: tuple[tuple[Callable[[Any, Any], bool], float], ...]

    def holds(self, value: Any) -> bool:
        return all(compare(value, bound) for compare, bound in self.bounds)


def _simple_checks(table: Table) -> list[_Check]:
    """The table's check constraints simple enough to check here; the others are left to the
    database (which names the constraint when it refuses a row)."""
    checks = []
    for constraint in table.constraints:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        text = str(constraint.sqltext).strip()
        parts = re.split(r"\s+AND\s+", text, flags=re.IGNORECASE)
        bounds = [match for part in parts if (match := _BOUND.fullmatch(part.strip()))]
        columns = {bound.group(1) for bound in bounds}
        if (
            len(bounds) != len(parts)
            or len(columns) != 1
            or not columns <= set(table.columns.keys())
        ):
            continue
        checks.append(
            _Check(
                name=str(constraint.name),
                text=text,
                column=columns.pop(),
                bounds=tuple((_COMPARISONS[b.group(2)], float(b.group(3))) for b in bounds),
            )
        )
    return checks


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


class _DigestingWriter:
    """Writes text as UTF-8 and digests every byte written (SHA-256, and the HMAC with a key), so
    that the checksum costs no second reading of the file."""

    def __init__(self, out: BinaryIO, key: bytes | None) -> None:
        self._out = out
        self.sha256 = hashlib.sha256()
        self.hmac = None if key is None else hmac.new(key, digestmod=hashlib.sha256)

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.sha256.update(data)
        if self.hmac is not None:
            self.hmac.update(data)
        self._out.write(data)

    def trailer(self) -> bytes:
        integrity = {
            "sha256": self.sha256.hexdigest(),
            "hmac_sha256": None if self.hmac is None else self.hmac.hexdigest(),
        }
        return TRAILER_START[1:] + json.dumps(integrity).encode("ascii") + b"}\n"


def _write_table(out: _DigestingWriter, connection: Connection, table: Table) -> int:
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
    key_bytes = _key_bytes(key)
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
                with open(descriptor, "wb") as file:
                    out = _DigestingWriter(file, key_bytes)
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


# --- Reading and checking a dump ----------------------------------------------------------------


@dataclass(frozen=True)
class DumpFile:
    """A dump file read and checked as far as it can be without a database."""

    schema_revision: str
    created_at: str
    tables: dict[str, Any]
    #: Whether the file carries an HMAC, and whether it was checked (a key was given).
    signed: bool
    authenticated: bool


def _is_digest(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


def _integrity(path: Path, trailer: bytes) -> dict[str, Any]:
    """The integrity trailer's object; refuses anything but that object closing the document."""
    damaged = BackupError(
        f"{path} is a damaged dump: its last line is not the integrity trailer "
        '(`"integrity": {"sha256": …, "hmac_sha256": …}}`)'
    )
    try:
        text = trailer.decode("utf-8")
        integrity, end = json.JSONDecoder().raw_decode(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise damaged from None
    # Nothing may follow but the document's closing brace: no key slipped past the checksum.
    if text[end:].strip() != "}":
        raise damaged
    if (
        not isinstance(integrity, dict)
        or set(integrity) != {"sha256", "hmac_sha256"}
        or not _is_digest(integrity["sha256"])
        or not (integrity["hmac_sha256"] is None or _is_digest(integrity["hmac_sha256"]))
    ):
        raise damaged
    return integrity


def read(*, path: Path, key: SecretStr | None = None) -> DumpFile:
    """Read a dump file (once) and check its integrity: refuse anything that is not a Boussole
    dump of format version 2 whose SHA-256 matches, and, given a ``key``, whose HMAC-SHA256 with
    that key matches. Version 1 files carry no checksum: they are refused, saying so."""
    key_bytes = _key_bytes(key)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise BackupError(f"{path}: no such file") from exc
    except OSError as exc:
        raise BackupError(f"{path} cannot be read ({exc.strerror})") from exc
    # The digests of the part the trailer covers, taken on the bytes as read (no copy made).
    start = data.rfind(TRAILER_START)
    covered = memoryview(data)[: start + 1] if start >= 0 else memoryview(b"")
    sha256 = hashlib.sha256(covered).hexdigest()
    signature = None if key_bytes is None else hmac.new(key_bytes, covered, hashlib.sha256)
    trailer = data[start + len(TRAILER_START) :] if start >= 0 else b""
    covered.release()
    try:
        text = data.decode("utf-8")
        del data  # the text alone is parsed, the bytes need not stay in memory beside it
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        # ValueError: also bad UTF-8, and integers of more digits than Python converts.
        raise BackupError(f"{path} is not a Boussole dump: it is not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f'{path} is not a Boussole dump (no "format": "{FORMAT}")')
    version = document.get("version")
    if version == 1:
        raise BackupError(
            f"{path} is a dump of format version 1, which carries no integrity check: this "
            f"version of Boussole restores only dumps of version {VERSION} (checksummed). "
            "Restore it with the version of Boussole that made it, then dump again"
        )
    if version != VERSION:
        raise BackupError(
            f"{path} is a dump of format version {json.dumps(version)}; "
            f"this version of Boussole reads version {VERSION} only"
        )
    if start < 0:
        raise BackupError(
            f"{path} is a damaged dump: it has no integrity trailer as its last line (was it "
            "rewritten by another tool?)"
        )
    integrity = _integrity(path, trailer)
    if not hmac.compare_digest(sha256, integrity["sha256"]):
        raise BackupError(
            f"{path} fails its integrity check: its content does not match its SHA-256 "
            "checksum (the file was changed or damaged after `boussole dump` wrote it)"
        )
    signed = integrity["hmac_sha256"] is not None
    if signature is not None:
        if not signed:
            raise BackupError(
                f"{path} carries no HMAC, but BOUSSOLE_DUMP_KEY is set: only dumps signed with "
                "that key are restored (it was dumped without the key, or by someone else)"
            )
        if not hmac.compare_digest(signature.hexdigest(), integrity["hmac_sha256"]):
            raise BackupError(
                f"{path} fails its authenticity check: its HMAC does not match "
                "BOUSSOLE_DUMP_KEY (signed with another key, or changed and its checksum "
                "recomputed)"
            )
    revision, created_at, content = (
        document.get(name) for name in ("schema_revision", "created_at", "tables")
    )
    if not isinstance(revision, str) or not isinstance(content, dict):
        raise BackupError(f"{path} is a damaged dump: no schema revision or no tables")
    return DumpFile(
        schema_revision=revision,
        created_at=str(created_at),
        tables=content,
        signed=signed,
        authenticated=signature is not None,
    )


# --- Restore ------------------------------------------------------------------------------------


@dataclass
class _Problems:
    """Problems found in the dump's values: the first ``limit`` listed, the others counted."""

    limit: int
    lines: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.lines) < self.limit:
            self.lines.append(line)


@dataclass(frozen=True)
class _TableRows:
    table: Table
    rows: list[dict[str, Any]]


def _check_tables_match(dump_file: DumpFile) -> None:
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


def _parse_table(table: Table, content: Any, problems: _Problems) -> list[dict[str, Any]]:
    """A table's rows as the values each column binds; each value its column cannot take is
    added to ``problems`` (and its row left out)."""
    if not isinstance(content, dict):
        raise BackupError(f"table {table.name}: expected columns and rows")
    names, rows = content.get("columns"), content.get("rows")
    if not isinstance(names, list) or not isinstance(rows, list):
        raise BackupError(f"table {table.name}: expected a list of columns and a list of rows")
    if sorted(map(str, names)) != sorted(c.name for c in table.columns) or len(set(names)) != len(
        names
    ):
        raise BackupError(
            f"table {table.name}: the dump's columns ({', '.join(map(str, names))}) are not "
            f"the table's ({', '.join(c.name for c in table.columns)})"
        )
    columns = [table.columns[name] for name in names]
    parsers = [_parser(column) for column in columns]
    checks = _simple_checks(table)
    records = []
    for number, row in enumerate(rows, start=1):
        where = f"table {table.name}, row {number}"
        if not isinstance(row, list) or len(row) != len(columns):
            problems.add(f"{where}: expected a list of {len(columns)} values")
            continue
        record: dict[str, Any] = {}
        valid = True
        for column, parse, value in zip(columns, parsers, row, strict=True):
            try:
                if value is None:
                    if not column.nullable:
                        raise _InvalidValueError("null, but the column requires a value (NOT NULL)")
                    record[column.name] = None
                else:
                    record[column.name] = parse(value)
            except _InvalidValueError as problem:
                problems.add(f"{where}, column {column.name}: {problem}")
                valid = False
        for check in checks:
            value = record.get(check.column)
            if isinstance(value, int | float) and not check.holds(value):
                # The value as the dump has it (120, not the 120.0 it binds).
                shown = _shown(
                    row[names.index(check.column)], secret=is_secret(table.columns[check.column])
                )
                problems.add(
                    f"{where}, column {check.column}: {shown} breaks the check "
                    f"{check.name} ({check.text})"
                )
                valid = False
        if valid:
            records.append(record)
    return records


def _parse_tables(dump_file: DumpFile, *, max_problems: int) -> list[_TableRows]:
    """The file's rows, as the values each column binds, in the order of a restore; refuses
    (BackupError listing them) any value its column cannot take."""
    _check_tables_match(dump_file)
    problems = _Problems(limit=max_problems)
    parsed = [
        (table, _parse_table(table, dump_file.tables[table.name], problems)) for table in tables()
    ]
    if problems.count:
        more = problems.count - len(problems.lines)
        raise BackupError(
            f"the dump holds {problems.count} value(s) the database cannot take"
            + (f" (the first {len(problems.lines)} are listed)" if more else ""),
            problems=[*problems.lines, *([f"… and {more} more"] if more else [])],
        )
    return [_TableRows(table, _parents_first(table, rows)) for table, rows in parsed]


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


def _insert(connection: Connection, part: _TableRows) -> None:
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
            _check_revision_is_head(revision)
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
            content = _parse_tables(dump_file, max_problems=max_problems)
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
