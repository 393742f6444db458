"""Signing in through the organisation's OpenID provider: the two addresses of the flow.

- ``GET /connexion/oidc?suivant=/page``: a sign-in begins (app.auth.oidc_sign_in.begin), its
  browser key is set as a cookie (``HttpOnly``, ``SameSite=Lax``, only sent back to the return
  address, ten minutes), and the browser is sent (303) to the provider's authorization endpoint.
  Each begins a row and a writer's turn: a client beyond ``BOUSSOLE_OIDC_STARTS_PER_MINUTE`` gets
  429 with Retry-After before any work, and ``BOUSSOLE_OIDC_PENDING_MAX`` sign-ins under way at
  once make the next one a 503 (nothing written either way).
- ``GET /connexion/oidc/retour`` (the redirect URI registered at the provider, built from
  ``BOUSSOLE_PUBLIC_URL`` when set, by app.core.hardening.PublicUrlMiddleware): the sign-in of
  ``state`` is taken (deleted: single use) and checked against this browser's cookie; the code
  is exchanged and the ID token verified (app.auth.oidc); the account of its verified e-mail,
  which must exist and be active, signs in as with a password (app.auth.sessions), and the
  browser goes to ``suivant`` (a path of this site only).

Every refusal shows the sign-in page with a French message and its status: 400 (unknown,
replayed, expired sign-in, one begun in another browser, the provider's refusal), 401 (an ID
token that fails verification), 403 (no verified e-mail, no account, a deactivated one), 429 (a
client beginning too many), 502/503 (a provider that answers nonsense, or not at all within
``BOUSSOLE_OIDC_TIMEOUT``; too many sign-ins under way). A refusal
writes nothing but the deletion of the sign-in it consumed. Without ``BOUSSOLE_OIDC_ISSUER`` both
addresses are 404. Nothing here logs a code, a state or a token (the request log has no query).
"""

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.auth import oidc, oidc_sign_in
from app.auth.oidc import OidcClient
from app.auth.oidc_sign_in import BROWSER_COOKIE, SIGN_IN_LIFETIME
from app.core.config import Settings
from app.core.errors import BadRequestError, BoussoleError, NotFoundError, TooManyRequestsError
from app.core.hardening import ClientLimiter
from app.models import Role
from app.web.account_routes import _home_of
from app.web.routes import WebRoute, load_plan, page
from app.web.signed_in import (
    NEXT_PARAMETER,
    NO_STORE,
    PAGE_DEPENDENCIES,
    open_session,
    run_in_session,
    safe_next,
    set_session_cookie,
)

CALLBACK_PATH = "/connexion/oidc/retour"
#: Longest authorization code read from the return address.
MAX_CODE_LENGTH = 2048

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)


def install_oidc_sign_in(app: FastAPI) -> None:
    """The provider's client (None without ``BOUSSOLE_OIDC_ISSUER``), the brake on the sign-ins
    each client begins, and the two addresses."""
    settings: Settings = app.state.settings
    app.state.oidc = oidc.client_for(settings)
    app.state.oidc_starts = ClientLimiter(
        attempts=settings.oidc_starts_per_minute, max_clients=settings.auth_clients_tracked
    )
    app.include_router(router)


def _client(request: Request) -> OidcClient:
    client: OidcClient | None = request.app.state.oidc
    if client is None:
        raise NotFoundError("page", "")  # the French 404 page (WebRoute)
    return client


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("web_oidc_callback"))


def _browser_cookie(request: Request, response: Response, value: str | None) -> None:
    """Set the sign-in's browser key (None: delete it), sent back to the return address only."""
    secure: bool = request.app.state.settings.secure_cookies
    if value is None:
        response.delete_cookie(
            BROWSER_COOKIE, path=CALLBACK_PATH, secure=secure, httponly=True, samesite="lax"
        )
    else:
        response.set_cookie(
            BROWSER_COOKIE,
            value,
            max_age=int(SIGN_IN_LIFETIME.total_seconds()),
            path=CALLBACK_PATH,
            secure=secure,
            httponly=True,
            samesite="lax",
        )
    response.headers["Cache-Control"] = NO_STORE


async def _refused(
    request: Request, error: BoussoleError, next_path: str | None, *, forget_browser: bool
) -> Response:
    """The sign-in page, with why the sign-in was refused, under the error's status; the
    browser key deleted when ``forget_browser``."""

    def render(session: Session) -> Response:
        return page(
            request,
            "sign_in.html",
            load_plan(session),
            title="Connexion refusée",
            status_code=error.status_code,
            email="",
            next_path=next_path,
            error=error.message,
        )

    response = await run_in_session(request, render)
    if "retry_after" in error.extra:
        response.headers["Retry-After"] = str(error.extra["retry_after"])
    if forget_browser:
        _browser_cookie(request, response, None)
    return response


@router.get("/connexion/oidc", name="web_oidc_start")
async def begin_sign_in(request: Request) -> Response:
    next_path = safe_next(request.query_params.get(NEXT_PARAMETER))
    settings: Settings = request.app.state.settings
    try:
        client = _client(request)
        _brake(request)
        await client.metadata()  # the provider first: no sign-in kept when it cannot be reached
        begun = await run_in_session(
            request,
            lambda session: oidc_sign_in.begin(
                session=session, next_path=next_path, max_pending=settings.oidc_pending_max
            ),
            writing=True,
        )
        location = await client.authorization_url(
            redirect_uri=_redirect_uri(request),
            state=begun.state,
            nonce=begun.nonce,
            code_verifier=begun.code_verifier,
        )
    except NotFoundError:
        raise
    except BoussoleError as error:
        return await _refused(request, error, next_path, forget_browser=False)
    response = RedirectResponse(location, status_code=303)
    _browser_cookie(request, response, begun.browser_key)
    return response


def _brake(request: Request) -> None:
    """429 for a client beyond ``BOUSSOLE_OIDC_STARTS_PER_MINUTE`` sign-ins begun, before any
    work: each one writes a row and takes a writer's turn."""
    limiter: ClientLimiter = request.app.state.oidc_starts
    retry_after = limiter.hit(request.client.host if request.client else "unknown")
    if retry_after is not None:
        raise TooManyRequestsError(
            "Trop de connexions commencées depuis votre poste : réessayez dans "
            f"{retry_after} secondes.",
            retry_after,
        )


@router.get(CALLBACK_PATH, name="web_oidc_callback")
async def finish_sign_in(request: Request) -> Response:
    query = request.query_params
    settings: Settings = request.app.state.settings
    taken: oidc_sign_in.Pending | None = None
    try:
        client = _client(request)
        state = query.get("state")
        taken = await run_in_session(
            request,
            lambda session: oidc_sign_in.take(session=session, state=state),
            writing=True,
        )
        _check_answer(query.get("error"), query.get("iss"), client)
        pending = oidc_sign_in.check(taken, browser_key=request.cookies.get(BROWSER_COOKIE))
        code = query.get("code")
        if not code or len(code) > MAX_CODE_LENGTH:
            raise BadRequestError("Le fournisseur d'identité n'a pas renvoyé de code de connexion.")
        id_token = await client.exchange(
            code=code, code_verifier=pending.code_verifier, redirect_uri=_redirect_uri(request)
        )
        claims = await client.verify_id_token(id_token, nonce=pending.nonce)

        def sign_in(session: Session) -> tuple[str, Role]:
            account = oidc_sign_in.account_for(
                session=session,
                claims=claims,
                require_email_verified=settings.oidc_require_email_verified,
            )
            return open_session(request, session, account), account.role

        raw, role = await run_in_session(request, sign_in, writing=True)
    except NotFoundError:
        raise
    except BoussoleError as error:
        # The browser key is forgotten only with the sign-in it served: a forged return (an
        # unknown state) leaves this browser's sign-in under way intact.
        next_path = taken.next_path if taken else None
        return await _refused(request, error, next_path, forget_browser=taken is not None)
    response = RedirectResponse(pending.next_path or _home_of(role), status_code=303)
    _browser_cookie(request, response, None)
    set_session_cookie(request, response, raw)
    return response


def _check_answer(error: str | None, issuer: str | None, client: OidcClient) -> None:
    """The provider's refusal (``error``, RFC 6749 §4.1.2.1), and the issuer it names (``iss``,
    RFC 9207) when it names one: 400 when it is another provider's answer."""
    if error is not None:
        shown = "".join(c for c in error[:40] if c.isalnum() or c == "_")
        raise BadRequestError(
            f"Le fournisseur d'identité n'a pas accordé la connexion ({shown or 'refus'})."
        )
    if issuer is not None and issuer != client.issuer:
        raise BadRequestError("Cette réponse ne vient pas du fournisseur d'identité configuré.")
