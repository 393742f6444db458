"""A yearly report's writes and its pending report, for each kind of trackable, mounted under
``/actions`` and ``/flagship-projects`` beside the kind's other routes
(app.trackables.routes.shared, which reads the published reports):

- ``PUT`` / ``PATCH /{code}/progress/{year}``: an admin's write publishes the report at once; an
  editor's is filed as a pending report, submitted (202), within the open campaign of the year;
- ``/{code}/progress/{year}/pending``: the report not yet published — read (``GET``), saved as a
  draft (``PUT``), submitted, and, by admins, sent back or validated (which publishes it).

Here rather than in app.trackables: what an editor's write becomes is the campaign's rule, and
app.trackables may not import app.campaigns."""

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from app.api.deps import CurrentActor, IfMatch, SessionDep
from app.api.permissions import AdminActor, TrackingWriter
from app.api.responses import problem
from app.api.routing import Route, replacing, updating
from app.auth.tokens import Actor
from app.campaigns import pending
from app.campaigns.routes.deps import AUTHENTICATED, PRIVATE, private, readable_trackable
from app.core.versioning import version_etag
from app.models import PendingReport, TrackableKind
from app.models.campaigns import PendingReportInput, PendingReportPublic, SendBack
from app.models.tracking import ProgressReportInput, ProgressReportPublic, ProgressReportUpdate
from app.trackables import progress, trackables, writes
from app.trackables.routes.deps import writable_trackable
from app.trackables.routes.shared import Year

#: The answer to an editor's write of a yearly report.
FILED: dict[int | str, dict[str, Any]] = {
    status.HTTP_202_ACCEPTED: {
        "model": PendingReportPublic,
        "description": "An editor's report, filed as a pending report (submitted) for an admin "
        "to validate; its ETag is the pending report's version",
    }
}

PUT_DOC = (
    "Editors of the lead directorate and admins. A full replacement: fields left out are\n"
    "cleared (comment emptied, budgets removed) and the status defaults to the trackable's\n"
    "current status; use PATCH to change some fields only. Writing the latest year's report\n"
    "(the highest year with one) sets the trackable's current status to the report's status;\n"
    "an older year's report leaves it alone."
)
PATCH_DOC = (
    "Editors of the lead directorate and admins. Only the fields sent change (a budget sent\n"
    "as null is removed; progress, status and comment may not be null); the report must exist\n"
    "(PUT creates it). Patching the latest year's status sets the trackable's current status\n"
    "too."
)

#: What an editor's write of a yearly report becomes, in each write's description.
EDITORS = """

An admin's write publishes the report at once (200, or 201 when it creates it) and ends the
pending report of the same trackable and year, if any (its content stays in the audit trail). An
editor's (of
the lead directorate) is filed as the year's pending report, submitted for an admin to validate
(202 Accepted, the pending report in the body): only while the campaign of that year is open (409
otherwise), and it is not public until validated. If-Match names the version of what the write
replaces: the pending report if there is one, else the published report."""


def _filed(route: Route) -> Route:
    return route | {"responses": {**route["responses"], **FILED}}


def _pending(row: PendingReport, code: str, response: Response) -> PendingReportPublic:
    private(response, row.version)
    return pending.public(row, code)


def _write_report(
    kind: TrackableKind,
    code: str,
    year: int,
    data: ProgressReportInput | ProgressReportUpdate,
    session: Session,
    actor: Actor,
    if_match: int | None,
    response: Response,
) -> Any:
    """A PUT or a PATCH of a yearly report: published, then the status rule, and the year's
    pending report ended (admins); filed as a pending report (editors)."""
    trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
    if not actor.is_admin:
        row = pending.file_report(
            session=session,
            actor=actor,
            trackable=trackable,
            year=year,
            data=data,
            if_match=if_match,
        )
        body = pending.public(row, trackable.code).model_dump(mode="json")
        headers = {"ETag": version_etag(row.version), "Cache-Control": PRIVATE}
        return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED, headers=headers)
    try:
        report, created = progress.write(
            session=session,
            actor=actor,
            trackable=trackable,
            year=year,
            data=data,
            if_match=if_match,
        )
    except StaleDataError:
        if if_match is not None:
            raise  # the version the caller named is no longer the report's: 412
        # Another writer committed this report between its read and the revision's lock (a PUT
        # without If-Match: the last writer wins): written again, the report read under the lock.
        session.rollback()
        trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
        report, created = progress.write(
            session=session,
            actor=actor,
            trackable=trackable,
            year=year,
            data=data,
            if_match=None,
            optimistic=False,
        )
    writes.follow_report(session=session, actor=actor, trackable=trackable, report=report)
    pending.supersede(session=session, actor=actor, keys=[(report.trackable_id, year)])
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["ETag"] = version_etag(report.version)
    return progress.public(report)


def reports_router(kind: TrackableKind) -> APIRouter:
    """The report writes and pending reports of ``kind``; its codes are the only ones found."""
    noun = kind.value.replace("_", " ")
    router = APIRouter(prefix=f"/{noun.replace(' ', '-')}s", tags=[f"{noun}s"])
    unknown = f"Unknown {noun} code"
    no_report = f"{unknown}, or no report that year"
    no_pending = f"{unknown}, or no pending report that year"

    @router.put(
        "/{code}/progress/{year}",
        description=PUT_DOC + EDITORS,
        **_filed(
            replacing(
                ProgressReportPublic,
                f"Create or replace one yearly report of a {noun}",
                unknown,
                if_match=True,
            )
        ),
    )
    def put_progress(
        code: str,
        year: Year,
        data: ProgressReportInput,
        session: SessionDep,
        actor: TrackingWriter,
        if_match: IfMatch,
        response: Response,
    ) -> Any:
        return _write_report(kind, code, year, data, session, actor, if_match, response)

    @router.patch(
        "/{code}/progress/{year}",
        description=PATCH_DOC + EDITORS,
        **_filed(
            updating(
                ProgressReportPublic,
                f"Change some fields of one yearly report of a {noun}",
                no_report,
                if_match=True,
            )
        ),
    )
    def patch_progress(
        code: str,
        year: Year,
        data: ProgressReportUpdate,
        session: SessionDep,
        actor: TrackingWriter,
        if_match: IfMatch,
        response: Response,
    ) -> Any:
        return _write_report(kind, code, year, data, session, actor, if_match, response)

    @router.get(
        "/{code}/progress/{year}/pending",
        response_model=PendingReportPublic,
        summary=f"The pending report of a {noun} for a year (authenticated)",
        responses={**AUTHENTICATED, 404: problem(no_pending)},
    )
    def read_pending(
        code: str, year: Year, session: SessionDep, actor: CurrentActor, response: Response
    ) -> PendingReportPublic:
        """The report not yet published: a draft, submitted, or sent back with the admin's
        comment. Editors of the lead directorate and admins; never public, never cached. The
        ETag is its version, for If-Match."""
        trackable = readable_trackable(session=session, actor=actor, code=code, kind=kind)
        row = pending.get(session=session, trackable=trackable, year=year)
        return _pending(row, trackable.code, response)

    @router.put(
        "/{code}/progress/{year}/pending",
        **replacing(
            PendingReportPublic,
            f"Save the pending report of a {noun} as a draft",
            unknown,
            if_match=True,
        ),
    )
    def save_pending(
        code: str,
        year: Year,
        data: PendingReportInput,
        session: SessionDep,
        actor: TrackingWriter,
        if_match: IfMatch,
        response: Response,
    ) -> PendingReportPublic:
        """Editors of the lead directorate (while the campaign of the year is open) and admins.
        The whole report — status, progress, comment, budgets, the milestones to add (no `id`)
        or change (the `id` of one of the trackable's), the values of the year of the
        indicators linked to it — saved as a draft, visible to the directorate and the admins
        only (a submitted or sent-back report becomes a draft again). `If-Match: "0"` when
        there is none yet refuses to overwrite one saved meanwhile."""
        trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
        row = pending.save(
            session=session,
            actor=actor,
            trackable=trackable,
            year=year,
            data=data,
            if_match=if_match,
        )
        response.status_code = status.HTTP_201_CREATED if row.version == 1 else status.HTTP_200_OK
        return _pending(row, trackable.code, response)

    @router.post(
        "/{code}/progress/{year}/pending/submit",
        **updating(
            PendingReportPublic,
            f"Submit the pending report of a {noun}",
            no_pending,
            if_match=True,
        ),
    )
    def submit_pending(
        code: str,
        year: Year,
        session: SessionDep,
        actor: TrackingWriter,
        if_match: IfMatch,
        response: Response,
    ) -> PendingReportPublic:
        """Editors of the lead directorate (while the campaign of the year is open) and admins:
        the saved report goes to the admins as it is (409 if it is submitted already)."""
        trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
        row = pending.submit(
            session=session, actor=actor, trackable=trackable, year=year, if_match=if_match
        )
        return _pending(row, trackable.code, response)

    @router.post(
        "/{code}/progress/{year}/pending/send-back",
        **updating(
            PendingReportPublic,
            f"Send the pending report of a {noun} back (admin)",
            no_pending,
            if_match=True,
        ),
    )
    def send_back_pending(
        code: str,
        year: Year,
        data: SendBack,
        session: SessionDep,
        actor: AdminActor,
        if_match: IfMatch,
        response: Response,
    ) -> PendingReportPublic:
        """A submitted report goes back to its directorate with the comment, which the
        directorate's editors are mailed (`boussole campaign remind`); 409 if it is not
        submitted."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        row = pending.send_back(
            session=session,
            actor=actor,
            trackable=trackable,
            year=year,
            comment=data.comment,
            if_match=if_match,
        )
        return _pending(row, trackable.code, response)

    @router.post(
        "/{code}/progress/{year}/pending/validate",
        **updating(
            ProgressReportPublic,
            f"Validate the pending report of a {noun}: publish it (admin)",
            no_pending,
            if_match=True,
        ),
    )
    def validate_pending(
        code: str,
        year: Year,
        session: SessionDep,
        actor: AdminActor,
        if_match: IfMatch,
        response: Response,
    ) -> ProgressReportPublic:
        """A submitted report becomes the year's published report (the latest year's sets the
        trackable's status), its milestones and indicator values are written, and the pending
        report is gone; 409 if it is not submitted. Answers the published report (its ETag is
        its version)."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        report = pending.validate(
            session=session, actor=actor, trackable=trackable, year=year, if_match=if_match
        )
        response.headers["ETag"] = version_etag(report.version)
        return progress.public(report)

    return router


#: Both kinds' (actions', then flagship projects').
router = APIRouter()
for _kind in (TrackableKind.action, TrackableKind.flagship_project):
    router.include_router(reports_router(_kind))
