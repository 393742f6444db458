"""Yearly progress reports: one per trackable and year, created or replaced by PUT (a full
replacement: fields left out are cleared), changed field by field by PATCH.

One status. A trackable's current status (``Trackable.status``) and the status of its latest
report (the highest year with a report) are one and the same fact, kept equal in the same
transaction, each side's write audited:

- writing the latest year's report (``write`` of the highest year, or of a later year, which
  becomes the latest) sets the trackable's status to the report's: the caller then calls
  ``app.trackables.writes.follow_report`` (the PUT and PATCH routes do, in
  ``app.trackables.routes.shared``), which records the trackable's change as any PATCH of it is
  recorded;
- an explicit change of the trackable's status (PATCH of the action or flagship project) also
  sets its latest report's status (``follow_trackable``, called by ``writes.update``), recorded as
  a write of that report;
- writing an older year's report leaves the current status alone.

No page, API answer or export can then show a trackable "À venir" beside a latest report
"En cours". The CSV import (``app.trackables.imports``) follows the same rule
(``app.trackables.writes.follow_reports`` after its bulk writes).
"""

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, func, select

from app import revision
from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import NotFoundError, PreconditionFailedError, null_refused
from app.core.versioning import check_version
from app.models import ProgressReport, Status, Trackable
from app.models.base import utcnow
from app.models.tracking import ProgressReportInput, ProgressReportPublic, ProgressReportUpdate


def latest_report(column: Any) -> Any:
    """``column`` of the row's trackable's latest yearly report, a scalar subquery correlated to
    ``Trackable`` and looked up by the (trackable, year) index: for a page of rows, or to sort
    by (joining every trackable's latest report grouped the whole table on each request)."""
    return (
        select(column)
        .where(col(ProgressReport.trackable_id) == col(Trackable.id))
        .order_by(col(ProgressReport.year).desc())
        .limit(1)
        .correlate(Trackable)
        .scalar_subquery()
    )


def latest_progress_subquery(trackable_ids: Iterable[int] | None = None) -> Any:
    """``(trackable_id, year, progress, status)`` of each trackable's latest yearly report."""
    latest: Any = select(
        col(ProgressReport.trackable_id).label("trackable_id"),
        func.max(ProgressReport.year).label("year"),
    ).group_by(col(ProgressReport.trackable_id))
    reports: Any = select(
        col(ProgressReport.trackable_id).label("trackable_id"),
        col(ProgressReport.year).label("year"),
        col(ProgressReport.progress).label("progress"),
        col(ProgressReport.status).label("status"),
    )
    if trackable_ids is not None:
        # On both sides of the join: with the outer side unfiltered, PostgreSQL scanned every
        # report to join a page's 50 (28 ms at scale 100, 137,000 reports; now index look-ups).
        wanted = col(ProgressReport.trackable_id).in_(list(trackable_ids))
        latest, reports = latest.where(wanted), reports.where(wanted)
    newest = latest.subquery()
    return reports.join(
        newest,
        (col(ProgressReport.trackable_id) == newest.c.trackable_id)
        & (col(ProgressReport.year) == newest.c.year),
    ).subquery()


def latest_progress(
    session: Session, trackable_ids: Iterable[int] | None = None
) -> dict[int, tuple[int, float]]:
    """``{trackable id: (year, progress)}`` of the latest yearly report, in one query
    (for the given trackables, or all of them)."""
    latest = latest_progress_subquery(trackable_ids)
    rows = session.execute(select(latest.c.trackable_id, latest.c.year, latest.c.progress)).all()
    return {trackable_id: (year, progress) for trackable_id, year, progress in rows}


def latest_statuses(session: Session, trackable_ids: Iterable[int]) -> dict[int, Status]:
    """``{trackable id: status of its latest yearly report}`` (trackables with a report)."""
    latest = latest_progress_subquery(trackable_ids)
    rows = session.execute(select(latest.c.trackable_id, latest.c.status)).all()
    return {trackable_id: Status(status) for trackable_id, status in rows}


#: The audit trail's name for a yearly report (app.trackables.kept finds the reports written since
#: a revision by it).
PROGRESS_ENTITY = "progress_report"

#: Who and when are the audit entry's own fields; token names stay out of the public history.
AUDIT_EXCLUDED = {"reported_by", "reported_at"}


def _total(*amounts: float | None) -> float | None:
    known = [a for a in amounts if a is not None]
    return sum(known) if known else None


def public(report: ProgressReport, *, show_names: bool = True) -> ProgressReportPublic:
    return ProgressReportPublic(
        year=report.year,
        progress=report.progress,
        status=report.status,
        status_label=Status(report.status).label,
        comment=report.comment,
        budget_planned=_total(report.budget_planned_investment, report.budget_planned_operating),
        budget_planned_investment=report.budget_planned_investment,
        budget_planned_operating=report.budget_planned_operating,
        budget_spent=_total(report.budget_spent_investment, report.budget_spent_operating),
        budget_spent_investment=report.budget_spent_investment,
        budget_spent_operating=report.budget_spent_operating,
        reported_by=report.reported_by if show_names else None,
        reported_at=report.reported_at,
        version=report.version,
    )


def get_all(
    *, session: Session, trackable: Trackable, show_names: bool = True
) -> list[ProgressReportPublic]:
    reports = session.exec(
        select(ProgressReport)
        .where(col(ProgressReport.trackable_id) == trackable.id)
        .order_by(col(ProgressReport.year))
    ).all()
    return [public(r, show_names=show_names) for r in reports]


def find(session: Session, trackable: Trackable, year: int) -> ProgressReport | None:
    """The published report of ``year``, if there is one."""
    return session.exec(
        select(ProgressReport).where(
            col(ProgressReport.trackable_id) == trackable.id, col(ProgressReport.year) == year
        )
    ).first()


def latest(session: Session, trackable: Trackable) -> ProgressReport | None:
    """The report of the highest year, or None when the trackable has none."""
    return session.exec(
        select(ProgressReport)
        .where(col(ProgressReport.trackable_id) == trackable.id)
        .order_by(col(ProgressReport.year).desc())
        .limit(1)
    ).first()


def latest_year(session: Session, trackable: Trackable) -> int | None:
    """The highest year ``trackable`` has a report of (None without any): a plain value, for a
    writer that only needs to know whether its report is the latest."""
    return session.scalar(
        select(func.max(col(ProgressReport.year))).where(
            col(ProgressReport.trackable_id) == trackable.id
        )
    )


def get(*, session: Session, trackable: Trackable, year: int) -> ProgressReport:
    report = find(session, trackable, year)
    if report is None:
        raise NotFoundError("progress report", f"{trackable.code}/{year}")
    return report


def write(
    *,
    session: Session,
    actor: Actor,
    trackable: Trackable,
    year: int,
    data: ProgressReportInput | ProgressReportUpdate,
    if_match: int | None,
    optimistic: bool = True,
) -> tuple[ProgressReport, bool]:
    """Write the report of ``year``; returns it and whether it was created. A
    ``ProgressReportInput`` (PUT) creates or replaces the whole report: fields left out are
    cleared and the status defaults to the trackable's. A ``ProgressReportUpdate`` (PATCH) changes
    the fields sent of the existing report (404 when there is none); the others keep their values.
    Either way the report's ``reported_by`` and ``reported_at`` become the actor's and now, and a
    stale If-Match is refused (412). ``actor`` may write ``trackable``
    (``app.trackables.routes.deps.writable_trackable``); the caller then applies the status rule
    (``app.trackables.writes.follow_report``).

    ``optimistic`` (the default): an existing report is read before the revision is taken, so the
    revision's lock is held for the writes only; the UPDATE checks the version read
    (``app.models.base.versioned``), and if another writer committed the report in between, the
    flush raises StaleDataError: the caller rolls back and writes again with ``optimistic=False``
    (the report read under the lock), or answers 412 to a caller that named a version."""
    key = f"{trackable.code}/{year}"
    fields = written_fields(trackable, data) | {"reported_by": actor.name, "reported_at": utcnow()}
    report = find(session, trackable, year) if optimistic else None
    if report is None:
        # A creation, or a write again after a stale read: the revision first, then the report
        # looked for under its lock, so that two concurrent PUTs of a new year cannot both find
        # none and both insert it (on PostgreSQL, where reads do not wait; the second got a 409).
        revision.touch(session, structure=False)
        report = find(session, trackable, year)
    before = None
    if report is None:
        if isinstance(data, ProgressReportUpdate):
            raise NotFoundError("progress report", key)
        if if_match is not None:
            raise PreconditionFailedError(f"Le bilan {key}", None)
        assert trackable.id is not None
        report = ProgressReport(trackable_id=trackable.id, year=year, **fields)
        session.add(report)
    else:
        check_version(f"Le bilan {key}", report.version, if_match)
        revision.touch(session, structure=False)
        before = public(report).model_dump(mode="json", exclude=AUDIT_EXCLUDED)
        report.version += 1
        for name, value in fields.items():
            setattr(report, name, value)
    session.flush()
    after = public(report).model_dump(mode="json", exclude=AUDIT_EXCLUDED)
    audit.record(session, actor, PROGRESS_ENTITY, key, before, after, trackable_id=trackable.id)
    return report, before is None


#: Fields a PATCH may not set to null: they always have a value.
_NOT_NULL = frozenset({"progress", "status", "comment"})


def written_fields(
    trackable: Trackable, data: ProgressReportInput | ProgressReportUpdate
) -> dict[str, Any]:
    """What a write sets: every field for a PUT, the fields sent for a PATCH."""
    if isinstance(data, ProgressReportInput):
        return data.model_dump(exclude={"status"}) | {
            "status": data.status or Status(trackable.status)
        }
    changes = data.model_dump(exclude_unset=True)
    for name in _NOT_NULL & changes.keys():
        if changes[name] is None:
            raise null_refused(name)
    return changes


def follow_trackable(*, session: Session, actor: Actor, trackable: Trackable) -> None:
    """After an explicit change of ``trackable``'s status: its latest report, if any, takes that
    status too (one truth), recorded as a write of the report. Its progress, comment, budgets,
    ``reported_by`` and ``reported_at`` stay: who changed the status is in the audit entry."""
    report = latest(session, trackable)
    if report is None or report.status == trackable.status:
        return
    key = f"{trackable.code}/{report.year}"
    before = public(report).model_dump(mode="json", exclude=AUDIT_EXCLUDED)
    report.version += 1
    report.status = Status(trackable.status)
    session.flush()
    after = public(report).model_dump(mode="json", exclude=AUDIT_EXCLUDED)
    audit.record(session, actor, PROGRESS_ENTITY, key, before, after, trackable_id=trackable.id)
