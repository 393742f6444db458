from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlmodel import Session

from app.api.deps import ListParamsDep, OptionalActor, SessionDep
from app.api.pagination import page_of
from app.api.permissions import AdminActor, TrackingWriter, out_of_scope
from app.api.responses import CODE_TAKEN, OPTIONAL_TOKEN, READ, READ_WITH_TOKEN, WRITE, unknown
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


UNKNOWN_INDICATOR = unknown("Unknown indicator")


def writable_indicator(*, session: Session, actor: Actor, code: str) -> Indicator:
    """The indicator, whose values ``actor`` may record: 404, then 403."""
    indicator = indicators.get_row(session=session, code=code)
    if not actor.may_write(indicator.lead_directorate_id):
        raise out_of_scope(actor, "record values of", indicator.code)
    return indicator


@router.get("", response_model=Page[IndicatorPublic], summary="List indicators", responses=READ)
def list_indicators(session: SessionDep, page: ListParamsDep) -> Page[IndicatorPublic]:
    """Indicators by code with their baseline, targets, what they measure and their trajectory;
    `q` searches codes and names."""
    return page_of(
        indicators.get_all(session=session), text=lambda i: f"{i.code} {i.name}", params=page
    )


@router.get(
    "/{code}",
    response_model=IndicatorDetail,
    summary="One indicator: is it on track, and why",
    responses={**READ_WITH_TOKEN, **UNKNOWN_INDICATOR},
    openapi_extra=OPTIONAL_TOKEN,
)
def read_indicator(code: str, session: SessionDep, actor: OptionalActor) -> IndicatorDetail:
    """With every value (whole territory and per commune) and its trajectory: ``progress_rate``
    (as the Baromètre des résultats), ``trajectory`` (as Open SDG's progress methodology),
    ``expected_value`` this year on the line from baseline to target, and an explanation. Who
    recorded each value is shown to authenticated callers only."""
    return indicators.get_detail(session=session, code=code, show_names=actor is not None)


@router.post(
    "",
    response_model=IndicatorDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Create an indicator (admin)",
    responses={**WRITE, **CODE_TAKEN},
)
def create_indicator(
    data: IndicatorCreate, session: SessionDep, actor: AdminActor
) -> IndicatorDetail:
    indicator = indicators.create(session=session, actor=actor, data=data)
    return indicators.get_detail(session=session, code=indicator.code)


@router.patch(
    "/{code}",
    response_model=IndicatorDetail,
    summary="Update an indicator (admin)",
    responses={**WRITE, **UNKNOWN_INDICATOR},
)
def update_indicator(
    code: str, data: IndicatorInput, session: SessionDep, actor: AdminActor
) -> IndicatorDetail:
    """Only the fields sent change; ``targets`` and ``measures`` replace the current ones."""
    indicators.update(session=session, actor=actor, code=code, data=data)
    return indicators.get_detail(session=session, code=code)


@router.put(
    "/{code}/values/{year}",
    response_model=IndicatorValuePublic,
    summary="Record the value of a year",
    responses={201: {"description": "Created"}, **WRITE, **UNKNOWN_INDICATOR},
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
