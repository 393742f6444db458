"""An import filed as pending reports (app.campaigns.pending's states), all or nothing.

- The spreadsheet round trip of "Mes actions" (app.web.spreadsheet_routes): the file of year Y —
  the workbook of app.campaigns.spreadsheet, or any XLSX, ODS or CSV with its columns — each row
  changed since the download saved as a **draft** (an admin's too: the admin reviews, submits and
  validates them as any draft; an admin's token import publishes directly). Every row must be of
  year Y; rows left as they were downloaded are read past (``skipped``).
- An admin's import (the API with an admin token, ``boussole import-progress``): ``publish``,
  every row published at once (app.trackables.imports.publish), each ending the pending report of
  its trackable and year if there was one (app.campaigns.pending.supersede).
- An editor token's import (``POST /api/v1/progress/import``, app.campaigns.routes.imports):
  each row filed as **submitted**, within the open campaign of its year only.

The file is read and checked by app.trackables.imports (values, codes, scope and years in one
pass: ``check``, given ``page_year`` or ``open_years``); the rows are then written in bulk, in a
fixed number of statements whatever their count: two reads per year (the rows as downloaded,
app.campaigns.spreadsheet.prefilled), then, if anything changes, the revision, one INSERT of the
new pending reports, one UPDATE (executemany) of the others — each only if its version is still
the one read, else nothing is written (409) — and one INSERT of their audit entries. A pending
report keeps its milestones and indicator values: the file holds the report's own fields only.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from app import revision
from app.audit import audit
from app.audit.audit import Change
from app.auth.tokens import Actor
from app.campaigns import pending, spreadsheet
from app.core.errors import ConflictError
from app.models import Campaign, PendingReport, ReportState, Status
from app.models.base import utcnow
from app.models.campaigns import PENDING_REPORT_ENTITY
from app.models.imports import ImportReport
from app.trackables import imports
from app.trackables.import_refusals import CAMPAIGN_CLOSED, INVALID_ROW
from app.trackables.import_rows import BUDGET_COLUMNS, Parsed, ParsedRow, YearCheck


@dataclass(frozen=True)
class Filed:
    """What an import filed: pending reports created, changed, left as they were, and rows
    read past as they were downloaded."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


def publish(
    *,
    session: Session,
    actor: Actor,
    source: IO[bytes] | bytes,
    dry_run: bool,
    max_problems: int,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """An admin's import: validate everything, then publish every row or none (bulk statements,
    one transaction). Refused with the first ``max_problems`` problems of the file."""
    parsed, trackables = imports.check(
        session=session, actor=actor, source=source, max_problems=max_problems
    )
    refused = imports.refusal(parsed, actor, f"Le jeton « {actor.name} »")
    if refused is not None:
        raise refused
    report = imports.publish(
        session=session,
        actor=actor,
        rows=parsed.rows,
        trackables=trackables,
        dry_run=dry_run,
        on_progress=on_progress,
    )
    if not dry_run:
        keys = {(trackables[row.trackable_code].id, row.year) for row in parsed.rows}
        pending.supersede(session=session, actor=actor, keys=keys)
    return report


def page_year(year: int) -> YearCheck:
    """The rows of the spreadsheet of ``year`` are of that year."""

    def check(found: int) -> tuple[str, str] | None:
        if found == year:
            return None
        return (f"« {found} » : ce tableau est celui du bilan {year}, attendu {year}", INVALID_ROW)

    return check


def open_years(session: Session) -> YearCheck:
    """An editor files reports within the open campaign of their year only (one query)."""
    held = {
        year: closed is None
        for year, closed in session.exec(select(Campaign.year, col(Campaign.closed_at)))
    }

    def check(year: int) -> tuple[str, str] | None:
        if held.get(year):
            return None
        if year in held:
            message = (
                f"la campagne {year} est close : le bilan {year} ne peut plus être modifié que "
                "par l'équipe de pilotage"
            )
        else:
            message = f"aucune campagne de bilan n'est ouverte pour {year}"
        return (message, CAMPAIGN_CLOSED)

    return check


def file(
    *,
    session: Session,
    actor: Actor,
    parsed: Parsed,
    trackables: dict[str, Any],
    submit: bool,
    dry_run: bool = False,
    skip_as_downloaded: bool = False,
) -> Filed:
    """Write ``parsed``'s rows (checked, without problems) as pending reports: drafts, or
    submitted (``submit``). ``skip_as_downloaded``: a row still as the spreadsheet pre-filled
    it, with no pending report, is read past."""
    by_year: dict[int, list[ParsedRow]] = defaultdict(list)
    for row in parsed.rows:
        by_year[row.year].append(row)
    plan = _Plan(actor, submit, utcnow())
    for year, rows in sorted(by_year.items()):
        ids = [trackables[row.trackable_code].id for row in rows]
        downloaded = spreadsheet.prefilled(session, ids, year)
        for row in rows:
            trackable = trackables[row.trackable_code]
            plan.add(row, trackable, downloaded[trackable.id], skip_as_downloaded)
    if not dry_run and (plan.inserts or plan.updates):
        # Pending reports and audit entries only: the structure stamp stays (app.revision); a
        # file that changes nothing writes nothing, not even the revision.
        revision.touch(session, structure=False)
        plan.write(session)
    return Filed(
        rows=len(parsed.rows),
        created=len(plan.inserts),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        skipped=plan.skipped + parsed.skipped,
    )


#: The columns an update of a pending report sets (from the file, and who saved it when).
_UPDATED = (
    "state",
    *pending.REPORT_FIELDS,
    "saved_by",
    "saved_at",
    "submitted_by",
    "submitted_at",
    "version",
)


@dataclass
class _Plan:
    actor: Actor
    submit: bool
    now: Any
    unchanged: int = 0
    skipped: int = 0

    def __post_init__(self) -> None:
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.changes: list[Change] = []

    def add(
        self, row: ParsedRow, trackable: Any, downloaded: spreadsheet.Prefill, skip: bool
    ) -> None:
        fields: dict[str, Any] = {
            "progress": row.progress,
            "status": row.status or Status(trackable.status),
            "comment": row.comment,
            **{name: row.budgets[name] for name in BUDGET_COLUMNS},
        }
        target = ReportState.submitted if self.submit else ReportState.draft
        current = downloaded.pending
        key = f"{trackable.code}/{row.year}"
        if current is None:
            if fields == downloaded.values and (downloaded.state == ReportState.validated or skip):
                # As published, or as the spreadsheet pre-filled it: nothing to file.
                if downloaded.state == ReportState.validated:
                    self.unchanged += 1
                else:
                    self.skipped += 1
                return
            values = self._saved(fields, target, None) | {
                "trackable_id": trackable.id,
                "year": row.year,
                "milestones": [],
                "indicator_values": {},
                "review_comment": "",
                "reviewed_by": None,
                "reviewed_at": None,
                "version": 1,
            }
            self.inserts.append(values)
            self.changes.append(Change(PENDING_REPORT_ENTITY, key, None, _snapshot(values)))
            return
        before = dict(current._mapping)
        if fields == downloaded.values and (not self.submit or current.state == target):
            self.unchanged += 1
            return
        changed = self._saved(fields, target, before) | {"version": current.version + 1}
        self.updates.append(
            {f"new_{name}": changed[name] for name in _UPDATED}
            | {"row_id": current.id, "read_version": current.version}
        )
        self.changes.append(
            Change(PENDING_REPORT_ENTITY, key, _snapshot(before), _snapshot(before | changed))
        )

    def _saved(
        self, fields: dict[str, Any], target: ReportState, before: dict[str, Any] | None
    ) -> dict[str, Any]:
        submitted = (
            (self.actor.name, self.now)
            if self.submit
            else ((before["submitted_by"], before["submitted_at"]) if before else (None, None))
        )
        return fields | {
            "state": target,
            "saved_by": self.actor.name,
            "saved_at": self.now,
            "submitted_by": submitted[0],
            "submitted_at": submitted[1],
        }

    def write(self, session: Session) -> None:
        table: Any = PendingReport.__table__  # type: ignore[attr-defined]
        if self.inserts:
            session.execute(insert(table), self.inserts)
        if self.updates:
            # Parameters are named "new_<column>": a bound name may not be a column's own name.
            # Each as it was read: one saved meanwhile (another tab, a colleague) refuses all.
            done = session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .where(table.c.version == bindparam("read_version"))
                .values({name: bindparam(f"new_{name}") for name in _UPDATED}),
                self.updates,
            )
            if done.rowcount != len(self.updates):  # type: ignore[attr-defined]
                raise ConflictError(
                    "un de ces bilans a été enregistré par ailleurs pendant l'import : rien n'a "
                    "été écrit, importez le fichier de nouveau"
                )
        audit.record_all(session, self.actor, self.changes)


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """A pending report as its audit entries show it (app.campaigns.pending)."""
    known = {name: values[name] for name in PendingReport.model_fields if name in values}
    return pending.audit_snapshot(PendingReport(**known))
