"""The answers an operation can give besides its success, for the OpenAPI document, in shared
pieces so that every operation words the same status the same way. Compose them per operation
with ``{**A, **B}``; a later piece overrides an earlier one's wording for the same status.

FastAPI adds 422 by itself to every operation with a parameter or a body (the shape of its own
validation errors, which the domain's 422s share); the operations without either cannot answer
422. A 405 belongs to a path, not to an operation: it is not listed (see
app.api.method_not_allowed for its Allow header).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict

Responses = dict[int | str, dict[str, Any]]


class ErrorMessage(BaseModel):
    """The body of every error but 422: a message, sometimes with details beside it (the
    ``entity`` and ``code`` of a 404, the ``current_version`` of a 412, ``retry_after``…)."""

    model_config = ConfigDict(extra="allow")

    detail: str


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def _error(description: str, **extra: Any) -> dict[str, Any]:
    return {"model": ErrorMessage, "description": description, **extra}


def unknown(description: str = "Unknown code") -> Responses:
    """404, worded for what the path names."""
    return {404: _error(description)}


#: Every operation that uses the database: a saturated process sheds load rather than queue it.
SATURATED: Responses = {
    503: _error("The service is saturated: retry after Retry-After seconds", headers=_RETRY_AFTER)
}

#: Every GET of the API: the caching layer answers 304 to an If-None-Match naming the current
#: revision.
NOT_MODIFIED: Responses = {
    304: {"description": "Not modified since the ETag sent in If-None-Match (no body)"}
}

#: A database read with no token needed.
READ: Responses = {**NOT_MODIFIED, **SATURATED}

#: ``openapi_extra`` of a route a token is optional on (``OptionalActor``): FastAPI documents its
#: bearer scheme as required; the empty requirement ``{}`` added to it says "or no token".
OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}]}

#: A read that looks at the token when there is one (what it shows depends on it).
READ_WITH_TOKEN: Responses = {
    **READ,
    401: _error("An invalid or revoked token (send none to read anonymously)"),
    429: _error(
        "Too many failed authentications from this client: retry after Retry-After seconds",
        headers=_RETRY_AFTER,
    ),
}

#: Every write: a token is required, a body may be too large or too slow, and a concurrent
#: writer may get there first.
WRITE: Responses = {
    401: _error("No token, or an invalid or revoked one"),
    403: _error("The token may not write this"),
    408: _error("The request body did not arrive in time"),
    409: _error("Conflicts with the current data or with a concurrent change"),
    413: _error("The request body is too large"),
    429: READ_WITH_TOKEN[429],
    **SATURATED,
}

#: A write that honours If-Match.
IF_MATCH: Responses = {
    400: _error('A malformed If-Match: send "*" or the ETag the resource was read with'),
    412: _error(
        "If-Match names a version that is no longer current, or another writer changed the "
        "resource meanwhile: read it again and retry"
    ),
}

#: A create that takes a code: it may be taken already.
CODE_TAKEN: Responses = {
    409: _error("The code is already used (or a concurrent change conflicts with this one)")
}
