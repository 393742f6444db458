"""405 answers with the whole ``Allow`` header.

The router answers 405 from the first route whose path matches, with that route's methods only:
``DELETE /api/v1/actions/E1.1.1`` got ``Allow: GET`` although PATCH is allowed too, since GET and
PATCH are two routes of one path. Here the 405 lists the methods of every route matching the
path.

Installed after the application's other error handlers::

    install_method_not_allowed(app)

For any HTTPException but a 405 it hands over to the handler that was installed before it
(FastAPI's own by default).
"""

from collections.abc import Awaitable, Callable, Iterable

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

Handler = Callable[[Request, HTTPException], Awaitable[Response]]

#: The order methods are listed in, as RFC 9110 lists them.
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """The methods of every route whose path matches the request's, in the usual order.

    ``routes`` are the application's: FastAPI keeps included routers as such, and
    ``iter_route_contexts`` walks the routes inside them with their full paths."""
    methods: set[str] = set()
    for route in iter_route_contexts(list(routes)):
        match, _ = route.matches(scope)
        if match == Match.NONE:
            continue
        original = route.original_route
        if route.methods:
            methods |= route.methods
        elif isinstance(original, Mount) and isinstance(original.app, StaticFiles):
            methods |= {"GET", "HEAD"}  # what StaticFiles answers
    return sorted(methods, key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m))


def install_method_not_allowed(app: FastAPI) -> None:
    previous: Handler = app.exception_handlers.get(HTTPException, http_exception_handler)  # type: ignore[assignment]

    async def handle(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:
            methods = allowed_methods(app.router.routes, request.scope)
            if methods:
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
        return await previous(request, exc)

    app.add_exception_handler(HTTPException, handle)  # type: ignore[arg-type]
