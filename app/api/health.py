"""Probes for orchestrators and load balancers, at the root (not under ``/api/v1``)."""

import logging
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.core import migrations

router = APIRouter(tags=["operations"])
logger = logging.getLogger(__name__)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"] = Field(description="'ready' only with a 200")
    detail: str = Field(description="Why the service is (not) ready, in plain words")
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
    responses={503: {"model": Readiness, "description": "Not ready: the body says why"}},
)
def readyz(request: Request) -> JSONResponse:
    """200 when the database answers and its Alembic revision is the head of the migrations this
    code ships with; 503 otherwise, with the reason: the database is unreachable, or it is at
    another revision (run `boussole db upgrade`)."""
    engine: Engine = request.app.state.engine
    head = migrations.head_revision()
    try:
        revision = migrations.current_revision(engine)
    except SQLAlchemyError as exc:
        # The message may name hosts and users: it goes to the log, not to the caller.
        logger.warning("readiness: database unreachable: %s", exc)
        return _readiness(
            503,
            f"database unreachable ({type(exc).__name__})",
            database="unreachable",
            head=head,
        )
    if revision != head:
        return _readiness(
            503,
            f"database at revision {revision or 'none'}, migrations head is {head}",
            database="reachable",
            revision=revision,
            head=head,
        )
    return _readiness(
        200,
        f"database reachable, at the migrations head {head}",
        database="reachable",
        revision=revision,
        head=head,
    )


def _readiness(status_code: int, detail: str, **fields: Any) -> JSONResponse:
    """The readiness report: ready with 200, unavailable otherwise."""
    status: Literal["ready", "unavailable"] = "ready" if status_code == 200 else "unavailable"
    report = Readiness(status=status, detail=detail, **fields)
    return JSONResponse(status_code=status_code, content=report.model_dump())
