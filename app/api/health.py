"""Probes for orchestrators and load balancers, at the root (not under ``/api/v1``)."""

import logging
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.api.responses import problem
from app.core.errors import BoussoleError, error_response

router = APIRouter(tags=["operations"])
logger = logging.getLogger(__name__)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class NotReadyError(BoussoleError):
    """The service cannot take traffic yet; the extension members say why (``database``,
    ``revision``, ``head``: those of ``Readiness``)."""

    status_code = 503
    problem_type = "not-ready"
    title = "Service pas prêt"


class Readiness(BaseModel):
    status: Literal["ready"] = Field(description="'ready' (a 200)")
    detail: str = Field(description="Why the service is ready, in plain words (French)")
    database: Literal["reachable", "unreachable"]
    revision: str | None = Field(
        default=None, description="Alembic revision of the database (null: never migrated)"
    )
    head: str | None = Field(default=None, description="Latest revision of the migrations")


@router.get("/healthz", response_model=Health, summary="Liveness: the process is up")
async def healthz() -> Health:
    """Always 200 `{"status": "ok"}` while the process serves requests. Touches no database:
    use it to decide whether to restart the process, not whether to send it traffic."""
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: the database is reachable and fully migrated",
    responses={
        503: problem(
            "Not ready (problem type `not-ready`): `detail` says why, and the members "
            "`database`, `revision` and `head` are those of a 200"
        )
    },
)
def readyz(request: Request) -> JSONResponse:
    """200 when the database answers and its Alembic revision is the head of the migrations this
    code ships with; 503 otherwise, with the reason: the database is unreachable, or it is at
    another revision (run `boussole db upgrade`)."""
    # Alembic imported here, on the first readiness check: 7 MB of every server's memory that
    # no other request needs (RSS after `create_app()`: 131 -> 124 MB).
    from app.core import migrations

    engine: Engine = request.app.state.engine
    head = migrations.head_revision()
    try:
        revision = migrations.current_revision(engine)
    except SQLAlchemyError as exc:
        # The message may name hosts and users: it goes to the log, not to the caller.
        logger.warning("readiness: database unreachable: %s", exc)
        return _not_ready(
            request,
            f"Base de données injoignable ({type(exc).__name__}).",
            database="unreachable",
            revision=None,
            head=head,
        )
    if revision != head:
        return _not_ready(
            request,
            f"La base de données est à la révision {revision or 'aucune'}, la dernière migration "
            f"est {head} : lancez « boussole db upgrade ».",
            database="reachable",
            revision=revision,
            head=head,
        )
    report = Readiness(
        status="ready",
        detail=f"Base de données joignable, à la dernière migration ({head}).",
        database="reachable",
        revision=revision,
        head=head,
    )
    return JSONResponse(report.model_dump())


def _not_ready(request: Request, detail: str, **fields: Any) -> JSONResponse:
    return error_response(NotReadyError(detail, **fields), request.url.path)
