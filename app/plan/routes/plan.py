from fastapi import APIRouter

from app.api.deps import SessionDep
from app.api.responses import READ, unknown
from app.models.plan import PlanPublic
from app.models.tree import TreePublic
from app.plan import plan as plan_service
from app.plan import tree as tree_service

router = APIRouter(tags=["plan"])


NO_PLAN = unknown("No plan loaded yet (`boussole seed` loads it)")


@router.get(
    "/plan",
    response_model=PlanPublic,
    summary="The plan's metadata",
    responses={**READ, **NO_PLAN},
)
def read_plan(session: SessionDep) -> PlanPublic:
    """Title, organisation, period, adoption, the finalité, the two cross-cutting ambitions,
    the five shared values, the diagnostic and prospective key points and the chronology."""
    return plan_service.get(session=session)


@router.get(
    "/tree",
    response_model=TreePublic,
    summary="The whole strategy tree",
    responses={**READ, **NO_PLAN},
)
def read_tree(session: SessionDep) -> TreePublic:
    """The plan and every live engagement → axis → action (→ sub-action), with each engagement's
    flagship projects, in document order, in one response."""
    return tree_service.get(session=session)
