"""Routes shared by actions and flagship projects (both trackables): yearly progress,
milestones and history. Mounted under ``/actions`` and ``/flagship-projects``."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from app.api.deps import IfMatch, LimitQuery, OffsetQuery, OptionalActor, SessionDep
from app.api.permissions import TrackingWriter
from app.api.responses import IF_MATCH, OPTIONAL_TOKEN, READ, READ_WITH_TOKEN, WRITE, unknown
from app.audit import audit
from app.core.versioning import version_etag
from app.models import TrackableKind
from app.models.inputs import YEAR_FORMAT
from app.models.pagination import Page
from app.models.tracking import (
    FIRST_YEAR,
    LAST_YEAR,
    HistoryEntry,
    MilestoneInput,
    MilestonePublic,
    ProgressReportInput,
    ProgressReportPublic,
    ProgressReportUpdate,
)
from app.trackables import milestones, progress, trackables, writes
from app.trackables.routes.deps import writable_trackable

Year = Annotated[
    int,
    Path(
        ge=FIRST_YEAR, le=LAST_YEAR, description=f"Year of the report, {FIRST_YEAR} to {LAST_YEAR}"
    ),
    YEAR_FORMAT,
]


def trackable_router(kind: TrackableKind) -> APIRouter:
    """The same routes for either kind of trackable; ``kind`` decides which codes are found."""
    noun = "action" if kind == TrackableKind.action else "flagship project"
    router = APIRouter()
    # A read of one trackable: the caller's token is optional, its code may be unknown.
    read_one: dict[str, Any] = {
        "responses": {**READ_WITH_TOKEN, **unknown(f"Unknown {noun} code")},
        "openapi_extra": OPTIONAL_TOKEN,
    }

    @router.get(
        "/{code}/progress",
        response_model=list[ProgressReportPublic],
        summary=f"Yearly progress of a {noun}",
        **read_one,
    )
    def list_progress(
        code: str, session: SessionDep, actor: OptionalActor
    ) -> list[ProgressReportPublic]:
        """Every yearly report, oldest first. The current progress is the latest year's. Who
        reported is shown to authenticated callers only."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        return progress.get_all(session=session, trackable=trackable, show_names=actor is not None)

    @router.get(
        "/{code}/progress/{year}",
        response_model=ProgressReportPublic,
        summary=f"One yearly report of a {noun}",
        responses={**READ_WITH_TOKEN, **unknown(f"Unknown {noun} code, or no report that year")},
        openapi_extra=OPTIONAL_TOKEN,
    )
    def read_progress(
        code: str, year: Year, session: SessionDep, actor: OptionalActor, response: Response
    ) -> ProgressReportPublic:
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        report = progress.get(session=session, trackable=trackable, year=year)
        response.headers["ETag"] = version_etag(report.version)
        return progress.public(report, show_names=actor is not None)

    @router.put(
        "/{code}/progress/{year}",
        response_model=ProgressReportPublic,
        summary=f"Create or replace one yearly report of a {noun}",
        responses={
            201: {"description": "Created"},
            **WRITE,
            **IF_MATCH,
            **unknown(f"Unknown {noun} code"),
        },
    )
    def put_progress(
        code: str,
        year: Year,
        data: ProgressReportInput,
        session: SessionDep,
        actor: TrackingWriter,
        if_match: IfMatch,
        response: Response,
    ) -> ProgressReportPublic:
        """Editors of the lead directorate and admins. A full replacement: fields left out are
        cleared (comment emptied, budgets removed) and the status defaults to the trackable's
        current status; use PATCH to change some fields only. Writing the latest year's report
        (the highest year with one) sets the trackable's current status to the report's status;
        an older year's report leaves it alone."""
        trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
        report, created = writes.put_progress(
            session=session,
            actor=actor,
            trackable=trackable,
            year=year,
            data=data,
            if_match=if_match,
        )
        response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        response.headers["ETag"] = version_etag(report.version)
        return progress.public(report)

    @router.patch(
        "/{code}/progress/{year}",
        response_model=ProgressReportPublic,
        summary=f"Change some fields of one yearly report of a {noun}",
        responses={
            **WRITE,
            **IF_MATCH,
            **unknown(f"Unknown {noun} code, or no report that year"),
        },
    )
    def patch_progress(
        code: str,
        year: Year,
        data: ProgressReportUpdate,
        session: SessionDep,
        actor: TrackingWriter,
        if_match: IfMatch,
        response: Response,
    ) -> ProgressReportPublic:
        """Editors of the lead directorate and admins. Only the fields sent change (a budget sent
        as null is removed; progress, status and comment may not be null); the report must exist
        (PUT creates it). Patching the latest year's status sets the trackable's current status
        too."""
        trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
        report = writes.patch_progress(
            session=session,
            actor=actor,
            trackable=trackable,
            year=year,
            data=data,
            if_match=if_match,
        )
        response.headers["ETag"] = version_etag(report.version)
        return progress.public(report)

    @router.get(
        "/{code}/milestones",
        response_model=Page[MilestonePublic],
        summary=f"Milestones of a {noun}",
        responses={**READ, **unknown(f"Unknown {noun} code")},
    )
    def list_milestones(
        code: str, session: SessionDep, limit: LimitQuery = 50, offset: OffsetQuery = 0
    ) -> Page[MilestonePublic]:
        """In order of planned date (undated last)."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        items, total = milestones.get_all(
            session=session, trackable=trackable, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @router.post(
        "/{code}/milestones",
        response_model=MilestonePublic,
        status_code=status.HTTP_201_CREATED,
        summary=f"Add a milestone to a {noun}",
        responses={**WRITE, **unknown(f"Unknown {noun} code")},
    )
    def create_milestone(
        code: str,
        data: MilestoneInput,
        session: SessionDep,
        actor: TrackingWriter,
        response: Response,
    ) -> MilestonePublic:
        trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
        milestone = milestones.create(session=session, actor=actor, trackable=trackable, data=data)
        response.headers["ETag"] = version_etag(milestone.version)
        return milestones.public(milestone, trackable.code)

    @router.get(
        "/{code}/history",
        response_model=Page[HistoryEntry],
        summary=f"Change history of a {noun}",
        **read_one,
    )
    def read_history(
        code: str,
        session: SessionDep,
        actor: OptionalActor,
        limit: LimitQuery = 50,
        offset: OffsetQuery = 0,
    ) -> Page[HistoryEntry]:
        """Every write on it and on its progress and milestones, newest first. Token names are
        shown to authenticated callers only; everyone sees the role and directorates."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        assert trackable.id is not None
        entries, total = audit.get_for_trackable(
            session=session, trackable_id=trackable.id, limit=limit, offset=offset
        )
        items = [
            HistoryEntry(
                at=e.at,
                actor=e.actor_name if actor is not None else None,
                actor_role=e.actor_role,
                actor_directorates=e.actor_directorates,
                entity=e.entity,
                entity_key=e.entity_key,
                action=e.action,
                before=e.before,
                after=e.after,
            )
            for e in entries
        ]
        return Page(items=items, total=total, limit=limit, offset=offset)

    return router
