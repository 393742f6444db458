"""Every route of a kind of trackable, mounted under ``/actions`` and ``/flagship-projects``: the
list, one of them, its creation and update, its yearly progress, milestones and history. The two
kinds share every route: ``trackable_router`` builds them for one kind, told what differs (the
models of its answers and bodies, its services, the wording of its documentation).

The writes of a yearly report (PUT and PATCH of ``/{code}/progress/{year}``) are the campaign's
(app.campaigns.routes.reports): an editor's is filed as a pending report, which app.trackables
may not know of."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from inspect import cleandoc
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from app.api.deps import IfMatch, OptionalActor, PagingDep, SessionDep
from app.api.permissions import AdminActor, TrackingWriter, check_admin_only
from app.api.routing import creating, reading, updating
from app.audit import audit
from app.core.versioning import version_etag
from app.models import Trackable, TrackableKind
from app.models.inputs import YEAR_FORMAT, StrictInput
from app.models.pagination import Page
from app.models.tracking import (
    FIRST_YEAR,
    LAST_YEAR,
    HistoryEntry,
    MilestoneInput,
    MilestonePublic,
    ProgressReportPublic,
)
from app.models.tree import ActionDetail, FlagshipProjectDetail
from app.trackables import milestones, progress, trackables, writes
from app.trackables.routes.deps import TrackableFiltersDep, writable_trackable

Year = Annotated[
    int,
    Path(
        ge=FIRST_YEAR, le=LAST_YEAR, description=f"Year of the report, {FIRST_YEAR} to {LAST_YEAR}"
    ),
    YEAR_FORMAT,
]


class Models(NamedTuple):
    """A kind's models: the items of its list, one of it, the bodies of a creation and an update."""

    public: type[BaseModel]
    detail: type[BaseModel]
    create: type[StrictInput]
    update: type[StrictInput]


class Services(NamedTuple):
    """A kind's reads and creation: one page of the list and how many in all, one in detail by
    code, a creation."""

    page: Callable[..., tuple[Sequence[BaseModel], int]]
    get: Callable[..., ActionDetail | FlagshipProjectDetail]
    create: Callable[..., Trackable]


@dataclass(frozen=True, kw_only=True)
class Docs:
    """What a kind's documentation says beyond its name: the descriptions of its list, of one of
    it, of a creation and of an update (written as docstrings are, and cleaned as FastAPI cleans
    them), the summary of a creation and its 404, and what the body of a move names
    (``an axis``)."""

    list_doc: str
    read_doc: str | None = None
    create_summary: str
    create_unknown: str
    create_doc: str | None = None
    update_doc: str
    parent: str


def _cleaned(doc: str | None) -> str | None:
    """A description written as a docstring, cleaned as FastAPI cleans a route's docstring."""
    return None if doc is None else cleandoc(doc)


def _with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = version_etag(version)


def trackable_router(
    kind: TrackableKind, models: Models, services: Services, docs: Docs
) -> APIRouter:
    """Every route of ``kind``; its codes are the only ones found."""
    noun = kind.value.replace("_", " ")
    a_noun = f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
    router = APIRouter(prefix=f"/{noun.replace(' ', '-')}s", tags=[f"{noun}s"])
    unknown = f"Unknown {noun} code"
    # The kind's models, chosen as the router is built: mypy cannot check them as types.
    page = Page[models.public]  # type: ignore[name-defined]
    create_body, update_body = models.create, models.update

    @router.get(
        "",
        name=f"list_{kind.value}s",
        description=_cleaned(docs.list_doc),
        **reading(page, f"List {noun}s"),
    )
    def list_trackables(
        # The paging first: its limit and offset come first in the document.
        session: SessionDep,
        paging: PagingDep,
        filters: TrackableFiltersDep,
    ) -> Page[Any]:
        items, total = services.page(
            session=session, filters=filters, limit=paging.limit, offset=paging.offset
        )
        return paging.of(list(items), total)

    @router.get(
        "/{code}",
        name=f"read_{kind.value}",
        description=_cleaned(docs.read_doc),
        **reading(models.detail, f"One {noun}", unknown),
    )
    def read(code: str, session: SessionDep, response: Response) -> Any:
        detail = services.get(session=session, code=code)
        _with_etag(response, detail.version)
        return detail

    @router.post(
        "",
        name=f"create_{kind.value}",
        description=_cleaned(docs.create_doc),
        **creating(models.detail, docs.create_summary, docs.create_unknown),
    )
    def create(
        data: create_body,  # type: ignore[valid-type]
        session: SessionDep,
        actor: AdminActor,
        response: Response,
    ) -> Any:
        trackable = services.create(session=session, actor=actor, data=data)
        _with_etag(response, trackable.version)
        return services.get(session=session, code=trackable.code)

    @router.patch(
        "/{code}",
        name=f"update_{kind.value}",
        description=_cleaned(docs.update_doc),
        **updating(
            models.detail,
            f"Update {a_noun}",
            f"{unknown}, or {docs.parent} the body names",
            if_match=True,
        ),
    )
    def update(
        code: str,
        data: update_body,  # type: ignore[valid-type]
        session: SessionDep,
        actor: TrackingWriter,
        if_match: IfMatch,
        response: Response,
    ) -> Any:
        trackable = writable_trackable(session=session, actor=actor, code=code, kind=kind)
        check_admin_only(actor, data)
        writes.update(
            session=session, actor=actor, trackable=trackable, data=data, if_match=if_match
        )
        _with_etag(response, trackable.version)
        return services.get(session=session, code=code)

    # A read of one trackable's reports or history: the caller's token is optional.
    @router.get(
        "/{code}/progress",
        **reading(list[ProgressReportPublic], f"Yearly progress of a {noun}", unknown, token=True),
    )
    def list_progress(
        code: str, session: SessionDep, actor: OptionalActor
    ) -> list[ProgressReportPublic]:
        """Every yearly report, oldest first. The current progress is the latest year's. Who
        reported is shown to authenticated callers only."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        return progress.get_all(session=session, trackable=trackable, show_names=actor is not None)

    no_report = f"{unknown}, or no report that year"

    @router.get(
        "/{code}/progress/{year}",
        **reading(ProgressReportPublic, f"One yearly report of a {noun}", no_report, token=True),
    )
    def read_progress(
        code: str, year: Year, session: SessionDep, actor: OptionalActor, response: Response
    ) -> ProgressReportPublic:
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        report = progress.get(session=session, trackable=trackable, year=year)
        _with_etag(response, report.version)
        return progress.public(report, show_names=actor is not None)

    @router.get(
        "/{code}/milestones", **reading(Page[MilestonePublic], f"Milestones of a {noun}", unknown)
    )
    def list_milestones(code: str, session: SessionDep, paging: PagingDep) -> Page[MilestonePublic]:
        """In order of planned date (undated last)."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        items, total = milestones.get_all(
            session=session, trackable=trackable, limit=paging.limit, offset=paging.offset
        )
        return paging.of(items, total)

    @router.post(
        "/{code}/milestones",
        **creating(MilestonePublic, f"Add a milestone to a {noun}", unknown, code=False),
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
        _with_etag(response, milestone.version)
        return milestones.public(milestone, trackable.code)

    @router.get(
        "/{code}/history",
        **reading(Page[HistoryEntry], f"Change history of a {noun}", unknown, token=True),
    )
    def read_history(
        code: str, session: SessionDep, actor: OptionalActor, paging: PagingDep
    ) -> Page[HistoryEntry]:
        """Every write on it and on its progress and milestones, newest first. Token names are
        shown to authenticated callers only; everyone sees the role and directorates."""
        trackable = trackables.get_trackable(session=session, code=code, kind=kind)
        assert trackable.id is not None
        entries, total = audit.get_for_trackable(
            session=session, trackable_id=trackable.id, limit=paging.limit, offset=paging.offset
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
        return paging.of(items, total)

    return router
