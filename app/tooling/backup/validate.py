"""A dump's rows checked against the tables before a restore: every value its column cannot
take listed, and the rows put in the order of their insertion."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table

from app.tooling.backup.checks import simple_checks
from app.tooling.backup.errors import BackupError
from app.tooling.backup.format import DumpFile
from app.tooling.backup.schema import is_secret, tables
from app.tooling.backup.values import InvalidValueError, parser, shown_value

#: Problems with values listed by a refused restore; beyond, only their number is given.
MAX_LISTED_PROBLEMS = 100


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
class TableRows:
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
    parsers = [parser(column) for column in columns]
    checks = simple_checks(table)
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
                        raise InvalidValueError("null, but the column requires a value (NOT NULL)")
                    record[column.name] = None
                else:
                    record[column.name] = parse(value)
            except InvalidValueError as problem:
                problems.add(f"{where}, column {column.name}: {problem}")
                valid = False
        for check in checks:
            value = record.get(check.column)
            if isinstance(value, int | float) and not check.holds(value):
                # The value as the dump has it (120, not the 120.0 it binds).
                shown = shown_value(
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


def parse_tables(dump_file: DumpFile, *, max_problems: int) -> list[TableRows]:
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
    return [TableRows(table, _parents_first(table, rows)) for table, rows in parsed]


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
