"""The answers an operation can give besides its success, for the OpenAPI document, in shared
pieces so that every operation words the same status the same way. Compose them per operation
with ``{**A, **B}``; a later piece overrides an earlier one's wording for the same status.

Every error answer is a problem (RFC 9457, app.core.errors): ``document_problems``, applied to
the OpenAPI document once it is built (``install_problem_documents``), gives every error response
of every operation the content ``application/problem+json`` with the ``Problem`` schema. FastAPI
adds 422 by itself to every operation with a parameter or a body; the operations without either
cannot answer 422. A 405 belongs to a path, not to an operation: it is not listed (see
app.api.method_not_allowed for its Allow header).
"""

from typing import Any

from fastapi import FastAPI

from app.core.errors import PROBLEM_MEDIA_TYPE, Problem

Responses = dict[int | str, dict[str, Any]]

#: Where the OpenAPI document keeps its schemas.
SCHEMAS = "#/components/schemas/"
#: FastAPI's own validation error schemas, which no answer has.
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")
#: The description of the 422 FastAPI adds.
VALIDATION_ERROR = (
    "Invalid input: `errors` lists every field at fault, each with its location (`loc`, and "
    "`pointer` in the body) and what is wrong (`detail`, in French)"
)


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def problem(description: str, **extra: Any) -> dict[str, Any]:
    """An error answer of an operation (its body a ``Problem``: see ``document_problems``)."""
    return {"description": description, **extra}


def unknown(description: str = "Unknown code") -> Responses:
    """404, worded for what the path names."""
    return {404: problem(description)}


#: Every operation that uses the database: a saturated process sheds load rather than queue it.
SATURATED: Responses = {
    503: problem("The service is saturated: retry after Retry-After seconds", headers=_RETRY_AFTER)
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
    401: problem("An invalid or revoked token (send none to read anonymously)"),
    429: problem(
        "Too many failed authentications from this client: retry after Retry-After seconds",
        headers=_RETRY_AFTER,
    ),
}

#: Every write: a token is required, a body may be too large or too slow, and a concurrent
#: writer may get there first.
WRITE: Responses = {
    401: problem("No token, or an invalid or revoked one"),
    403: problem("The token may not write this"),
    408: problem("The request body did not arrive in time"),
    409: problem("Conflicts with the current data or with a concurrent change"),
    413: problem("The request body is too large"),
    429: READ_WITH_TOKEN[429],
    **SATURATED,
}

#: A write that honours If-Match.
IF_MATCH: Responses = {
    400: problem('A malformed If-Match: send "*" or the ETag the resource was read with'),
    412: problem(
        "If-Match names a version that is no longer current, or another writer changed the "
        "resource meanwhile: read it again and retry"
    ),
}

#: A create that takes a code: it may be taken already.
CODE_TAKEN: Responses = {
    409: problem("The code is already used (or a concurrent change conflicts with this one)")
}


def _is_error(status: str) -> bool:
    return (status.isdigit() and int(status) >= 400) or status in ("4XX", "5XX", "default")


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an OpenAPI document), every error response of which is a ``Problem`` in
    ``application/problem+json``; FastAPI's own validation error schemas are gone."""
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    schema = Problem.model_json_schema(ref_template=SCHEMAS + "{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[Problem.__name__] = schema
    content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": SCHEMAS + Problem.__name__}}}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if not _is_error(status):
                    continue
                response["content"] = content
                if status == "422" and response.get("description") == "Validation Error":
                    response["description"] = VALIDATION_ERROR
    return document


def install_problem_documents(app: FastAPI) -> None:
    """The app's OpenAPI document, built once, documents its errors as problems."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
