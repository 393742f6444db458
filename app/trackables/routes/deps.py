"""What the trackables' routes share: the filters of their lists, and the loaders of what a
write names (404, then 403 out of the token's scope: see ``app.api.permissions``)."""

from typing import Annotated

from fastapi import Depends, Query
from sqlmodel import Session

from app.api.permissions import out_of_scope
from app.auth.tokens import Actor
from app.models import Milestone, Trackable, TrackableKind
from app.models.inputs import FLAG_FORMAT, YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, INSEE_PATTERN, LAST_YEAR, Priority, Status
from app.trackables import milestones, trackables
from app.trackables.filters import Sort, TrackableFilters

# --- The filters of the trackable lists ---------------------------------------------------------


async def get_trackable_filters(
    engagement: Annotated[str | None, Query(description="Engagement code, e.g. E1")] = None,
    axis: Annotated[
        str | None,
        Query(description="Axis code, e.g. E1.3 (flagship projects: serving one of its actions)"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Search in codes and titles (and, for actions, their axis's), accent- and "
            'case-insensitive: `equite` finds "Équité"',
        ),
    ] = None,
    status: Annotated[Status | None, Query(description="Current status")] = None,
    directorate: Annotated[
        str | None, Query(description="Directorate code: led by it or with its contribution")
    ] = None,
    value: Annotated[
        str | None, Query(description="Shared value served, e.g. V2 (L'égalité femme-homme)")
    ] = None,
    commune: Annotated[
        str | None,
        Query(
            pattern=INSEE_PATTERN,
            description="INSEE code: those naming this commune (whole-territory ones are not "
            "listed; see /dashboard/communes)",
        ),
    ] = None,
    priority: Annotated[Priority | None, Query(description="Priority")] = None,
    flagship: Annotated[
        str | None, Query(description="Flagship project code: the actions it serves")
    ] = None,
    year: Annotated[
        int | None,
        Query(ge=FIRST_YEAR, le=LAST_YEAR, description="Those with a progress report that year"),
        YEAR_FORMAT,
    ] = None,
    include_archived: Annotated[
        bool, Query(description="Include archived ones"), FLAG_FORMAT
    ] = False,
    sort: Annotated[
        Sort,
        Query(
            description="code (document order, the default), title, progress, updated_at; "
            "a leading - reverses"
        ),
    ] = Sort.by_code,
) -> TrackableFilters:
    return TrackableFilters(
        engagement=engagement,
        axis=axis,
        q=q,
        status=status,
        directorate=directorate,
        value=value,
        commune=commune,
        priority=priority,
        flagship=flagship,
        year=year,
        include_archived=include_archived,
        sort=sort,
    )


TrackableFiltersDep = Annotated[TrackableFilters, Depends(get_trackable_filters)]


# --- What a write names --------------------------------------------------------------------------


def writable_trackable(
    *, session: Session, actor: Actor, code: str, kind: TrackableKind
) -> Trackable:
    """The trackable, which ``actor`` may write: 404 for an unknown code, then 403."""
    trackable = trackables.get_trackable(session=session, code=code, kind=kind)
    if not actor.may_write(trackable.lead_directorate_id):
        raise out_of_scope(actor, "write", trackable.code)
    return trackable


def writable_milestone(
    *, session: Session, actor: Actor, milestone_id: int
) -> tuple[Milestone, Trackable]:
    """The milestone and its trackable, which ``actor`` may write: 404, then 403."""
    milestone, trackable = milestones.get(session=session, milestone_id=milestone_id)
    if not actor.may_write(trackable.lead_directorate_id):
        raise out_of_scope(actor, "write", trackable.code)
    return milestone, trackable
