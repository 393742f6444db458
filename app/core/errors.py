"""Domain errors carrying their HTTP status, turned into JSON responses in one place."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError


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


class PreconditionFailedError(BoussoleError):
    """The client's If-Match names a version that is no longer the current one."""

    status_code = 412

    def __init__(self, entity: str, current_version: int | None) -> None:
        super().__init__(
            f"{entity} was changed by someone else: read it again (current version "
            f"{current_version}) and retry",
            current_version=current_version,
        )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BoussoleError)
    async def _handle(_request: Request, exc: BoussoleError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        if exc.status_code == 429 and "retry_after" in exc.extra:
            headers["Retry-After"] = str(exc.extra["retry_after"])
        return JSONResponse(status_code=exc.status_code, content=exc.to_body(), headers=headers)

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
