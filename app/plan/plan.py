"""Queries for the plan's metadata."""

from sqlmodel import Session, col, select

from app.core.errors import NotFoundError
from app.models import Ambition, ChronologyStep, KeyPoint, KeyPointKind, Plan, PlanValue
from app.models.indicators import Rollup
from app.models.plan import (
    AmbitionPublic,
    ChronologyStepPublic,
    KeyPointPublic,
    PlanPublic,
    PlanValuePublic,
)
from app.trackables import rollups

#: The plan's publisher and title while the database holds no plan yet (the seed stores them in
#: the plan's row): the pages' header and the open data's publisher.
DEFAULT_ORGANISATION = "Communauté d'agglomération de La Porte du Hainaut"
DEFAULT_ACRONYM = "CAPH"
DEFAULT_SIREN = "200042190"
DEFAULT_TITLE = "Projet de territoire 2024-2044"


def get(*, session: Session, rollup: Rollup | None = None) -> PlanPublic:
    """The plan with its ambitions, values, key points, chronology (five queries) and roll-up
    (computed unless the caller already has it)."""
    plan = session.exec(select(Plan)).first()
    if plan is None:
        raise NotFoundError(
            "plan", "current", "Aucun plan n'est chargé : chargez-le avec « boussole seed »."
        )
    key_points = session.exec(select(KeyPoint).order_by(col(KeyPoint.position))).all()
    if rollup is None:
        rollup = rollups.compute_all(session).get(rollups.PLAN)
    return PlanPublic(
        **plan.model_dump(exclude={"id"}),
        ambitions=[
            AmbitionPublic.model_validate(row)
            for row in session.exec(select(Ambition).order_by(col(Ambition.position)))
        ],
        values=[
            PlanValuePublic.model_validate(row)
            for row in session.exec(select(PlanValue).order_by(col(PlanValue.position)))
        ],
        diagnostic=[
            KeyPointPublic.model_validate(p)
            for p in key_points
            if p.kind == KeyPointKind.diagnostic
        ],
        prospective=[
            KeyPointPublic.model_validate(p)
            for p in key_points
            if p.kind == KeyPointKind.prospective
        ],
        chronology=[
            ChronologyStepPublic.model_validate(row)
            for row in session.exec(select(ChronologyStep).order_by(col(ChronologyStep.position)))
        ],
        rollup=rollup,
    )
