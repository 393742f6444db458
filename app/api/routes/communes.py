from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import SessionDep
from app.models import Commune
from app.models.reference import CommunePublic
from app.services import reference

router = APIRouter(prefix="/communes", tags=["communes"])


@router.get("", response_model=list[CommunePublic], summary="List the 47 member communes")
def list_communes(session: SessionDep) -> Sequence[Commune]:
    return reference.get_all_communes(session=session)


@router.get(
    "/{insee_code}",
    response_model=CommunePublic,
    summary="One commune",
    responses={404: {"description": "Not a member commune"}},
)
def read_commune(
    insee_code: Annotated[str, Path(pattern=r"^\d[\dAB]\d{3}$", description="INSEE code")],
    session: SessionDep,
) -> Commune:
    return reference.get_commune(session=session, insee_code=insee_code)
