from fastapi import APIRouter, status

from app.api.deps import ListParamsDep, SessionDep
from app.api.pagination import page_of
from app.api.permissions import AdminActor
from app.api.responses import CODE_TAKEN, READ, WRITE, unknown
from app.models import Directorate, Partner
from app.models.pagination import Page
from app.models.reference import DirectoratePublic, PartnerPublic
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.reference import reference
from app.reference import writes as reference_writes

router = APIRouter(tags=["directorates and partners"])


@router.get(
    "/directorates",
    response_model=Page[DirectoratePublic],
    summary="List CAPH directorates",
    responses=READ,
)
def list_directorates(session: SessionDep, page: ListParamsDep) -> Page[Directorate]:
    """By code; `q` searches codes and names."""
    return page_of(
        reference.get_all_directorates(session=session),
        text=lambda d: f"{d.code} {d.name}",
        params=page,
    )


@router.get(
    "/directorates/{code}",
    response_model=DirectoratePublic,
    summary="One directorate",
    responses={**READ, **unknown("Unknown directorate")},
)
def read_directorate(code: str, session: SessionDep) -> Directorate:
    return reference.get_directorate(session=session, code=code)


@router.post(
    "/directorates",
    response_model=DirectoratePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a directorate (admin)",
    responses={**WRITE, **CODE_TAKEN},
)
def create_directorate(
    data: DirectorateCreate, session: SessionDep, actor: AdminActor
) -> Directorate:
    return reference_writes.create_directorate(session=session, actor=actor, data=data)


@router.patch(
    "/directorates/{code}",
    response_model=DirectoratePublic,
    summary="Rename a directorate (admin)",
    responses={**WRITE, **unknown("Unknown directorate")},
)
def update_directorate(
    code: str, data: DirectorateUpdate, session: SessionDep, actor: AdminActor
) -> Directorate:
    return reference_writes.update_directorate(session=session, actor=actor, code=code, data=data)


@router.get(
    "/partners",
    response_model=Page[PartnerPublic],
    summary="List external partners",
    responses=READ,
)
def list_partners(session: SessionDep, page: ListParamsDep) -> Page[Partner]:
    """Organisations named as partners of actions or flagship projects, by name."""
    return page_of(reference.get_all_partners(session=session), text=lambda p: p.name, params=page)
