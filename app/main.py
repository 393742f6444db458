"""The FastAPI application."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.admin import install_admin_pages
from app.api import health
from app.api.deps import refuse_unknown_write_parameters
from app.api.docs import install_docs
from app.api.method_not_allowed import install_method_not_allowed
from app.api.responses import install_problem_documents
from app.audit import routes as changes
from app.auth.authentication import AuthenticationMiddleware, Authenticator
from app.bilan import routes as bilan
from app.campaigns.routes import campaigns, imports, reports
from app.campaigns.routes import pending as pending_reports
from app.core.admission import Gate
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.errors import install_error_handlers
from app.core.hardening import (
    BodySizeLimitMiddleware,
    FailedAuthLimiter,
    PublicUrlMiddleware,
    SecurityHeadersMiddleware,
    StrictJSONMiddleware,
)
from app.core.logging import configure_logging, install_request_logging, log_request
from app.core.runtime import tune_garbage_collector
from app.dashboard import routes as dashboard
from app.indicators import routes as indicators
from app.opendata import routes as opendata
from app.plan.routes import axes, engagements, plan
from app.reference.routes import communes, directorates
from app.revision.http_cache import HttpCacheMiddleware, ResponseReplay, RevisionSource
from app.trackables.routes import actions, flagship_projects, milestones
from app.web import install_web
from app.web.account_routes import install_account_pages
from app.web.oidc_routes import install_oidc_sign_in
from app.web.reporting_routes import install_reporting_pages
from app.web.spreadsheet_routes import install_spreadsheet_pages, upload_limits

#: The API's routers, mounted under /api/v1 in this order (the order of the OpenAPI document).
api_router = APIRouter(dependencies=[Depends(refuse_unknown_write_parameters)])
for module in (
    plan,
    engagements,
    axes,
    actions,
    flagship_projects,
    reports,
    milestones,
    indicators,
    dashboard,
    directorates,
    communes,
    changes,
    imports,
    campaigns,
    pending_reports,
    bilan,
    opendata,
):
    api_router.include_router(module.router)

DESCRIPTION = """
Boussole tracks how the *Projet de territoire 2024-2044* of the Communauté d'agglomération de
La Porte du Hainaut (CAPH) is carried out, year by year.

Content is in French (as adopted); field names are in English. Every node of the strategy tree has
a stable code: `E1` (engagement), `E1.2` (axis), `E1.2.3` (action), `E1.2.3.1` (sub-action),
`PP1`…`PP9` (flagship projects).
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.revisions.close()  # its connection of its own, outside the engine's pool


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    tune_garbage_collector()
    app = FastAPI(
        title="Boussole",
        version=__version__,
        description=DESCRIPTION,
        license_info={"name": "EUPL-1.2"},
        lifespan=_lifespan,
        # No OpenTelemetry export: without this, FastAPI looks for configured providers (three
        # environment reads) on every request, a quarter of the cost of a replayed answer.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # /docs and /redoc are served by install_docs below, with their assets: no CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=settings.max_in_flight,
        lock_timeout=settings.queue_timeout,
    )
    # One writer at a time on SQLite (it has one writer lock); on PostgreSQL a few, since
    # writers queue on the revision row anyway (see app.core.admission).
    sqlite = app.state.engine.dialect.name == "sqlite"
    app.state.gate = Gate(
        capacity=settings.max_in_flight,
        writers=1 if sqlite else settings.max_writers,
        max_queued=settings.max_queued,
        timeout=settings.queue_timeout,
    )
    app.state.revisions = RevisionSource(app.state.engine)
    install_error_handlers(app)
    install_method_not_allowed(app)
    install_problem_documents(app)  # the errors of the OpenAPI document are problems
    # Innermost first: gzip compresses the routes' answers, caching validates them; the body is
    # parsed strictly and bounded only once the caller is authenticated; CORS and the request log
    # see everything; ResponseReplay, outside them, keeps the result and answers the same request
    # again at the same revision. Middlewares added after it run before it, as any would.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(HttpCacheMiddleware, revisions=app.state.revisions)
    app.add_middleware(StrictJSONMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        default=settings.max_body_bytes,
        limits={
            "/api/v1/progress/import": settings.import_max_bytes + 64 * 1024,
            **upload_limits(settings),  # the spreadsheet's upload page, one path per year
        },
        timeout=settings.request_body_timeout,
    )
    app.state.auth_limiter = FailedAuthLimiter(
        attempts=settings.auth_failures_allowed, max_clients=settings.auth_clients_tracked
    )
    app.state.authenticator = Authenticator(
        engine=app.state.engine, gate=app.state.gate, limiter=app.state.auth_limiter
    )
    app.add_middleware(AuthenticationMiddleware, authenticator=app.state.authenticator)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # Tokens travel in the Authorization header, never in cookies: no credentials, so an
        # origin list of "*" can never be combined with them.
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "X-Request-ID",
        ],
        expose_headers=["ETag", "Last-Modified", "X-Request-ID"],
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    install_request_logging(app)
    # Outside the request log: a replayed answer is logged by the replay itself.
    app.add_middleware(ResponseReplay, revisions=app.state.revisions, log_request=log_request)
    if settings.public_url:
        app.add_middleware(PublicUrlMiddleware, public_url=settings.public_url)
    if settings.trusted_proxies:
        # The client's address (the failed-authentication brake, the log) from X-Forwarded-For
        # only when the connection comes from a proxy we run; never from anyone else.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.include_router(health.router)
    app.include_router(api_router, prefix="/api/v1")
    install_docs(app)  # /docs, /redoc and their assets under /static/docs (before /static)
    install_web(app)  # the public dashboard: HTML pages and their static files
    install_account_pages(app)  # sign-in, sign-out, invitations, "Mon compte" (app.web.signed_in)
    install_oidc_sign_in(app)  # sign-in through the OpenID provider, when one is configured
    install_reporting_pages(app)  # "Mes actions": the reporting campaign's list and report form
    install_spreadsheet_pages(app)  # "Mes actions": download and upload the spreadsheet
    install_admin_pages(app)  # /admin/: directorates, accounts, assignments, tokens
    return app
