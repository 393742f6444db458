"""The public dashboard: a read-only view of the plan's progress, in French, served as HTML pages
from the same services as the API (see app.web.routes), with its own stylesheet and no script."""

import inspect
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from app.core import errors
from app.web.templating import STATIC_DIR

if TYPE_CHECKING:
    from fastapi import FastAPI

API_PREFIX = "/api/"


def _wants_page(request: Request) -> bool:
    """A browser asking for an address outside the API: answered with a French page."""
    wants_html = "text/html" in request.headers.get("accept", "")
    return wants_html and not request.url.path.startswith(API_PREFIX)


def install_web(app: "FastAPI") -> None:
    """Mount the pages at the root and their files under ``/static``.

    A browser asking for an unknown address outside the API gets the French 404 page, and the
    French 503 page when the database is out of reach; every other client (and every API path)
    keeps the problem of the handler installed before."""
    # The pages' modules (and FastAPI, through them) are imported here, not at the top: importing
    # any module of the package (app.web.bilan_document, for `boussole report`) runs this file
    # first, and must not load the whole site.
    from app.web.bilan_routes import router as bilan_router
    from app.web.budget_routes import router as budget_router
    from app.web.legal_routes import router as legal_router
    from app.web.routes import error_page, not_found_page, router
    from app.web.signed_in import (
        NO_STORE,
        PageRefused,
        SignInNeeded,
        finish_page,
        sign_in_location,
    )
    from app.web.territory_routes import router as territory_router

    app.include_router(router)
    app.include_router(legal_router)
    app.include_router(budget_router)
    app.include_router(bilan_router)
    app.include_router(territory_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    json_handler = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and _wants_page(request):
            return await run_in_threadpool(not_found_page, request, "")
        response = json_handler(request, exc)
        if inspect.isawaitable(response):
            response = await response
        assert isinstance(response, Response)
        return response

    app.add_exception_handler(StarletteHTTPException, http_error)

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # A browser gets the French page (with no plan in its header: the database is out of
        # reach), any other client the API's problem; 503 with Retry-After both.
        if not _wants_page(request):
            return errors.database_unavailable(exc, request.url.path)
        error = errors.unavailable(exc)
        response = await run_in_threadpool(
            error_page, request, 503, error.title, error.message, with_plan=False
        )
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_unavailable)

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
