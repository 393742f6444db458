from collections.abc import Sequence

from fastapi import APIRouter, status

from app.api.deps import WRITE_ERRORS, AdminActor, SessionDep
from app.models import Directorate, Partner
from app.models.reference import DirectoratePublic, PartnerPublic
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.services import reference, structure

router = APIRouter(tags=["directorates and partners"])


@router.get(
    "/directorates", response_model=list[DirectoratePublic], summary="List CAPH directorates"
)
def list_directorates(session: SessionDep) -> Sequence[Directorate]:
    return reference.get_all_directorates(session=session)


@router.get(
    "/directorates/{code}",
    response_model=DirectoratePublic,
    summary="One directorate",
    responses={404: {"description": "Unknown directorate"}},
)
def read_directorate(code: str, session: SessionDep) -> Directorate:
    return reference.get_directorate(session=session, code=code)


@router.post(
    "/directorates",
    response_model=DirectoratePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a directorate (admin)",
    responses={409: {"description": "Code already used"}, **WRITE_ERRORS},
)
def create_directorate(
    data: DirectorateCreate, session: SessionDep, actor: AdminActor
) -> Directorate:
    return structure.create_directorate(session=session, actor=actor, data=data)


@router.patch(
    "/directorates/{code}",
    response_model=DirectoratePublic,
    summary="Rename a directorate (admin)",
    responses=WRITE_ERRORS,
)
def update_directorate(
    code: str, data: DirectorateUpdate, session: SessionDep, actor: AdminActor
) -> Directorate:
    return structure.update_directorate(session=session, actor=actor, code=code, data=data)


@router.get("/partners", response_model=list[PartnerPublic], summary="List external partners")
def list_partners(session: SessionDep) -> Sequence[Partner]:
    """Organisations named as partners of actions or flagship projects, by name."""
    return reference.get_all_partners(session=session)
