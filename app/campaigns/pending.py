"""Reports waiting to be published: saved as drafts, submitted, sent back, validated.

The steps, each recorded in the audit trail with who took it (entity ``pending_report``, kept out
of the public change feed and histories: app.audit.changes):

- ``save``: an editor of the lead directorate (or an admin) writes the report of ``year`` as a
  draft, or submits it at once (``submit=True``). Editors only within the open campaign of that
  year; a stale version is refused (412) and the caller shows both versions.
- ``submit``: the draft goes to the admins as it is.
- ``send_back``: an admin returns a submitted report with a comment (a mail tells the directorate:
  app.campaigns.reminders).
- ``validate``: an admin publishes it: the report becomes the year's published report
  (app.trackables.progress.write, the status rule applied), its milestones and indicator values
  are written, and the pending row is deleted.

An editor's API write of a yearly report (PUT or PATCH) is filed here as submitted
(``file_report``); an admin's is published directly (app.trackables.progress) and ends the
pending report of that trackable and year, if any (``supersede``): the admin's report is the
year's, and what was pending stays readable in the audit trail.
"""

from collections.abc import Collection
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from app import revision
from app.audit import audit
from app.audit.audit import Change
from app.auth.tokens import Actor
from app.campaigns import campaigns
from app.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
)
from app.core.versioning import check_version
from app.indicators import indicators
from app.models import (
    Campaign,
    Indicator,
    IndicatorLink,
    Milestone,
    PendingReport,
    ProgressReport,
    ReportState,
    Status,
    Trackable,
)
from app.models.base import utcnow
from app.models.campaigns import (
    PENDING_REPORT_ENTITY,
    PendingReportInput,
    PendingReportPublic,
)
from app.models.indicators import IndicatorValueInput
from app.models.tracking import (
    MilestoneInput,
    MilestoneUpdate,
    ProgressReportInput,
    ProgressReportUpdate,
)
from app.trackables import milestones as milestone_service
from app.trackables import progress, writes

#: The fields of the report itself, shared with the published report.
REPORT_FIELDS = tuple(ProgressReportInput.model_fields)


def public(row: PendingReport, trackable_code: str) -> PendingReportPublic:
    return PendingReportPublic(
        trackable_code=trackable_code,
        state_label=ReportState(row.state).label,
        status_label=Status(row.status).label,
        **row.model_dump(exclude={"id", "trackable_id"}),
    )


def find(session: Session, trackable: Trackable, year: int) -> PendingReport | None:
    return session.exec(
        select(PendingReport).where(
            col(PendingReport.trackable_id) == trackable.id, col(PendingReport.year) == year
        )
    ).first()


def get(*, session: Session, trackable: Trackable, year: int) -> PendingReport:
    row = find(session, trackable, year)
    if row is None:
        raise NotFoundError(
            "pending report",
            f"{trackable.code}/{year}",
            f"aucun bilan {year} en attente pour {trackable.code}",
        )
    return row


def get_all(
    *, session: Session, year: int | None, trackable_ids: list[int] | None
) -> list[tuple[PendingReport, str]]:
    """Pending reports with their trackable's code, by code then year (``trackable_ids`` None:
    all of them, for admins)."""
    query = select(PendingReport, Trackable.code).join(
        Trackable, col(Trackable.id) == col(PendingReport.trackable_id)
    )
    if year is not None:
        query = query.where(col(PendingReport.year) == year)
    if trackable_ids is not None:
        query = query.where(col(PendingReport.trackable_id).in_(trackable_ids))
    rows = session.exec(query.order_by(col(Trackable.code), col(PendingReport.year))).all()
    return [(row, code) for row, code in rows]


def get_page(
    *,
    session: Session,
    year: int | None,
    state: ReportState | None,
    lead_directorate_ids: frozenset[int] | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[PendingReport, str]], int]:
    """One page of the pending reports, with their trackable's code, by code then year, and how
    many in all (two queries): of ``year`` and in ``state`` if given, of the trackables one of
    ``lead_directorate_ids`` leads (None: all of them, for admins)."""
    query = select(PendingReport, Trackable.code).join(
        Trackable, col(Trackable.id) == col(PendingReport.trackable_id)
    )
    if year is not None:
        query = query.where(col(PendingReport.year) == year)
    if state is not None:
        query = query.where(col(PendingReport.state) == state)
    if lead_directorate_ids is not None:
        query = query.where(col(Trackable.lead_directorate_id).in_(lead_directorate_ids))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Trackable.code), col(PendingReport.year)).limit(limit).offset(offset)
    ).all()
    return [(row, code) for row, code in rows], total


def _check_campaign(session: Session, actor: Actor, year: int) -> None:
    """Editors write within the open campaign of ``year`` only."""
    if actor.is_admin:
        return
    campaign = campaigns.get_open(session=session)
    if campaign is None or campaign.year != year:
        held = session.exec(select(Campaign.id).where(col(Campaign.year) == year)).first()
        if held is not None:
            raise ConflictError(
                f"la campagne {year} est close : le bilan {year} ne peut plus être modifié que "
                "par l'équipe de pilotage"
            )
        raise ConflictError(f"aucune campagne de bilan n'est ouverte pour {year}")


def audit_snapshot(row: PendingReport) -> dict[str, Any]:
    return row.model_dump(
        mode="json", exclude={"id", "trackable_id", "saved_by", "saved_at", "version"}
    )


def _record(
    session: Session, actor: Actor, trackable: Trackable, row: PendingReport, before: Any
) -> None:
    key = f"{trackable.code}/{row.year}"
    audit.record(session, actor, PENDING_REPORT_ENTITY, key, before, audit_snapshot(row))


def _check_links(session: Session, trackable: Trackable, data: PendingReportInput) -> None:
    """The milestones changed are the trackable's, the indicators are linked to it."""
    ids = [m.id for m in data.milestones if m.id is not None]
    seen: set[int] = set()
    for index, milestone in enumerate(data.milestones):
        if milestone.id in seen:
            raise InvalidInputError(
                ("body", "milestones", index, "id"),
                f"le jalon {milestone.id} figure deux fois dans le bilan",
            )
        if milestone.id is not None:
            seen.add(milestone.id)
    if ids:
        known = set(
            session.exec(
                select(Milestone.id).where(
                    col(Milestone.id).in_(ids), col(Milestone.trackable_id) == trackable.id
                )
            )
        )
        for index, milestone in enumerate(data.milestones):
            if milestone.id is not None and milestone.id not in known:
                raise InvalidInputError(
                    ("body", "milestones", index, "id"),
                    f"le jalon {milestone.id} n'est pas un jalon de {trackable.code}",
                )
    if data.indicator_values:
        linked = set(linked_indicators(session, trackable))
        for code in data.indicator_values:
            if code not in linked:
                raise InvalidInputError(
                    ("body", "indicator_values", code),
                    f"l'indicateur « {code} » n'est pas rattaché à {trackable.code}",
                )


def linked_indicators(session: Session, trackable: Trackable) -> list[str]:
    """The codes of the indicators linked to ``trackable``, by code."""
    return list(
        session.exec(
            select(Indicator.code)
            .join(IndicatorLink, col(IndicatorLink.indicator_id) == col(Indicator.id))
            .where(col(IndicatorLink.trackable_id) == trackable.id)
            .order_by(col(Indicator.code))
        )
    )


def save(
    *,
    session: Session,
    actor: Actor,
    trackable: Trackable,
    year: int,
    data: PendingReportInput,
    if_match: int | None,
    submit: bool = False,
) -> PendingReport:
    """Save the report of ``year`` as a draft, or submit it (``submit``). ``actor`` may write
    ``trackable`` (app.trackables.routes.deps.writable_trackable); ``if_match`` is the version
    the writer started from (None: whatever is there)."""
    revision.touch(session, structure=False)
    _check_campaign(session, actor, year)
    _check_links(session, trackable, data)
    row = find(session, trackable, year)
    fields = data.model_dump(mode="json", include=set(REPORT_FIELDS)) | {
        "milestones": [m.model_dump(mode="json") for m in data.milestones],
        "indicator_values": dict(data.indicator_values),
        "status": data.status,
        "saved_by": actor.name,
        "saved_at": utcnow(),
    }
    return _write(session, actor, trackable, year, row, fields, if_match, submit=submit)


def _write(
    session: Session,
    actor: Actor,
    trackable: Trackable,
    year: int,
    row: PendingReport | None,
    fields: dict[str, Any],
    if_match: int | None,
    *,
    submit: bool,
) -> PendingReport:
    before = None
    if row is None:
        if if_match is not None:
            check_version(f"Le bilan {trackable.code}/{year} en attente", 0, if_match)
        assert trackable.id is not None
        row = PendingReport(trackable_id=trackable.id, year=year, state=ReportState.draft, **fields)
        session.add(row)
    else:
        check_version(f"Le bilan {trackable.code}/{year} en attente", row.version, if_match)
        before = audit_snapshot(row)
        row.version += 1
        for name, value in fields.items():
            setattr(row, name, value)
        row.state = ReportState.draft
    if submit:
        _mark_submitted(row, actor)
    session.flush()
    _record(session, actor, trackable, row, before)
    return row


def _mark_submitted(row: PendingReport, actor: Actor) -> None:
    row.state = ReportState.submitted
    row.submitted_by = actor.name
    row.submitted_at = utcnow()
    row.review_comment = ""  # answered (who sent it back and when stay, and the audit trail)


def submit(
    *, session: Session, actor: Actor, trackable: Trackable, year: int, if_match: int | None
) -> PendingReport:
    """Submit the saved report of ``year`` as it is."""
    revision.touch(session, structure=False)
    _check_campaign(session, actor, year)
    row = get(session=session, trackable=trackable, year=year)
    check_version(f"Le bilan {trackable.code}/{year} en attente", row.version, if_match)
    if row.state == ReportState.submitted:
        raise ConflictError(f"le bilan {trackable.code}/{year} est déjà transmis")
    before = audit_snapshot(row)
    row.version += 1
    _mark_submitted(row, actor)
    session.flush()
    _record(session, actor, trackable, row, before)
    return row


def _submitted(
    session: Session, trackable: Trackable, year: int, if_match: int | None
) -> PendingReport:
    row = get(session=session, trackable=trackable, year=year)
    check_version(f"Le bilan {trackable.code}/{year} en attente", row.version, if_match)
    if row.state != ReportState.submitted:
        raise ConflictError(
            f"le bilan {trackable.code}/{year} n'a pas été transmis "
            f"(il est « {ReportState(row.state).label} »)"
        )
    return row


def send_back(
    *,
    session: Session,
    actor: Actor,
    trackable: Trackable,
    year: int,
    comment: str,
    if_match: int | None,
) -> PendingReport:
    """Return a submitted report to its directorate with ``comment`` (admins)."""
    revision.touch(session, structure=False)
    row = _submitted(session, trackable, year, if_match)
    before = audit_snapshot(row)
    row.version += 1
    row.state = ReportState.sent_back
    row.review_comment = comment
    row.reviewed_by = actor.name
    row.reviewed_at = utcnow()
    session.flush()
    _record(session, actor, trackable, row, before)
    return row


def validate(
    *, session: Session, actor: Actor, trackable: Trackable, year: int, if_match: int | None
) -> ProgressReport:
    """Publish a submitted report (admins): it becomes ``year``'s published report (the status
    rule applied), its milestones and indicator values are written, each audited; the pending
    row is deleted."""
    revision.touch(session, structure=False)
    row = _submitted(session, trackable, year, if_match)
    data = ProgressReportInput.model_validate({name: getattr(row, name) for name in REPORT_FIELDS})
    report, _ = progress.write(  # the revision is taken: the report is read under its lock
        session=session,
        actor=actor,
        trackable=trackable,
        year=year,
        data=data,
        if_match=None,
        optimistic=False,
    )
    # Who reported is who submitted it; who published it is in the audit entry.
    report.reported_by = row.submitted_by or row.saved_by
    writes.follow_report(session=session, actor=actor, trackable=trackable, report=report)
    _publish_milestones(session, actor, trackable, row.milestones)
    _publish_values(session, actor, trackable, year, row.indicator_values)
    before = audit_snapshot(row)
    audit.record(
        session,
        actor,
        PENDING_REPORT_ENTITY,
        f"{trackable.code}/{year}",
        before,
        before | {"state": ReportState.validated.value},
    )
    session.delete(row)
    session.flush()
    return report


def _publish_milestones(
    session: Session, actor: Actor, trackable: Trackable, drafts: list[dict[str, Any]]
) -> None:
    ids = [m["id"] for m in drafts if m.get("id") is not None]
    existing = {
        m.id: m
        for m in session.exec(
            select(Milestone).where(
                col(Milestone.id).in_(ids), col(Milestone.trackable_id) == trackable.id
            )
        )
    }
    for draft in drafts:
        fields = {k: draft.get(k) for k in ("title", "planned_on", "achieved_on", "done")}
        milestone = existing.get(draft.get("id"))
        if milestone is None:
            # A milestone deleted since the draft was saved comes back as a new one: the
            # directorate's words are not lost.
            milestone_service.create(
                session=session,
                actor=actor,
                trackable=trackable,
                data=MilestoneInput.model_validate(fields),
            )
        else:
            milestone_service.update(
                session=session,
                actor=actor,
                milestone=milestone,
                trackable=trackable,
                data=MilestoneUpdate.model_validate(fields),
                if_match=None,
            )


def _publish_values(
    session: Session, actor: Actor, trackable: Trackable, year: int, values: dict[str, float]
) -> None:
    if not values:
        return
    rows = {
        i.code: i for i in session.exec(select(Indicator).where(col(Indicator.code).in_(values)))
    }
    for code, value in sorted(values.items()):
        indicator = rows.get(code)
        if indicator is None:
            continue  # deleted since: nothing to write it to
        indicators.put_value(
            session=session,
            actor=actor,
            indicator=indicator,
            year=year,
            commune=None,
            data=IndicatorValueInput(value=value),
        )


def file_report(
    *,
    session: Session,
    actor: Actor,
    trackable: Trackable,
    year: int,
    data: ProgressReportInput | ProgressReportUpdate,
    if_match: int | None,
) -> PendingReport:
    """An editor's API write of a yearly report (PUT: the whole report; PATCH: the fields sent,
    over the pending report, or else the published one), filed as submitted."""
    revision.touch(session, structure=False)
    _check_campaign(session, actor, year)
    row = find(session, trackable, year)
    fields = progress.written_fields(trackable, data)
    if row is None:
        # No pending report yet: what the writer replaces, or changes, is the published one
        # (If-Match names its version, as a GET of the report gave it).
        published = progress.find(session, trackable, year)
        key = f"{trackable.code}/{year}"
        if published is None and isinstance(data, ProgressReportUpdate):
            raise NotFoundError("progress report", key)
        if if_match is not None and published is None:
            raise PreconditionFailedError(f"Le bilan {key}", None)
        if published is not None:
            check_version(f"Le bilan {key}", published.version, if_match)
            if isinstance(data, ProgressReportUpdate):
                fields = {name: getattr(published, name) for name in REPORT_FIELDS} | fields
        if_match = None
    fields |= {"saved_by": actor.name, "saved_at": utcnow()}
    return _write(session, actor, trackable, year, row, fields, if_match, submit=True)


def supersede(*, session: Session, actor: Actor, keys: Collection[tuple[int, int]]) -> int:
    """End the pending reports of ``keys`` (trackable id, year) that an admin has just published
    directly (an API write, an import): each is deleted, its content recorded in the audit trail
    (a deletion). Returns how many; three statements whatever the number of keys."""
    if not keys:
        return 0
    wanted = set(keys)
    found = [
        (row, code)
        for row, code in session.exec(
            select(PendingReport, Trackable.code)
            .join(Trackable, col(Trackable.id) == col(PendingReport.trackable_id))
            .where(col(PendingReport.trackable_id).in_({tid for tid, _ in wanted}))
            .where(col(PendingReport.year).in_({year for _, year in wanted}))
        )
        if (row.trackable_id, row.year) in wanted
    ]
    if not found:
        return 0
    audit.record_all(
        session,
        actor,
        [
            Change(PENDING_REPORT_ENTITY, f"{code}/{row.year}", audit_snapshot(row), None)
            for row, code in found
        ],
    )
    session.execute(
        delete(PendingReport).where(col(PendingReport.id).in_([row.id for row, _ in found]))
    )
    for row, _ in found:
        session.expunge(row)
    return len(found)
