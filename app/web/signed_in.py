"""Who is signed in, for the pages: the dependencies every page module uses, CSRF, the cookies.

- ``OptionalPerson``: the ``SignedIn`` of the request's session cookie, or None (no cookie, an
  unknown, ended or expired session, a deactivated account). Looked up once per request, in a
  read turn of the ``Gate``; ``last_seen_at`` is written at most once a minute, in a writer turn
  of its own, so a page never holds SQLite's write lock for it.
- ``SignedInPerson``: the same, or a 303 to ``/connexion?suivant=<this page>`` (``SignInNeeded``).
- ``AdminPerson``: an admin, or the French 403 page (``PageRefused``) for an editor.
- ``CsrfForm`` / ``verify_csrf``: on any method but GET, HEAD and OPTIONS, the posted form's
  ``csrf_token`` must equal the session's synchronizer token (a signed-in person) or the
  double-submit cookie ``CSRF_COOKIE`` (an anonymous visitor: the sign-in and invitation forms);
  otherwise the French 403 page, before any work. Page routers declare it for all their routes
  (``PAGE_DEPENDENCIES``), so no form can forget it; tests/web check every page write route.
- ``csrf_field()`` (a Jinja global): the hidden field of the token a form must carry.

The session cookie is ``HttpOnly``, ``SameSite=Lax``, ``Path=/``, and ``Secure`` when
``BOUSSOLE_COOKIE_SECURE`` says so (default: when ``BOUSSOLE_PUBLIC_URL`` is https); it lasts
until the browser closes (the server ends the session earlier, see app.auth.sessions). The CSRF
cookie is the same but ``SameSite=Strict``. The API never reads either: Bearer tokens only.
"""

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Literal, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.auth import sessions
from app.auth.authentication import READ_METHODS
from app.auth.sessions import SignedIn
from app.core.admission import Gate
from app.core.config import Settings
from app.core.db import SQLITE_BEGIN, session_scope
from app.core.security import CSRF_COOKIE, SESSION_COOKIE
from app.models import Account

T = TypeVar("T")

CSRF_FIELD = "csrf_token"
#: Where a visitor is sent to sign in, and the query parameter naming where to go after.
SIGN_IN_PATH = "/connexion"
NEXT_PARAMETER = "suivant"
MAX_NEXT_LENGTH = 500
NO_STORE = "private, no-store"

_PERSON = "person"
_NEW_CSRF = "new_csrf_cookie"
_STALE = "stale_session_cookie"
_FORM = "holds_form"


class PageRefused(Exception):  # noqa: N818  (an answer, as HTTPException)
    """Answered with the French error page: ``heading``, ``message``, ``status_code``."""

    def __init__(self, status_code: int, heading: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.heading = heading
        self.message = message


class SignInNeeded(Exception):  # noqa: N818  (an answer: a redirect to the sign-in page)
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


FORM_REFUSED = PageRefused(
    403,
    "Formulaire refusé",
    "Ce formulaire a expiré ou ne vient pas de Boussole : rien n'a été enregistré. Rechargez la "
    "page et recommencez.",
)
ADMINS_ONLY = PageRefused(
    403,
    "Accès réservé",
    "Cette page est réservée aux personnes qui administrent Boussole.",
)


# --- Database work outside the route's own transaction -------------------------------------------


async def run_in_session(
    request: Request, work: Callable[[Session], T], *, writing: bool = False
) -> T:
    """``work(session)`` in a transaction of its own (committed if it returns), in a worker
    thread, after a turn of the ``Gate`` (a writer's turn when ``writing``), as ``SessionDep``
    does for a route: for the pages that must wait or hash without holding a transaction."""
    gate: Gate = request.app.state.gate
    engine: Engine = request.app.state.engine
    async with gate.enter(writing=writing):
        return await run_in_threadpool(_run, engine, work, writing)


def _run(engine: Engine, work: Callable[[Session], T], writing: bool) -> T:
    with session_scope(engine) as session:
        if writing:
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        return work(session)


# --- Who is signed in -----------------------------------------------------------------------------


async def get_person(request: Request) -> SignedIn | None:
    state = request.state
    if hasattr(state, _PERSON):
        person: SignedIn | None = getattr(state, _PERSON)
        return person
    raw = request.cookies.get(SESSION_COOKIE)
    person = None
    if raw:
        settings: Settings = request.app.state.settings
        idle = settings.session_idle_minutes
        person = await run_in_session(
            request, lambda session: sessions.look_up(session=session, raw=raw, idle_minutes=idle)
        )
        if person is not None and sessions.needs_touch(person):
            session_id = person.session_id
            await run_in_session(
                request,
                lambda session: sessions.touch(session=session, session_id=session_id),
                writing=True,
            )
    setattr(state, _PERSON, person)
    setattr(state, _STALE, raw is not None and person is None)
    return person


OptionalPerson = Annotated[SignedIn | None, Depends(get_person)]


async def require_person(request: Request, person: OptionalPerson) -> SignedIn:
    if person is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(here)
    return person


SignedInPerson = Annotated[SignedIn, Depends(require_person)]


async def require_admin(person: SignedInPerson) -> SignedIn:
    if not person.is_admin:
        raise ADMINS_ONLY
    return person


AdminPerson = Annotated[SignedIn, Depends(require_admin)]


def sign_in_location(next_path: str) -> str:
    """The sign-in page, told where to go after (when that is a page of this site)."""
    safe = safe_next(next_path)
    if safe is None or safe == "/":
        return SIGN_IN_PATH
    return f"{SIGN_IN_PATH}?{NEXT_PARAMETER}={quote(safe, safe='/')}"


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path of this site ("/…", not "//host" or "/\\host", no scheme or
    host, no control character, at most ``MAX_NEXT_LENGTH``); None otherwise."""
    if not value or len(value) > MAX_NEXT_LENGTH or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or any(ord(c) < 32 or c == "\x7f" for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


# --- CSRF -----------------------------------------------------------------------------------------


def form_token(request: Request) -> str:
    """The token this request's forms carry: the session's for a signed-in person, else the
    double-submit cookie's (made now, and set on the answer by ``finish_page``, if missing)."""
    setattr(request.state, _FORM, True)
    person: SignedIn | None = getattr(request.state, _PERSON, None)
    if person is not None:
        return person.csrf_token
    minted: str | None = getattr(request.state, _NEW_CSRF, None)
    if minted is not None:
        return minted
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 100:
        return existing
    minted = secrets.token_urlsafe(32)
    setattr(request.state, _NEW_CSRF, minted)
    return minted


async def verify_csrf(request: Request, person: OptionalPerson) -> FormData:
    """The posted form, once its CSRF token is the one expected (see the module's docstring);
    the French 403 page otherwise. Passes GET, HEAD and OPTIONS (an empty form)."""
    if request.method in READ_METHODS:
        return FormData()
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = person.csrf_token if person is not None else request.cookies.get(CSRF_COOKIE)
    if (
        not isinstance(sent, str)
        or not expected
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise FORM_REFUSED
    return form


CsrfForm = Annotated[FormData, Depends(verify_csrf)]
#: What every router of pages declares: who is signed in (for the header), and CSRF on writes.
PAGE_DEPENDENCIES = [Depends(get_person), Depends(verify_csrf)]


# --- Cookies and the answer -----------------------------------------------------------------------


def _cookie(
    request: Request,
    response: Response,
    name: str,
    value: str | None,
    samesite: Literal["lax", "strict"],
) -> None:
    """Set cookie ``name`` to ``value`` (None: delete it), HttpOnly, on the whole site."""
    settings: Settings = request.app.state.settings
    secure = settings.secure_cookies
    if value is None:
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite=samesite)
    else:
        response.set_cookie(name, value, path="/", secure=secure, httponly=True, samesite=samesite)
    response.headers["Cache-Control"] = NO_STORE


def set_session_cookie(request: Request, response: Response, raw: str) -> None:
    _cookie(request, response, SESSION_COOKIE, raw, "lax")


def open_session(request: Request, session: Session, account: Account) -> str:
    """This browser's previous session, if any, ends and one starts for ``account`` (however it
    signed in): the value of the session cookie to set with ``set_session_cookie``."""
    settings: Settings = request.app.state.settings
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        sessions.end(session=session, raw=previous)
    return sessions.start(
        session=session, account=account, lifetime_hours=settings.session_lifetime_hours
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    _cookie(request, response, SESSION_COOKIE, None, "lax")


def finish_page(request: Request, response: Response) -> None:
    """What a page's answer needs besides its body: the CSRF cookie made for its forms, the
    removal of a session cookie that no longer signs anyone in, and ``private, no-store`` for a
    signed-in person or a page holding a form."""
    state = request.state
    minted: str | None = getattr(state, _NEW_CSRF, None)
    if minted is not None:
        _cookie(request, response, CSRF_COOKIE, minted, "strict")
    if getattr(state, _STALE, False):
        clear_session_cookie(request, response)
    if getattr(state, _FORM, False) or getattr(state, _PERSON, None) is not None:
        response.headers["Cache-Control"] = NO_STORE
