from fastapi import APIRouter

from app.api.deps import ListParamsDep, SessionDep
from app.api.permissions import AdminActor
from app.api.routing import creating, reading, updating
from app.models import Directorate, Partner
from app.models.pagination import Page
from app.models.reference import DirectoratePublic, PartnerPublic
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.reference import reference
from app.reference import writes as reference_writes

router = APIRouter(tags=["directorates and partners"])

UNKNOWN = "Unknown directorate"


@router.get("/directorates", **reading(Page[DirectoratePublic], "List CAPH directorates"))
def list_directorates(session: SessionDep, params: ListParamsDep) -> Page[Directorate]:
    """By code; `q` searches codes and names."""
    return params.page(reference.get_all_directorates(session=session), "code", "name")


@router.get("/directorates/{code}", **reading(DirectoratePublic, "One directorate", UNKNOWN))
def read_directorate(code: str, session: SessionDep) -> Directorate:
    return reference.get_directorate(session=session, code=code)


@router.post("/directorates", **creating(DirectoratePublic, "Create a directorate (admin)"))
def create_directorate(
    data: DirectorateCreate, session: SessionDep, actor: AdminActor
) -> Directorate:
    return reference_writes.create_directorate(session=session, actor=actor, data=data)


@router.patch(
    "/directorates/{code}", **updating(DirectoratePublic, "Rename a directorate (admin)", UNKNOWN)
)
def update_directorate(
    code: str, data: DirectorateUpdate, session: SessionDep, actor: AdminActor
) -> Directorate:
    return reference_writes.update_directorate(session=session, actor=actor, code=code, data=data)


@router.get("/partners", **reading(Page[PartnerPublic], "List external partners"))
def list_partners(session: SessionDep, params: ListParamsDep) -> Page[Partner]:
    """Organisations named as partners of actions or flagship projects, by name."""
    return params.page(reference.get_all_partners(session=session), "name")
