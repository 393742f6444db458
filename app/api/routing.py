"""How a route declares itself: its success model, its summary and the answers it may give
besides, composed from ``app.api.responses`` by what the route does, so that every read, create,
update and replacement is documented the same way. Each helper returns the keyword arguments of
the router's method::

    @router.get("/{code}", **reading(AxisDetail, "One axis", "Unknown axis code"))
    @router.post("", **creating(AxisDetail, "Create an axis (admin)", "Unknown engagement"))

``unknown`` words the 404 for what the path (or the body) names; a route that names nothing has
none. The description of an operation stays its function's docstring.
"""

from typing import Any

from fastapi import status

from app.api.responses import (
    CODE_TAKEN,
    IF_MATCH,
    OPTIONAL_TOKEN,
    READ,
    READ_WITH_TOKEN,
    WRITE,
    Responses,
)
from app.api.responses import unknown as not_found

Route = dict[str, Any]

#: The answer of a PUT that created what it names (200 when it replaced it).
CREATED: Responses = {status.HTTP_201_CREATED: {"description": "Created"}}


def _route(model: Any, summary: str, *pieces: Responses, unknown: str | None) -> Route:
    responses: Responses = {}
    for piece in (*pieces, not_found(unknown) if unknown else {}):
        responses.update(piece)
    return {"response_model": model, "summary": summary, "responses": responses}


def reading(model: Any, summary: str, unknown: str | None = None, *, token: bool = False) -> Route:
    """A GET. ``token``: the caller's token is optional and looked at (``OptionalActor``): what
    the answer shows depends on it, and an invalid one is refused."""
    if not token:
        return _route(model, summary, READ, unknown=unknown)
    return _route(model, summary, READ_WITH_TOKEN, unknown=unknown) | {
        "openapi_extra": OPTIONAL_TOKEN
    }


def creating(model: Any, summary: str, unknown: str | None = None, *, code: bool = True) -> Route:
    """A POST that creates (201). ``code``: the body may name a code, which may be taken."""
    taken = CODE_TAKEN if code else {}
    return _route(model, summary, WRITE, taken, unknown=unknown) | {
        "status_code": status.HTTP_201_CREATED
    }


def updating(model: Any, summary: str, unknown: str, *, if_match: bool = False) -> Route:
    """A PATCH (or a DELETE, ``model`` None) of what the path names; ``if_match``: it honours
    If-Match."""
    return _route(model, summary, WRITE, IF_MATCH if if_match else {}, unknown=unknown)


def replacing(model: Any, summary: str, unknown: str, *, if_match: bool = False) -> Route:
    """A PUT: it creates (201) or replaces (200) what the path names."""
    return _route(model, summary, CREATED, WRITE, IF_MATCH if if_match else {}, unknown=unknown)
