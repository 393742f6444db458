from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import ListParamsDep, SessionDep
from app.api.pagination import page_of
from app.api.responses import READ, unknown
from app.models import Commune
from app.models.pagination import Page
from app.models.reference import CommunePublic
from app.models.tracking import INSEE_PATTERN
from app.reference import reference

router = APIRouter(prefix="/communes", tags=["communes"])


@router.get(
    "",
    response_model=Page[CommunePublic],
    summary="List the 47 member communes",
    responses=READ,
)
def list_communes(session: SessionDep, page: ListParamsDep) -> Page[Commune]:
    """By INSEE code; `q` searches names and codes."""
    return page_of(
        reference.get_all_communes(session=session),
        text=lambda c: f"{c.insee_code} {c.name}",
        params=page,
    )


@router.get(
    "/{insee_code}",
    response_model=CommunePublic,
    summary="One commune",
    responses={**READ, **unknown("Not a member commune")},
)
def read_commune(
    insee_code: Annotated[str, Path(pattern=INSEE_PATTERN, description="INSEE code")],
    session: SessionDep,
) -> Commune:
    return reference.get_commune(session=session, insee_code=insee_code)
