"""The import of yearly progress: a file of reports — CSV, XLSX or ODS (app.trackables.import_files)
— read back all or nothing.

``parse`` (app.trackables.import_rows) reads rows and a list of problems from a binary file (or
bytes) — it never raises. ``check`` checks them against the database and the caller's scope, in
the same pass as the values; ``refusal`` is the error that refuses a file with problems;
``publish`` writes every row as a published report, in bulk (an admin's import:
app.campaigns.upload.publish does all three, and ends the pending reports the rows replace). An
editor's import is filed as pending reports instead (app.campaigns.upload.file).

Reading stops once more than ``max_problems`` problems are found: a file of bad rows costs the
reading of its first bad rows, not of all of them.
"""

import json
from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, select

from app import revision
from app.auth.tokens import Actor
from app.core.errors import BoussoleError
from app.models import AuditAction, AuditEntry, Directorate, ProgressReport, Status, Trackable
from app.models.base import utcnow
from app.models.imports import ImportReport
from app.trackables import writes
from app.trackables.import_refusals import (
    CAMPAIGN_CLOSED,
    OUT_OF_SCOPE,
    ImportConflictError,
    ImportForbiddenError,
)
from app.trackables.import_refusals import (
    ImportRefusedError as ImportRefusedError,  # raised to the CLI too (app.cli)
)
from app.trackables.import_rows import (
    BUDGET_COLUMNS,
    Parsed,
    ParsedRow,
    ScopeCheck,
    YearCheck,
)
from app.trackables.import_rows import parse as parse  # read by the tests of the parser
from app.trackables.progress import PROGRESS_ENTITY


def trackable_rows(session: Session) -> dict[str, Any]:
    """Every trackable by code, in the few columns an import needs (one query): the codes are
    checked while the file is read, so that a file of unknown codes stops at the problem limit
    like any other."""
    return {
        t.code: t
        for t in session.execute(
            select(Trackable.code, Trackable.id, Trackable.status, Trackable.lead_directorate_id)
        )
    }


def check(
    *,
    session: Session,
    actor: Actor,
    source: IO[bytes] | bytes,
    max_problems: int,
    who: str | None = None,
    year_check: YearCheck | None = None,
    max_rows: int | None = None,
    skip_unfilled: bool = False,
) -> tuple[Parsed, dict[str, Any]]:
    """The file read and checked — its values, its codes, the scope of ``actor`` (an editor:
    what its directorates lead; ``who`` names it, the token by default) and ``year_check`` — in
    one pass, and every trackable by code (``trackable_rows``). Raises nothing: see
    ``refusal``."""
    trackables = trackable_rows(session)
    scope = None
    if not actor.is_admin:
        scope = _scope_check(session, actor, trackables, who or f"le jeton « {actor.name} »")
    parsed = parse(
        source,
        max_problems=max_problems,
        known_codes=trackables.keys(),
        scope=scope,
        year_check=year_check,
        max_rows=max_rows,
        skip_unfilled=skip_unfilled,
    )
    return parsed, trackables


def refusal(parsed: Parsed, actor: Actor, who: str) -> BoussoleError | None:
    """The error refusing a file with problems, None when it has none. Only scope problems: 403
    (the file is fine, ``who`` — ``actor`` — may not write it), as every write route answers out
    of its scope; only rows of a closed campaign: 409; anything else 422, listing them all."""
    if not parsed.errors:
        return None
    kinds = {error.type for error in parsed.errors}
    if kinds == {OUT_OF_SCOPE} and not parsed.truncated:
        outside = ", ".join(sorted(set(parsed.out_of_scope)))
        return ImportForbiddenError(
            f"{who} ne peut pas faire le bilan de {outside} : hors du périmètre de "
            f"{actor.directorates_label}. Rien n'a été écrit.",
            parsed.errors,
        )
    if kinds == {CAMPAIGN_CLOSED} and not parsed.truncated:
        return ImportConflictError(parsed.errors)
    return ImportRefusedError(parsed.errors, truncated=parsed.truncated)


def publish(
    *,
    session: Session,
    actor: Actor,
    rows: list[ParsedRow],
    trackables: dict[str, Any],
    dry_run: bool,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Write ``rows`` as published reports (an admin's import), in bulk."""
    used = {row.trackable_code for row in rows}

    ids = [trackables[code].id for code in used]
    # The reports the file may replace, as plain rows: only its trackables and its years.
    compared = ("progress", "status", "comment", *BUDGET_COLUMNS)
    table: Any = ProgressReport.__table__  # type: ignore[attr-defined]
    existing = {
        (row.trackable_id, row.year): row
        for row in session.execute(
            select(table.c.id, table.c.trackable_id, table.c.year, *(table.c[n] for n in compared))
            .where(table.c.trackable_id.in_(ids))
            .where(table.c.year.in_(sorted({row.year for row in rows})))
        )
    }
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    unchanged = 0
    for row in rows:
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
        rows=len(rows),
        created=len(inserts),
        updated=len(updates),
        unchanged=unchanged,
        errors=[],
    )
    if dry_run or not (inserts or updates):
        return report
    # Yearly progress only; the audit entries below name every report's trackable.
    revision.touch(session, structure=False)
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
    # One status (app.trackables.progress): a trackable whose latest report the file wrote takes
    # that report's status.
    writes.follow_reports(
        session=session, actor=actor, trackable_ids=[i for i in ids if i is not None]
    )
    return report


def _scope_check(
    session: Session, actor: Actor, trackables: dict[str, Any], who: str
) -> ScopeCheck:
    """The scope problem of a row about ``code``, naming who leads it, or None."""
    leads = {id_: code for id_, code in session.execute(select(Directorate.id, Directorate.code))}

    def check(code: str) -> str | None:
        lead_id = trackables[code].lead_directorate_id
        if actor.may_write(lead_id):
            return None
        lead = leads.get(lead_id, "?") if lead_id is not None else "aucune direction"
        return (
            f"{code} est piloté par {lead}, pas par {actor.directorates_label} : {who} ne peut "
            "pas en faire le bilan"
        )

    return check


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
