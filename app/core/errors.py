"""Domain errors carrying their HTTP status, turned into JSON responses in one place."""

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError

logger = logging.getLogger(__name__)


class BoussoleError(Exception):
    status_code = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def to_body(self) -> dict[str, Any]:
        return {"detail": self.message, **self.extra}


class NotFoundError(BoussoleError):
    status_code = 404

    def __init__(self, entity: str, code: object) -> None:
        super().__init__(f"{entity} '{code}' not found", entity=entity, code=str(code))


class InvalidInputError(BoussoleError):
    """Input that passed the schema but breaks a rule of the domain. The body has the same shape
    as FastAPI's own validation errors, so clients handle one format."""

    status_code = 422

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc

    def to_body(self) -> dict[str, Any]:
        return {"detail": [{"loc": list(self.loc), "msg": self.message, "type": "value_error"}]}


class ConflictError(BoussoleError):
    status_code = 409


class UnauthorizedError(BoussoleError):
    status_code = 401


class ForbiddenError(BoussoleError):
    status_code = 403


class PayloadTooLargeError(BoussoleError):
    status_code = 413


class UnsupportedMediaTypeError(BoussoleError):
    status_code = 415


class BadHeaderError(BoussoleError):
    """A request header that cannot be understood (a malformed If-Match, say)."""

    status_code = 400

    def __init__(self, header: str, message: str) -> None:
        super().__init__(f"{header}: {message}", header=header)


class ServiceUnavailableError(BoussoleError):
    """The process is saturated (its queue is full, or a request waited too long for its turn):
    retry after a moment."""

    status_code = 503

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class PreconditionFailedError(BoussoleError):
    """The client's If-Match names a version that is no longer the current one."""

    status_code = 412

    def __init__(self, entity: str, current_version: int | None) -> None:
        super().__init__(
            f"{entity} was changed by someone else: read it again (current version "
            f"{current_version}) and retry",
            current_version=current_version,
        )


def error_response(exc: BoussoleError) -> JSONResponse:
    """The answer to a domain error, from a route or from a middleware ahead of the routes."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
    if "retry_after" in exc.extra:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    return JSONResponse(status_code=exc.status_code, content=exc.to_body(), headers=headers)


def _json_safe(value: Any) -> Any:
    """A value echoed in an error, made fit for JSON: non-finite numbers and strings that cannot
    be encoded (unpaired surrogates) are shown as their repr rather than failing the answer."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        return value
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def validation_error_body(errors: Any) -> dict[str, Any]:
    """FastAPI's validation error body, safe to serialise whatever the input held."""
    return {"detail": _json_safe(jsonable_encoder(errors))}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BoussoleError)
    async def _handle(_request: Request, exc: BoussoleError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content=validation_error_body(exc.errors()))

    @app.exception_handler(PoolTimeoutError)
    @app.exception_handler(OperationalError)
    async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
        # The database did not answer in time: a lock held too long (SQLite's busy timeout,
        # PostgreSQL's lock_timeout), no connection to be had, or the server is down. Temporary
        # for the caller. The message may name hosts, users and statement parameters: only the
        # kind of error is logged.
        cause = getattr(exc, "orig", None) or exc
        logger.warning("database unavailable: %s", type(cause).__name__)
        return error_response(
            ServiceUnavailableError("the database is busy or unavailable: retry later", 2)
        )

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _exc: StaleDataError) -> JSONResponse:
        # Two writers read the same version; the other one committed first.
        return JSONResponse(
            status_code=412,
            content={"detail": "changed by someone else meanwhile: read it again and retry"},
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, _exc: DataError) -> JSONResponse:
        # A value the database cannot hold or compare (a NUL character, a number out of range)
        # that slipped past validation: the caller's input, not a server fault. No SQL goes out.
        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {
                        "loc": ["request"],
                        "msg": "a value cannot be stored or compared "
                        "(a NUL character, or a number out of range)",
                        "type": "value_error",
                    }
                ]
            },
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _exc: IntegrityError) -> JSONResponse:
        # Reached only when a concurrent writer created the same thing first; the services check
        # every rule they can before writing. No SQL goes back to the client.
        return JSONResponse(
            status_code=409,
            content={"detail": "conflicts with a concurrent change: read it again and retry"},
        )
