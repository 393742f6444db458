"""The public dashboard: a read-only view of the plan's progress, in French, served as HTML pages
from the same services as the API (see app.web.routes), with its own stylesheet and no script."""

import inspect

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.routes import error_page, not_found_page, router
from app.web.signed_in import (
    NO_STORE,
    PageRefused,
    SignInNeeded,
    finish_page,
    sign_in_location,
)
from app.web.templating import STATIC_DIR

API_PREFIX = "/api/"


def install_web(app: FastAPI) -> None:
    """Mount the pages at the root and their files under ``/static``.

    A browser asking for an unknown address outside the API gets the French 404 page; every other
    client (and every API path) keeps the JSON answer of the handler installed before."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    json_handler = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        wants_html = "text/html" in request.headers.get("accept", "")
        if exc.status_code == 404 and wants_html and not request.url.path.startswith(API_PREFIX):
            return await run_in_threadpool(not_found_page, request, "")
        response = json_handler(request, exc)
        if inspect.isawaitable(response):
            response = await response
        assert isinstance(response, Response)
        return response

    app.add_exception_handler(StarletteHTTPException, http_error)

    async def page_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageRefused)
        return await run_in_threadpool(
            error_page, request, exc.status_code, exc.heading, exc.message
        )

    async def sign_in_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        response = RedirectResponse(sign_in_location(exc.next_path), status_code=303)
        finish_page(request, response)  # a stale session cookie removed
        response.headers["Cache-Control"] = NO_STORE
        return response

    # The answers of app.web.signed_in's dependencies: a French page, or the sign-in page.
    app.add_exception_handler(PageRefused, page_refused)
    app.add_exception_handler(SignInNeeded, sign_in_needed)
