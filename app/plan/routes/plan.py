from fastapi import APIRouter

from app.api.deps import SessionDep
from app.api.routing import reading
from app.models.plan import PlanPublic
from app.models.tree import TreePublic
from app.plan import plan as plan_service
from app.plan import tree as tree_service

router = APIRouter(tags=["plan"])


NO_PLAN = "No plan loaded yet (`boussole seed` loads it)"


@router.get("/plan", **reading(PlanPublic, "The plan's metadata", NO_PLAN))
def read_plan(session: SessionDep) -> PlanPublic:
    """Title, organisation, period, adoption, the finalité, the two cross-cutting ambitions,
    the five shared values, the diagnostic and prospective key points and the chronology."""
    return plan_service.get(session=session)


@router.get("/tree", **reading(TreePublic, "The whole strategy tree", NO_PLAN))
def read_tree(session: SessionDep) -> TreePublic:
    """The plan and every live engagement → axis → action (→ sub-action), with each engagement's
    flagship projects, in document order, in one response."""
    return tree_service.get(session=session)
