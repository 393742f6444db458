"""CSV import of yearly progress: the spreadsheet a directorate keeps, read back all or nothing.

``parse`` turns any bytes into rows and a list of row errors — it never raises. ``run`` checks the
rows against the database and the caller's scope, then writes every row or none, in bulk.
"""

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from app.core.errors import BoussoleError, ForbiddenError
from app.core.text import fold
from app.models import AuditAction, AuditEntry, ProgressReport, Status, Trackable
from app.models.base import utcnow
from app.models.events import take_revision
from app.models.imports import REQUIRED_COLUMNS, ImportReport, RowError
from app.models.tracking import FIRST_YEAR, LAST_YEAR, STATUS_LABELS
from app.services.progress import PROGRESS_ENTITY
from app.services.tokens import Actor

BUDGET_COLUMNS = (
    "budget_planned_investment",
    "budget_planned_operating",
    "budget_spent_investment",
    "budget_spent_operating",
)
#: Status keys, and their French labels as a spreadsheet may hold them ("En cours").
STATUS_WORDS = {fold(s.value): s for s in Status} | {
    fold(label): s for s, label in STATUS_LABELS.items()
}
MAX_COMMENT = 20_000


class ImportRefusedError(BoussoleError):
    """The file has bad rows: nothing was written."""

    status_code = 422

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(
            f"{len(errors)} problem(s) in the file: nothing was written",
            errors=[e.model_dump() for e in errors],
        )


@dataclass(frozen=True)
class ParsedRow:
    line: int
    trackable_code: str
    year: int
    progress: float
    status: Status | None
    comment: str
    budgets: dict[str, float | None]


@dataclass
class Parsed:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _decode(data: bytes) -> str:
    # Spreadsheets write UTF-8, with or without a BOM; Excel on Windows may write Windows-1252.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _number(raw: str) -> float:
    """``12.5``, ``12,5``, ``1 200 000,50`` (spaces and no-break spaces as thousands)."""
    text = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def parse(data: bytes) -> Parsed:
    """Rows and row errors from any bytes; never raises."""
    result = Parsed()
    text = _decode(data).replace("\x00", "")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        result.errors.append(RowError(line=1, column=None, message="the file is empty"))
        return result
    except csv.Error as exc:
        result.errors.append(RowError(line=1, column=None, message=f"unreadable CSV: {exc}"))
        return result
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        result.errors.append(
            RowError(line=1, column=None, message=f"missing column(s): {', '.join(missing)}")
        )
        return result
    index = {name: position for position, name in enumerate(header) if name}
    seen: dict[tuple[str, int], int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            row = _parse_row(line, cells, index, result.errors)
            if row is None:
                continue
            key = (row.trackable_code, row.year)
            if key in seen:
                result.errors.append(
                    RowError(
                        line=line,
                        column="year",
                        message=f"{row.trackable_code} {row.year} is already on line {seen[key]}",
                    )
                )
                continue
            seen[key] = line
            result.rows.append(row)
    except csv.Error as exc:
        result.errors.append(
            RowError(line=reader.line_num, column=None, message=f"unreadable CSV: {exc}")
        )
    return result


def _unneutralised(text: str) -> str:
    """Undo the export's protection against formula injection: ``'=SUM(A1)`` → ``=SUM(A1)``."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _parse_row(
    line: int, cells: list[str], index: dict[str, int], errors: list[RowError]
) -> ParsedRow | None:
    def cell(name: str) -> str:
        position = index.get(name)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    problems: list[RowError] = []

    def fail(column: str, message: str) -> None:
        problems.append(RowError(line=line, column=column, message=message))

    code = cell("trackable_code")
    if not code:
        fail("trackable_code", "missing")
    year = 0
    try:
        year = int(_number(cell("year")))
        if not FIRST_YEAR <= year <= LAST_YEAR or _number(cell("year")) != year:
            fail("year", f"must be a year from {FIRST_YEAR} to {LAST_YEAR}")
    except ValueError:
        fail("year", f"'{cell('year')}' is not a year")
    value = 0.0
    try:
        value = _number(cell("progress"))
        if not 0 <= value <= 100:
            fail("progress", f"{value:g} is outside 0–100")
    except ValueError:
        fail("progress", f"'{cell('progress')}' is not a number")
    status = None
    if cell("status"):
        status = STATUS_WORDS.get(fold(cell("status")))
        if status is None:
            fail("status", f"unknown status '{cell('status')}'")
    comment = _unneutralised(cell("comment"))
    if len(comment) > MAX_COMMENT:
        fail("comment", f"longer than {MAX_COMMENT} characters")
    budgets: dict[str, float | None] = {}
    for name in BUDGET_COLUMNS:
        raw = cell(name)
        budgets[name] = None
        if raw:
            try:
                budgets[name] = _number(raw)
                if budgets[name] < 0 or budgets[name] > 1e12:  # type: ignore[operator]
                    fail(name, "must be between 0 and 1e12 euros")
            except ValueError:
                fail(name, f"'{raw}' is not an amount")
    if problems:
        errors.extend(problems)
        return None
    return ParsedRow(line, code, year, value, status, comment, budgets)


def run(
    *,
    session: Session,
    actor: Actor,
    data: bytes,
    dry_run: bool,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate everything, then write every row or none (bulk statements, one transaction)."""
    parsed = parse(data)
    codes = sorted({row.trackable_code for row in parsed.rows})
    trackables = {
        t.code: t for t in session.exec(select(Trackable).where(col(Trackable.code).in_(codes)))
    }
    errors = list(parsed.errors)
    for row in parsed.rows:
        if row.trackable_code not in trackables:
            errors.append(
                RowError(
                    line=row.line,
                    column="trackable_code",
                    message=f"unknown action or flagship project '{row.trackable_code}'",
                )
            )
    if errors:
        raise ImportRefusedError(sorted(errors, key=lambda e: e.line))
    outside = sorted(
        {
            code
            for code, t in trackables.items()
            if not actor.is_admin and t.lead_directorate_id not in actor.directorate_ids
        }
    )
    if outside:
        raise ForbiddenError(
            f"token '{actor.name}' may not report on {', '.join(outside)}: not led by "
            f"{' or '.join(actor.directorate_codes) or 'any directorate of this token'}; "
            "nothing was written"
        )

    ids = [t.id for t in trackables.values()]
    # The reports the file may replace, as plain rows: only its trackables and its years.
    compared = ("progress", "status", "comment", *BUDGET_COLUMNS)
    table: Any = ProgressReport.__table__  # type: ignore[attr-defined]
    existing = {
        (row.trackable_id, row.year): row
        for row in session.execute(
            select(table.c.id, table.c.trackable_id, table.c.year, *(table.c[n] for n in compared))
            .where(table.c.trackable_id.in_(ids))
            .where(table.c.year.in_(sorted({row.year for row in parsed.rows})))
        )
    }
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    unchanged = 0
    for row in parsed.rows:
        trackable = trackables[row.trackable_code]
        fields = {
            "progress": row.progress,
            "status": (row.status or Status(trackable.status)).value,
            "comment": row.comment,
            **row.budgets,
        }
        current = existing.get((trackable.id or 0, row.year))
        key = f"{trackable.code}/{row.year}"
        if current is None:
            inserts.append(
                fields
                | {
                    "trackable_id": trackable.id,
                    "year": row.year,
                    "reported_by": actor.name,
                    "reported_at": now,
                    "version": 1,
                }
            )
            audits.append(_audit(actor, key, trackable.id, AuditAction.create, None, fields, now))
            continue
        before = {name: getattr(current, name) for name in fields}
        if before == fields:
            unchanged += 1
            continue
        updates.append(
            {f"new_{name}": value for name, value in fields.items()}
            | {"row_id": current.id, "new_reported_by": actor.name, "new_reported_at": now}
        )
        audits.append(_audit(actor, key, trackable.id, AuditAction.update, before, fields, now))
    report = ImportReport(
        dry_run=dry_run,
        rows=len(parsed.rows),
        created=len(inserts),
        updated=len(updates),
        unchanged=unchanged,
        errors=[],
    )
    if dry_run or not (inserts or updates):
        return report
    take_revision(session, structure=False)  # yearly progress only
    for chunk in _chunks(inserts):
        session.execute(insert(table), chunk)
        if on_progress:
            on_progress(len(chunk))
    if updates:
        # Parameters are named "new_<column>": a bound name may not be a column's own name.
        columns = [name.removeprefix("new_") for name in updates[0] if name != "row_id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                {name: bindparam(f"new_{name}") for name in columns}
                | {"version": table.c.version + 1}
            )
        )
        for chunk in _chunks(updates):
            session.execute(statement, chunk)
            if on_progress:
                on_progress(len(chunk))
    for chunk in _chunks(audits):
        session.execute(insert(AuditEntry.__table__), chunk)  # type: ignore[attr-defined]
    return report


def _audit(
    actor: Actor,
    key: str,
    trackable_id: int | None,
    action: AuditAction,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    at: Any,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor_name": actor.name,
        "actor_role": actor.role.value,
        "actor_directorates": list(actor.directorate_codes),
        "entity": PROGRESS_ENTITY,
        "entity_key": key,
        "trackable_id": trackable_id,
        "action": action.value,
        "before": json.loads(json.dumps(before)) if before else None,
        "after": json.loads(json.dumps(after)),
    }


def _chunks(items: list[dict[str, Any]], size: int = 1000) -> list[list[dict[str, Any]]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
