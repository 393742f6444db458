"""The flagship projects' routes: every route of a trackable (``app.trackables.routes.shared``),
for flagship projects."""

from app.models import TrackableKind
from app.models.tracking import FlagshipProjectCreate, FlagshipProjectUpdate
from app.models.tree import FlagshipProjectDetail, FlagshipProjectPublic
from app.trackables import trackables, writes
from app.trackables.routes.shared import Docs, Models, Services, trackable_router

DOCS = Docs(
    list_doc="""
    The projets phares, in engagement order unless sorted otherwise, with the actions each
    serves; the same filters as the actions.""",
    create_summary="Create a flagship project (admin)",
    create_unknown="Unknown engagement",
    update_doc="""
    As for actions; admins may also move it to another engagement and set the actions it
    serves.""",
    parent="an engagement",
)

router = trackable_router(
    TrackableKind.flagship_project,
    Models(
        FlagshipProjectPublic, FlagshipProjectDetail, FlagshipProjectCreate, FlagshipProjectUpdate
    ),
    Services(
        trackables.page_flagship_projects,
        trackables.get_flagship_project,
        writes.create_flagship_project,
    ),
    DOCS,
)
