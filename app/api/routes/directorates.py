from collections.abc import Sequence

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.models import Directorate
from app.models.reference import DirectoratePublic
from app.services import reference

router = APIRouter(prefix="/directorates", tags=["directorates"])


@router.get("", response_model=list[DirectoratePublic], summary="List CAPH directorates")
def list_directorates(session: SessionDep) -> Sequence[Directorate]:
    return reference.get_all_directorates(session=session)
