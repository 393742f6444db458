from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import SessionDep
from app.models.tree import FlagshipProjectPublic
from app.services import trackables

router = APIRouter(prefix="/flagship-projects", tags=["flagship projects"])


@router.get("", response_model=list[FlagshipProjectPublic], summary="List flagship projects")
def list_flagship_projects(
    session: SessionDep,
    engagement: Annotated[str | None, Query(description="Engagement code, e.g. E2")] = None,
) -> list[FlagshipProjectPublic]:
    """The projets phares, in engagement order, with the actions each serves."""
    return trackables.get_all_flagship_projects(session=session, engagement=engagement)


@router.get(
    "/{code}",
    response_model=FlagshipProjectPublic,
    summary="One flagship project",
    responses={404: {"description": "Unknown flagship project code"}},
)
def read_flagship_project(code: str, session: SessionDep) -> FlagshipProjectPublic:
    return trackables.get_flagship_project(session=session, code=code)
