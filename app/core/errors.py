"""Domain errors carrying their HTTP status, turned into JSON responses in one place."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


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
    """Input that passed the schema but breaks a rule of the domain."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)


class ConflictError(BoussoleError):
    status_code = 409


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BoussoleError)
    async def _handle(_request: Request, exc: BoussoleError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content=exc.to_body())
