from fastapi import APIRouter, Response
from fastapi import status as http_status

from app.api.deps import IfMatch, LimitQuery, OffsetQuery, SessionDep
from app.api.permissions import AdminActor, TrackingWriter, check_admin_only
from app.api.responses import CODE_TAKEN, IF_MATCH, READ, WRITE, unknown
from app.core.versioning import version_etag
from app.models import TrackableKind
from app.models.pagination import Page
from app.models.tracking import ActionCreate, ActionUpdate
from app.models.tree import ActionDetail, ActionPublic
from app.trackables import trackables, writes
from app.trackables.routes.deps import TrackableFiltersDep, writable_trackable
from app.trackables.routes.shared import trackable_router

router = APIRouter(prefix="/actions", tags=["actions"])


@router.get("", response_model=Page[ActionPublic], summary="List actions", responses=READ)
def list_actions(
    session: SessionDep,
    filters: TrackableFiltersDep,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[ActionPublic]:
    """Actions and sub-actions with where each stands, paginated (`limit` at most 200),
    filtered, searched and sorted."""
    items, total = trackables.get_all_actions(
        session=session, filters=filters, limit=limit, offset=offset
    )
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/{code}",
    response_model=ActionDetail,
    summary="One action",
    responses={**READ, **unknown("Unknown action code")},
)
def read_action(code: str, session: SessionDep, response: Response) -> ActionDetail:
    """Everything tracked on the action. The ETag is its version, for If-Match on writes."""
    detail = trackables.get_action(session=session, code=code)
    response.headers["ETag"] = version_etag(detail.version)
    return detail


@router.post(
    "",
    response_model=ActionDetail,
    status_code=http_status.HTTP_201_CREATED,
    summary="Create an action or a sub-action (admin)",
    responses={**WRITE, **CODE_TAKEN, **unknown("Unknown axis or parent action")},
)
def create_action(
    data: ActionCreate, session: SessionDep, actor: AdminActor, response: Response
) -> ActionDetail:
    """Under an axis (``axis``) or under a top-level action (``parent``: a sub-action). The code
    defaults to the next free one (``E1.2.7``, ``E1.2.3.1``)."""
    action = writes.create_action(session=session, actor=actor, data=data)
    response.headers["ETag"] = version_etag(action.version)
    return trackables.get_action(session=session, code=action.code)


@router.patch(
    "/{code}",
    response_model=ActionDetail,
    summary="Update an action",
    responses={**WRITE, **IF_MATCH, **unknown("Unknown action code, or an axis the body names")},
)
def update_action(
    code: str,
    data: ActionUpdate,
    session: SessionDep,
    actor: TrackingWriter,
    if_match: IfMatch,
    response: Response,
) -> ActionDetail:
    """Only the fields sent change. Editors of the lead directorate may change the tracking fields
    (status, priority, dates, description, objectives, contributing directorates, partners,
    communes, values); admins may also rename, move (``axis``, ``parent``), archive, set the lead
    directorate and the weight. Lists replace the current ones."""
    action = writable_trackable(session=session, actor=actor, code=code, kind=TrackableKind.action)
    check_admin_only(actor, data)
    writes.update(session=session, actor=actor, trackable=action, data=data, if_match=if_match)
    response.headers["ETag"] = version_etag(action.version)
    return trackables.get_action(session=session, code=code)


router.include_router(trackable_router(TrackableKind.action))
