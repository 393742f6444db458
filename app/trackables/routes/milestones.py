from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.api.deps import MAX_ID, IfMatch, SessionDep
from app.api.permissions import TrackingWriter
from app.api.routing import reading, updating
from app.core.versioning import version_etag
from app.models.inputs import DIGITS_FORMAT
from app.models.tracking import MilestonePublic, MilestoneUpdate
from app.trackables import milestones
from app.trackables.routes.deps import writable_milestone

router = APIRouter(prefix="/milestones", tags=["milestones"])

MilestoneId = Annotated[int, Path(ge=1, le=MAX_ID, description="The milestone's id"), DIGITS_FORMAT]
UNKNOWN = "Unknown milestone"


@router.get("/{milestone_id}", **reading(MilestonePublic, "One milestone", UNKNOWN))
def read_milestone(
    milestone_id: MilestoneId, session: SessionDep, response: Response
) -> MilestonePublic:
    milestone, trackable = milestones.get(session=session, milestone_id=milestone_id)
    response.headers["ETag"] = version_etag(milestone.version)
    return milestones.public(milestone, trackable.code)


@router.patch(
    "/{milestone_id}", **updating(MilestonePublic, "Update a milestone", UNKNOWN, if_match=True)
)
def update_milestone(
    milestone_id: MilestoneId,
    data: MilestoneUpdate,
    session: SessionDep,
    actor: TrackingWriter,
    if_match: IfMatch,
    response: Response,
) -> MilestonePublic:
    milestone, trackable = writable_milestone(
        session=session, actor=actor, milestone_id=milestone_id
    )
    milestones.update(
        session=session,
        actor=actor,
        milestone=milestone,
        trackable=trackable,
        data=data,
        if_match=if_match,
    )
    response.headers["ETag"] = version_etag(milestone.version)
    return milestones.public(milestone, trackable.code)


@router.delete(
    "/{milestone_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    **updating(None, "Delete a milestone", UNKNOWN, if_match=True),
)
def delete_milestone(
    milestone_id: MilestoneId, session: SessionDep, actor: TrackingWriter, if_match: IfMatch
) -> None:
    milestone, trackable = writable_milestone(
        session=session, actor=actor, milestone_id=milestone_id
    )
    milestones.delete(
        session=session, actor=actor, milestone=milestone, trackable=trackable, if_match=if_match
    )
