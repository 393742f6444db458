from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import ListParamsDep, SessionDep
from app.api.routing import reading
from app.models import Commune
from app.models.pagination import Page
from app.models.reference import CommunePublic
from app.models.tracking import INSEE_PATTERN
from app.reference import reference

router = APIRouter(prefix="/communes", tags=["communes"])


@router.get("", **reading(Page[CommunePublic], "List the 47 member communes"))
def list_communes(session: SessionDep, params: ListParamsDep) -> Page[Commune]:
    """By INSEE code; `q` searches names and codes."""
    return params.page(reference.get_all_communes(session=session), "insee_code", "name")


InseeCode = Annotated[str, Path(pattern=INSEE_PATTERN, description="INSEE code")]


@router.get("/{insee_code}", **reading(CommunePublic, "One commune", "Not a member commune"))
def read_commune(insee_code: InseeCode, session: SessionDep) -> Commune:
    return reference.get_commune(session=session, insee_code=insee_code)
