from fastapi import APIRouter, Response, status

from app.api.deps import IfMatch, LimitQuery, OffsetQuery, SessionDep
from app.api.permissions import AdminActor, TrackingWriter, check_admin_only
from app.api.responses import CODE_TAKEN, IF_MATCH, READ, WRITE, unknown
from app.core.versioning import version_etag
from app.models import TrackableKind
from app.models.pagination import Page
from app.models.tracking import FlagshipProjectCreate, FlagshipProjectUpdate
from app.models.tree import FlagshipProjectDetail, FlagshipProjectPublic
from app.trackables import trackables, writes
from app.trackables.routes.deps import TrackableFiltersDep, writable_trackable
from app.trackables.routes.shared import trackable_router

router = APIRouter(prefix="/flagship-projects", tags=["flagship projects"])


@router.get(
    "",
    response_model=Page[FlagshipProjectPublic],
    summary="List flagship projects",
    responses=READ,
)
def list_flagship_projects(
    session: SessionDep,
    filters: TrackableFiltersDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[FlagshipProjectPublic]:
    """The projets phares, in engagement order unless sorted otherwise, with the actions each
    serves; the same filters as the actions."""
    items, total = trackables.page_flagship_projects(
        session=session, filters=filters, limit=limit, offset=offset
    )
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/{code}",
    response_model=FlagshipProjectDetail,
    summary="One flagship project",
    responses={**READ, **unknown("Unknown flagship project code")},
)
def read_flagship_project(
    code: str, session: SessionDep, response: Response
) -> FlagshipProjectDetail:
    detail = trackables.get_flagship_project(session=session, code=code)
    response.headers["ETag"] = version_etag(detail.version)
    return detail


@router.post(
    "",
    response_model=FlagshipProjectDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Create a flagship project (admin)",
    responses={**WRITE, **CODE_TAKEN, **unknown("Unknown engagement")},
)
def create_flagship_project(
    data: FlagshipProjectCreate, session: SessionDep, actor: AdminActor, response: Response
) -> FlagshipProjectDetail:
    flagship = writes.create_flagship_project(session=session, actor=actor, data=data)
    response.headers["ETag"] = version_etag(flagship.version)
    return trackables.get_flagship_project(session=session, code=flagship.code)


@router.patch(
    "/{code}",
    response_model=FlagshipProjectDetail,
    summary="Update a flagship project",
    responses={
        **WRITE,
        **IF_MATCH,
        **unknown("Unknown flagship project code, or an engagement the body names"),
    },
)
def update_flagship_project(
    code: str,
    data: FlagshipProjectUpdate,
    session: SessionDep,
    actor: TrackingWriter,
    if_match: IfMatch,
    response: Response,
) -> FlagshipProjectDetail:
    """As for actions; admins may also move it to another engagement and set the actions it
    serves."""
    flagship = writable_trackable(
        session=session, actor=actor, code=code, kind=TrackableKind.flagship_project
    )
    check_admin_only(actor, data)
    writes.update(session=session, actor=actor, trackable=flagship, data=data, if_match=if_match)
    response.headers["ETag"] = version_etag(flagship.version)
    return trackables.get_flagship_project(session=session, code=code)


router.include_router(trackable_router(TrackableKind.flagship_project))
