"""Errors as RFC 9457 problem details (``application/problem+json``), made in one place.

Every error answer of the API is a ``Problem``: ``type``, a stable URN per kind of error
(``urn:boussole:problem:not-found``) for programs; ``title`` (fixed per type) and ``detail`` (this
occurrence) in French, for the people who read them; ``status``; ``instance``, the request's
path; and, for invalid input, ``errors``: one ``ProblemField`` per field at fault, with its
location. Members an error had before (``entity`` and ``code`` of a 404, ``current_version`` of a
412, ``retry_after``…) stay as extension members.

The domain raises ``BoussoleError`` subclasses, each declaring its ``problem_type``, ``title`` and
status; ``error_response`` turns one into the answer, from a route (``install_error_handlers``) or
from a middleware ahead of the routes. FastAPI's validation errors (in French by
app.core.validation_messages), Starlette's own 404, 405, 408 and 413 and the database's errors are
turned into problems here too.
"""

import logging
import math
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.core.validation_messages import french_message

# FastAPI itself (a tenth of a second to import) only where it is used: every command of the
# CLI loads this module, and none of them serves HTTP but `boussole serve`.
if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: The ``type`` of a problem is this prefix and a stable code (``not-found``…).
PROBLEM_TYPE_PREFIX = "urn:boussole:problem:"

Location = Sequence[str | int]


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _optional(description: str) -> Any:
    """An optional member of a problem: absent when it has no value, never null."""
    return Field(default=None, description=description, json_schema_extra=_without_default)


class ProblemField(BaseModel):
    """One field at fault in an invalid request (or one row of a refused CSV import)."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int] = Field(
        description="Where: `body`, `query`, `path` or `header`, then the names and list "
        'positions down to the field (`["body", "targets", 1, "year"]`); for the CSV '
        "import, `file`, the line and the column"
    )
    pointer: str | SkipJsonSchema[None] = _optional(
        "The JSON Pointer (RFC 6901) of the value in the request body, when the problem is in "
        'the body (`/targets/1/year`; `""`: the whole body)'
    )
    detail: str = Field(description="What is wrong, in French")
    type: str = Field(
        description="A stable code of the kind of problem: pydantic's error type (`missing`, "
        "`less_than_equal`…) or Boussole's (`value_error`, `invalid-row`, `out-of-scope`…)"
    )


class Problem(BaseModel):
    """An error answer (RFC 9457, `application/problem+json`). Beside the members below, some
    problems carry extension members: `entity` and `code` (404 of a named object),
    `current_version` (412), `retry_after` (429, 503), `header` (400 of a malformed header),
    `truncated` (422 of the CSV import), `request_id` (500)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="The kind of problem, stable, for programs: `urn:boussole:problem:` and a "
        "code (`not-found`, `validation-error`, `conflict`, `precondition-failed`…)"
    )
    title: str = Field(description="The kind of problem, in French, the same for every occurrence")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong this time and what to do, in French")
    instance: str | SkipJsonSchema[None] = _optional("The path of the request")
    errors: list[ProblemField] | SkipJsonSchema[None] = _optional(
        "Every field at fault, for invalid input (422): all of them at once"
    )


def pointer(loc: Location) -> str | None:
    """The JSON Pointer into the body of a location starting with ``body``; None elsewhere."""
    if not loc or loc[0] != "body":
        return None
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc[1:])


def location_label(loc: Location, kind: str = "") -> str:
    """A location as a person reads it: « targets[1].year », le paramètre « year »… (A JSON
    syntax error's location is a character offset in the body, not a member.)"""
    if not loc or tuple(loc) == ("request",):
        return "la requête"
    if kind == "json_invalid":
        loc = loc[:1]
    where, *rest = loc
    path = "".join(
        f"[{part}]" if isinstance(part, int) else (f".{part}" if index else str(part))
        for index, part in enumerate(rest)
    )
    if where == "body":
        return f"« {path} »" if rest else "le corps de la requête"
    if where == "query":
        return f"le paramètre « {path} »"
    if where == "path":
        return f"« {path} » dans l'adresse"
    if where == "header":
        return f"l'en-tête « {path} »"
    return f"« {where}{'.' + path if path else ''} »"


def field_problem(loc: Location, detail: str, kind: str) -> dict[str, Any]:
    """One item of a problem's ``errors``."""
    item: dict[str, Any] = {"loc": list(loc)}
    # A JSON syntax error's location is a character offset, not a member.
    where = pointer(loc if kind != "json_invalid" else loc[:1])
    if where is not None:
        item["pointer"] = where
    return item | {"detail": detail, "type": kind}


def problem_body(
    *,
    problem_type: str,
    title: str,
    status: int,
    detail: str,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """A problem as JSON; extension members never replace the standard ones."""
    from fastapi.encoders import jsonable_encoder

    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + problem_type,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    for name, value in extensions.items():
        body.setdefault(name, value)
    safe: dict[str, Any] = _json_safe(jsonable_encoder(body))
    return safe


class BoussoleError(Exception):
    """An error of the domain: its status, the stable code of its kind (``problem_type``) and
    its French ``title``; ``message`` is the French ``detail`` of this occurrence, ``extra`` its
    extension members."""

    status_code = 400
    problem_type = "bad-request"
    title = "Requête invalide"

    def __init_subclass__(
        cls,
        *,
        status: int | None = None,
        problem_type: str | None = None,
        title: str | None = None,
        **kwargs: Any,
    ) -> None:
        """A kind of error declares its status, type and title in its class line:
        ``class ForbiddenError(BoussoleError, status=403, problem_type="forbidden", …)``."""
        super().__init_subclass__(**kwargs)
        cls.status_code = status or cls.status_code
        cls.problem_type = problem_type or cls.problem_type
        cls.title = title or cls.title

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    @property
    def detail(self) -> str:
        return self.message

    def field_problems(self) -> list[dict[str, Any]] | None:
        """The problem's ``errors``, for those that have fields at fault."""
        return None

    @classmethod
    def worded(cls, message: str) -> "BoussoleError":
        """An error of this kind (status, type, title) with ``message``, whatever this kind's
        constructor takes: for errors met outside the domain (Starlette's 404, the database's)."""
        error = BoussoleError(message)
        error.status_code, error.problem_type, error.title = (
            cls.status_code,
            cls.problem_type,
            cls.title,
        )
        return error

    def to_body(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(
            problem_type=self.problem_type,
            title=self.title,
            status=self.status_code,
            detail=self.detail,
            instance=instance,
            errors=self.field_problems(),
            **self.extra,
        )


#: What a 404 names, in French (``NotFoundError``'s ``entity`` stays the English key).
ENTITY_NAMES = {
    "account": "Compte",
    "action": "Action",
    "axis": "Axe",
    "bilan": "Bilan de l'année",
    "campaign": "Campagne",
    "commune": "Commune",
    "directorate": "Direction",
    "engagement": "Engagement",
    "flagship project": "Projet phare",
    "indicator": "Indicateur",
    "milestone": "Jalon",
    "open-data resource": "Ressource de données ouvertes",
    "page": "Page",
    "pending report": "Bilan en attente",
    "plan": "Plan",
    "progress report": "Bilan annuel",
    "token": "Jeton",
}


class NotFoundError(
    BoussoleError, status=404, problem_type="not-found", title="Ressource introuvable"
):
    """An unknown code or id: ``entity`` (an English key, kept as an extension member with
    ``code``) is named in French in the message."""

    def __init__(self, entity: str, code: object, message: str | None = None) -> None:
        name = ENTITY_NAMES.get(entity, f"Objet « {entity} »")
        message = message or f"{name} « {code} » introuvable."
        super().__init__(message, entity=entity, code=str(code))


class InvalidInputError(
    BoussoleError, status=422, problem_type="validation-error", title="Données invalides"
):
    """Input that passed the schema but breaks a rule of the domain: a 422 in the shape of the
    validation errors (one item in ``errors``, at ``loc``). ``message`` reads on its own (the
    command line prints it); the problem's ``detail`` names the location before it. ``kind``:
    the item's ``type``."""

    def __init__(self, loc: Location, message: str, kind: str = "value_error") -> None:
        super().__init__(message)
        self.loc = tuple(loc)
        self.kind = kind

    @property
    def detail(self) -> str:
        return f"{location_label(self.loc, self.kind)} : {self.message}"

    def field_problems(self) -> list[dict[str, Any]] | None:
        return [field_problem(self.loc, self.message, self.kind)]


def null_refused(name: str, hint: str = "") -> InvalidInputError:
    """422 for a body field sent as null that always has a value; ``hint``: how to clear it."""
    return InvalidInputError(("body", name), "ne peut pas valoir null" + hint)


def code_taken(code: str) -> str:
    """The message of a 409 for a code already used."""
    return f"Le code « {code} » est déjà pris."


class BadRequestError(BoussoleError):
    """A request that cannot be carried out as it is (an invitation link no longer valid…): the
    base's 400 ``bad-request``, by name."""


class ConflictError(
    BoussoleError, status=409, problem_type="conflict", title="Conflit avec les données actuelles"
):
    """A write that conflicts with the data (a code already taken) or with a concurrent one."""


#: The 401 of an operation called without a token.
TOKEN_NEEDED = "Cette opération demande un jeton : Authorization: Bearer <jeton>."  # noqa: S105


class UnauthorizedError(
    BoussoleError, status=401, problem_type="unauthorized", title="Authentification requise"
):
    """No token, or an invalid or revoked one (answered with ``WWW-Authenticate: Bearer``)."""


class ForbiddenError(BoussoleError, status=403, problem_type="forbidden", title="Accès refusé"):
    """A caller that may not do this."""


class MethodNotAllowedError(
    BoussoleError, status=405, problem_type="method-not-allowed", title="Méthode non permise"
):
    """A method no route of the path takes (app.api.method_not_allowed adds ``Allow``)."""


class RequestTimeoutError(
    BoussoleError, status=408, problem_type="request-timeout", title="Requête trop lente"
):
    """A request body not received in time (app.core.hardening)."""


class PayloadTooLargeError(
    BoussoleError, status=413, problem_type="payload-too-large", title="Requête trop volumineuse"
):
    """A request body, or an imported file, over its limit."""


class UnsupportedMediaTypeError(
    BoussoleError,
    status=415,
    problem_type="unsupported-media-type",
    title="Type de contenu non pris en charge",
):
    """A body of a type the operation does not take."""


class BadHeaderError(
    BoussoleError, status=400, problem_type="bad-header", title="En-tête invalide"
):
    """A request header that cannot be understood (a malformed If-Match, say)."""

    def __init__(self, header: str, message: str) -> None:
        super().__init__(f"En-tête {header} : {message}", header=header)


class TooManyRequestsError(
    BoussoleError, status=429, problem_type="too-many-requests", title="Trop de tentatives"
):
    """Too many failed attempts from a client: retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class ServiceUnavailableError(
    BoussoleError,
    status=503,
    problem_type="service-unavailable",
    title="Service momentanément indisponible",
):
    """The process is saturated (its queue is full, or a request waited too long for its turn):
    retry after a moment."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class BadGatewayError(
    BoussoleError, status=502, problem_type="bad-gateway", title="Service tiers inutilisable"
):
    """A service Boussole relies on (the OpenID provider) answered something unusable."""


class PreconditionFailedError(
    BoussoleError, status=412, problem_type="precondition-failed", title="Modifié entre-temps"
):
    """The client's If-Match names a version that is no longer the current one. ``entity``
    names what was written, in French (« Le bilan E1.1.1/2025 »); ``current_version`` None: it
    does not exist (yet)."""

    def __init__(self, entity: str, current_version: int | None) -> None:
        if current_version is None:
            message = (
                f"{entity} n'existe pas : If-Match ne peut en nommer aucune version (envoyez la "
                "requête sans If-Match pour le créer)"
            )
        else:
            message = (
                f"{entity} a été modifié entre-temps (version actuelle : {current_version}) : "
                "relisez-le, puis recommencez"
            )
        super().__init__(message, current_version=current_version)


class InternalError(
    BoussoleError, status=500, problem_type="internal-error", title="Erreur interne"
):
    """A fault of the service (the 500 handler, app.core.logging)."""


class ProblemHTTPException(HTTPException):
    """A domain error raised where only an HTTPException passes (from ``receive``, while a body
    is being read: app.core.hardening): answered as ``error``."""

    def __init__(self, error: BoussoleError) -> None:
        super().__init__(error.status_code, error.message)
        self.error = error


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def error_response(exc: BoussoleError, instance: str | None = None) -> ProblemResponse:
    """The answer to a domain error, from a route or from a middleware ahead of the routes;
    ``instance``: the request's path."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
    if "retry_after" in exc.extra:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    if exc.status_code in (408, 413):
        # The rest of the body may still come: it must not be read as the next request.
        headers["Connection"] = "close"
    return ProblemResponse(
        status_code=exc.status_code, content=exc.to_body(instance), headers=headers
    )


#: Starlette's and FastAPI's own HTTP errors, as the domain's (their English detail is dropped).
_HTTP_ERRORS: dict[int, tuple[type[BoussoleError], str]] = {
    404: (NotFoundError, "Aucune ressource à cette adresse : {path}"),
    405: (MethodNotAllowedError, "La méthode {method} n'est pas permise sur {path}"),
    408: (RequestTimeoutError, "Le corps de la requête n'est pas arrivé à temps"),
    413: (PayloadTooLargeError, "Le corps de la requête est trop volumineux"),
    415: (UnsupportedMediaTypeError, "Ce type de contenu n'est pas pris en charge"),
    401: (UnauthorizedError, TOKEN_NEEDED),
    403: (ForbiddenError, "Accès refusé"),
}


def http_error(exc: HTTPException, method: str, path: str) -> BoussoleError:
    """The domain error an HTTPException stands for, worded in French."""
    if isinstance(exc, ProblemHTTPException):
        return exc.error
    status = exc.status_code
    kind, wording = _HTTP_ERRORS.get(
        status,
        (
            InternalError if status >= 500 else BoussoleError,
            "La requête n'a pas abouti (HTTP {status})",
        ),
    )
    error = kind.worded(wording.format(method=method, path=path, status=status))
    error.status_code = status
    return error


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


def validation_problem(errors: Sequence[Any], instance: str | None = None) -> dict[str, Any]:
    """The problem of a request FastAPI found invalid: every error in ``errors``, in French."""
    items = [
        field_problem(tuple(error.get("loc", ())), french_message(error), str(error.get("type")))
        for error in errors
    ]
    shown = " ; ".join(
        f"{location_label(item['loc'], item['type'])} : {item['detail']}" for item in items[:5]
    )
    more = (
        f" ; et {len(items) - 5} autre(s) problème(s), listés dans errors" if len(items) > 5 else ""
    )
    return problem_body(
        problem_type=InvalidInputError.problem_type,
        title=InvalidInputError.title,
        status=422,
        detail=shown + more,
        instance=instance,
        errors=items,
    )


#: What the database raises when it is busy or out of reach: SQLAlchemy's errors, and the
#: drivers' own, which the revision readers meet on the connections they hold themselves
#: (app.revision.reader).
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    PoolTimeoutError,
    sqlite3.OperationalError,
    psycopg.OperationalError,
)
UNAVAILABLE_MESSAGE = "La base de données est occupée ou injoignable : réessayez dans un instant."
#: Seconds a client is asked to wait when the database is unavailable.
UNAVAILABLE_RETRY = 2


def unavailable(exc: Exception) -> ServiceUnavailableError:
    """The error to answer when the database did not answer in time (one of
    ``DATABASE_UNAVAILABLE``): a lock held too long (SQLite's busy timeout, PostgreSQL's
    lock_timeout), no connection to be had, or the server is down. Temporary for the caller: 503
    with Retry-After. The exception's message may name hosts, users and statement parameters:
    only its kind is logged."""
    cause = getattr(exc, "orig", None) or exc
    logger.warning("database unavailable: %s", type(cause).__name__)
    return ServiceUnavailableError(UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY)


def database_unavailable(exc: Exception, instance: str | None) -> ProblemResponse:
    """``unavailable``'s problem, for the API (web pages have theirs: app.web)."""
    return error_response(unavailable(exc), instance)


def install_error_handlers(app: "FastAPI") -> None:
    """Every error a route, a dependency or the routing raises becomes a problem. (The pure-ASGI
    middlewares ahead of the routes answer with ``error_response`` themselves.)"""
    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(BoussoleError)
    async def _handle(request: Request, exc: BoussoleError) -> JSONResponse:
        return error_response(exc, request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own (404 of an unknown path, 405; app.api.method_not_allowed adds Allow)
        # and the body limits' (app.core.hardening).
        response = error_response(
            http_error(exc, request.method, request.url.path), request.url.path
        )
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = validation_problem(exc.errors(), request.url.path)
        return ProblemResponse(status_code=422, content=body)

    @app.exception_handler(PoolTimeoutError)
    @app.exception_handler(OperationalError)
    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        return database_unavailable(exc, request.url.path)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _exc: StaleDataError) -> JSONResponse:
        # Two writers read the same version; the other one committed first.
        message = "Quelqu'un d'autre l'a modifié entre-temps : relisez-le, puis recommencez."
        return error_response(PreconditionFailedError.worded(message), request.url.path)

    @app.exception_handler(DataError)
    async def _data(request: Request, _exc: DataError) -> JSONResponse:
        # A value the database cannot hold or compare (a NUL character, a number out of range)
        # that slipped past validation: the caller's input, not a server fault. No SQL goes out.
        error = InvalidInputError(
            ("request",),
            "une valeur ne peut être ni enregistrée ni comparée (un caractère NUL, ou un nombre "
            "hors limites)",
        )
        return error_response(error, request.url.path)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, _exc: IntegrityError) -> JSONResponse:
        # Reached only when a concurrent writer created the same thing first; the services check
        # every rule they can before writing. No SQL goes back to the client.
        message = (
            "Une modification simultanée est en conflit avec celle-ci : relisez, puis recommencez."
        )
        return error_response(ConflictError(message), request.url.path)
