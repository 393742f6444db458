"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlmodel import Session

from app.api.pagination import ListParams, Paging
from app.auth.authentication import READ_METHODS, Authenticator
from app.auth.tokens import Actor
from app.core.admission import Gate
from app.core.config import Settings
from app.core.db import SQLITE_BEGIN, session_scope
from app.core.errors import TOKEN_NEEDED, InvalidInputError, UnauthorizedError
from app.core.versioning import parse_version_etag
from app.models.inputs import DIGITS_FORMAT

# The dependencies that only read the request are ``async``: FastAPI runs them on the event loop,
# where a plain ``def`` would cost a hop to a worker thread and back on every request.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def admit(request: Request) -> AsyncIterator[None]:
    """A turn to use the database (see ``app.core.admission``), waited for on the event loop:
    a writer's includes its writer slot, and it ends after the commit."""
    gate: Gate = request.app.state.gate
    async with gate.enter(writing=request.method not in READ_METHODS):
        yield


def get_session(
    request: Request, _turn: Annotated[None, Depends(admit, scope="function")]
) -> Iterator[Session]:
    """One transaction per request: committed when the route succeeds, rolled back otherwise.

    Used with ``scope="function"`` (``SessionDep``): the commit happens before the response is
    sent, so a client that got its 200 reads its write back from any process, and a commit that
    fails is answered as an error rather than after a success. The caller was authenticated
    before (``AuthenticationMiddleware``) and its turn taken (``admit``): no thread ever waits
    here for a connection or SQLite's writer lock held by a request that needs a thread."""
    writing = request.method not in READ_METHODS
    with session_scope(request.app.state.engine) as session:
        if writing:
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

MAX_PAGE_SIZE = 200
LimitQuery = Annotated[
    int,
    Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size (at most {MAX_PAGE_SIZE})"),
    DIGITS_FORMAT,
]
OffsetQuery = Annotated[
    int, Query(ge=0, le=10**9, description="Number of items to skip"), DIGITS_FORMAT
]


async def get_list_params(
    q: Annotated[
        str | None, Query(max_length=200, description="Search, accent- and case-insensitive")
    ] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> ListParams:
    return ListParams(q=q, limit=limit, offset=offset)


ListParamsDep = Annotated[ListParams, Depends(get_list_params)]


async def get_paging(limit: LimitQuery = 50, offset: OffsetQuery = 0) -> Paging:
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(get_paging)]


# --- Who is calling -----------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="An API token made with `boussole token create`")


async def get_optional_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor | None:
    """The caller of a request with a token; None for an anonymous one. A bad token is a 401
    even on a public route (the caller meant to authenticate, and should know it failed), a 429
    after repeated failures. Writes were authenticated before any work by
    ``AuthenticationMiddleware``; ``credentials`` only documents the scheme in OpenAPI."""
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.actor(request.scope)


async def get_actor(actor: Annotated[Actor | None, Depends(get_optional_actor)]) -> Actor:
    if actor is None:
        raise UnauthorizedError(TOKEN_NEEDED)
    return actor


OptionalActor = Annotated[Actor | None, Depends(get_optional_actor)]
#: Any valid token. Write routes declare what they ask of it in ``app.api.permissions``
#: (``AdminActor``, ``TrackingWriter``).
CurrentActor = Annotated[Actor, Depends(get_actor)]


async def get_if_match(
    if_match: Annotated[
        str | None,
        Header(
            description="The ETag (version) you read; the write is refused with 412 if the "
            "resource changed since. Without it, the last write wins."
        ),
    ] = None,
) -> int | None:
    return parse_version_etag(if_match) if if_match is not None else None


IfMatch = Annotated[int | None, Depends(get_if_match)]

#: The largest id or cursor a path or query may name (ids are 32-bit integers on PostgreSQL).
MAX_ID = 2**31 - 1


#: The query parameters each write reads, by path and methods (the same in every app instance).
_QUERY_NAMES: dict[tuple[str, frozenset[str]], frozenset[str]] = {}


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters ``route`` reads, its dependencies' included."""
    key = (route.path_format, frozenset(route.methods or ()))
    if key not in _QUERY_NAMES:
        _QUERY_NAMES[key] = _declared_query(route)
    return _QUERY_NAMES[key]


def _declared_query(route: APIRoute) -> frozenset[str]:
    names: set[str] = set()
    stack: list[Dependant] = [route.dependant]
    while stack:
        dependant = stack.pop()
        for field in dependant.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(f.alias or name for name, f in model.model_fields.items())
            else:
                names.add(field.alias)
        stack.extend(dependant.dependencies)
    return frozenset(names)


async def refuse_unknown_write_parameters(request: Request) -> None:
    """A write's query may name only what its route reads (422 otherwise, nothing written): a
    mistyped ``?comune=59172`` would else write the whole territory's value. Reads stay lenient
    (a cache-busting parameter is harmless there)."""
    route = request.scope.get("route")
    if request.method in READ_METHODS or not isinstance(route, APIRoute):
        return
    known = _query_names(route)
    for name in request.query_params:
        if name not in known:
            expected = ", ".join(f"« {n} »" for n in sorted(known)) or "aucun"
            raise InvalidInputError(
                ("query", name),
                f"paramètre inconnu « {name} » (paramètres de cette écriture : {expected})",
            )
