"""What the trackables' routes share: the filters of their lists, and the loaders of what a
write names (404, then 403 out of the token's scope: see ``app.api.permissions``)."""

from typing import Annotated

from fastapi import Depends, Query
from sqlmodel import Session

from app.api.permissions import out_of_scope
from app.auth.tokens import Actor
from app.models import Milestone, Trackable, TrackableKind
from app.trackables import milestones, trackables
from app.trackables.filters import TrackableFilters

# --- The filters of the trackable lists ---------------------------------------------------------


async def get_trackable_filters(
    filters: Annotated[TrackableFilters, Query()],
) -> TrackableFilters:
    """The filters of a list, read from the query: one parameter per field of
    ``TrackableFilters``."""
    return filters


TrackableFiltersDep = Annotated[TrackableFilters, Depends(get_trackable_filters)]


# --- What a write names --------------------------------------------------------------------------


def writable_trackable(
    *, session: Session, actor: Actor, code: str, kind: TrackableKind
) -> Trackable:
    """The trackable, which ``actor`` may write: 404 for an unknown code, then 403."""
    trackable = trackables.get_trackable(session=session, code=code, kind=kind)
    if not actor.may_write(trackable.lead_directorate_id):
        raise out_of_scope(actor, "modifier", trackable.code)
    return trackable


def writable_milestone(
    *, session: Session, actor: Actor, milestone_id: int
) -> tuple[Milestone, Trackable]:
    """The milestone and its trackable, which ``actor`` may write: 404, then 403."""
    milestone, trackable = milestones.get(session=session, milestone_id=milestone_id)
    if not actor.may_write(trackable.lead_directorate_id):
        raise out_of_scope(actor, "modifier", trackable.code)
    return milestone, trackable
