"""The actions' routes: every route of a trackable (``app.trackables.routes.shared``), for actions
and sub-actions."""

from app.models import TrackableKind
from app.models.tracking import ActionCreate, ActionUpdate
from app.models.tree import ActionDetail, ActionPublic
from app.trackables import trackables, writes
from app.trackables.routes.shared import Docs, Models, Services, trackable_router

DOCS = Docs(
    list_doc="""
    Actions and sub-actions with where each stands, paginated (`limit` at most 200),
    filtered, searched and sorted.""",
    read_doc="Everything tracked on the action. The ETag is its version, for If-Match on writes.",
    create_summary="Create an action or a sub-action (admin)",
    create_unknown="Unknown axis or parent action",
    create_doc="""
    Under an axis (``axis``) or under a top-level action (``parent``: a sub-action). The code
    defaults to the next free one (``E1.2.7``, ``E1.2.3.1``).""",
    update_doc="""
    Only the fields sent change. Editors of the lead directorate may change the tracking fields
    (status, priority, dates, description, objectives, contributing directorates, partners,
    communes, values); admins may also rename, move (``axis``, ``parent``), archive, set the lead
    directorate and the weight. Lists replace the current ones.""",
    parent="an axis",
)

router = trackable_router(
    TrackableKind.action,
    Models(ActionPublic, ActionDetail, ActionCreate, ActionUpdate),
    Services(trackables.get_all_actions, trackables.get_action, writes.create_action),
    DOCS,
)
