from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlmodel import Session

from app.api.deps import ListParamsDep, OptionalActor, SessionDep
from app.api.permissions import AdminActor, TrackingWriter, out_of_scope
from app.api.routing import creating, reading, replacing, updating
from app.auth.tokens import Actor
from app.indicators import indicators
from app.models.indicators import (
    Indicator,
    IndicatorCreate,
    IndicatorDetail,
    IndicatorInput,
    IndicatorPublic,
    IndicatorValueInput,
    IndicatorValuePublic,
)
from app.models.inputs import YEAR_FORMAT
from app.models.pagination import Page
from app.models.tracking import FIRST_YEAR, INSEE_PATTERN, LAST_YEAR

router = APIRouter(prefix="/indicators", tags=["indicators"])


UNKNOWN = "Unknown indicator"


def writable_indicator(*, session: Session, actor: Actor, code: str) -> Indicator:
    """The indicator, whose values ``actor`` may record: 404, then 403."""
    indicator = indicators.get_row(session=session, code=code)
    if not actor.may_write(indicator.lead_directorate_id):
        raise out_of_scope(actor, "saisir les valeurs de", indicator.code)
    return indicator


@router.get("", **reading(Page[IndicatorPublic], "List indicators"))
def list_indicators(session: SessionDep, params: ListParamsDep) -> Page[IndicatorPublic]:
    """Indicators by code with their baseline, targets, what they measure and their trajectory;
    `q` searches codes and names."""
    return params.page(indicators.get_all(session=session), "code", "name")


@router.get(
    "/{code}",
    **reading(IndicatorDetail, "One indicator: is it on track, and why", UNKNOWN, token=True),
)
def read_indicator(code: str, session: SessionDep, actor: OptionalActor) -> IndicatorDetail:
    """With every value (whole territory and per commune) and its trajectory: ``progress_rate``
    (as the Baromètre des résultats), ``trajectory`` (as Open SDG's progress methodology),
    ``expected_value`` this year on the line from baseline to target, and an explanation. Who
    recorded each value is shown to authenticated callers only."""
    return indicators.get_detail(session=session, code=code, show_names=actor is not None)


@router.post("", **creating(IndicatorDetail, "Create an indicator (admin)"))
def create_indicator(
    data: IndicatorCreate, session: SessionDep, actor: AdminActor
) -> IndicatorDetail:
    indicator = indicators.create(session=session, actor=actor, data=data)
    return indicators.get_detail(session=session, code=indicator.code)


@router.patch("/{code}", **updating(IndicatorDetail, "Update an indicator (admin)", UNKNOWN))
def update_indicator(
    code: str, data: IndicatorInput, session: SessionDep, actor: AdminActor
) -> IndicatorDetail:
    """Only the fields sent change; ``targets`` and ``measures`` replace the current ones."""
    indicators.update(session=session, actor=actor, code=code, data=data)
    return indicators.get_detail(session=session, code=code)


@router.put(
    "/{code}/values/{year}",
    **replacing(IndicatorValuePublic, "Record the value of a year", UNKNOWN),
)
def put_indicator_value(
    code: str,
    year: Annotated[
        int,
        Path(
            ge=FIRST_YEAR,
            le=LAST_YEAR,
            description=f"Year of the value, {FIRST_YEAR} to {LAST_YEAR}",
        ),
        YEAR_FORMAT,
    ],
    data: IndicatorValueInput,
    session: SessionDep,
    actor: TrackingWriter,
    response: Response,
    commune: Annotated[
        str | None,
        Query(pattern=INSEE_PATTERN, description="INSEE code; omit for the whole territory"),
    ] = None,
) -> IndicatorValuePublic:
    """Creates (201) or replaces (200) the value. Admins, and editors of the indicator's lead
    directorate."""
    indicator = writable_indicator(session=session, actor=actor, code=code)
    value, created = indicators.put_value(
        session=session, actor=actor, indicator=indicator, year=year, commune=commune, data=data
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return indicators.value_public(value)
