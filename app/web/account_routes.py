"""The pages of the people who sign in: sign-in, sign-out, the invitation link and "Mon compte"
("Mes actions", the reporting campaign, is app.web.reporting_routes).

Answers, each tested (tests/web/test_sign_in.py):

- a wrong password, an unknown e-mail, a deactivated account or one without a password: the
  same 400 page ("Adresse électronique ou mot de passe incorrect."), after the same work (one
  Argon2 verification, against a dummy hash when there is no account);
- a client over the brake's limit: 429 with Retry-After, before any password is checked; an
  account with recent failures: its sign-ins wait first (app.auth.credentials.SignInBrake);
- an invitation link expired, used, superseded or unknown: 400, nothing written; a password that
  breaks a rule, or two that differ: 422, nothing written;
- a form without its CSRF token: 403 (app.web.signed_in), nothing written.

The sign-in route checks the password in a read transaction and writes the session in a short
one of its own (``run_in_session``): no write lock is held while it waits or hashes.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts import accounts
from app.api.deps import SessionDep, SettingsDep
from app.auth import credentials, sessions
from app.core.config import Settings
from app.core.errors import BadRequestError, InvalidInputError
from app.core.security import SESSION_COOKIE
from app.models import Account, Role
from app.web.routes import WebRoute, directorate_names, error_page, load_plan, page
from app.web.signed_in import (
    NEXT_PARAMETER,
    PAGE_DEPENDENCIES,
    CsrfForm,
    OptionalPerson,
    SignedInPerson,
    clear_session_cookie,
    run_in_session,
    safe_next,
    set_session_cookie,
)

WRONG_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."
DIFFERENT_PASSWORDS = "Les deux mots de passe saisis ne sont pas identiques."
#: The longest value read from a field of these forms (longer ones are cut, then refused).
MAX_FIELD = 1024

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)


def install_account_pages(app: FastAPI) -> None:
    """Mount the pages and make the sign-in brake of this process."""
    settings: Settings = app.state.settings
    app.state.sign_in_brake = credentials.SignInBrake(
        attempts=settings.auth_failures_allowed, max_clients=settings.auth_clients_tracked
    )
    app.include_router(router)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _home_of(role: Role) -> str:
    """Where a person lands after signing in without a page to go back to."""
    return "/" if role == Role.admin else "/mes-actions"


def _redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


# --- Sign-in and sign-out -------------------------------------------------------------------------


def _sign_in_page(
    request: Request, session: Session, *, status_code: int = 200, **context: Any
) -> Response:
    context = {"email": "", "next_path": None, "error": None, **context}
    return page(
        request,
        "sign_in.html",
        load_plan(session),
        title="Se connecter",
        status_code=status_code,
        **context,
    )


@router.get("/connexion", name="web_sign_in")
def sign_in_page(
    request: Request,
    session: SessionDep,
    person: OptionalPerson,
    suivant: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    next_path = safe_next(suivant)
    if person is not None:
        return _redirect(next_path or _home_of(person.role))
    return _sign_in_page(request, session, next_path=next_path)


@router.post("/connexion", name="web_sign_in_post")
async def sign_in(request: Request, form: CsrfForm) -> Response:
    email, password = _field(form, "email"), _field(form, "password")
    next_path = safe_next(_field(form, NEXT_PARAMETER))
    settings: Settings = request.app.state.settings
    brake: credentials.SignInBrake = request.app.state.sign_in_brake
    client = request.client.host if request.client else "unknown"

    async def refused(status_code: int, error: str) -> Response:
        response = await run_in_session(
            request,
            lambda s: _sign_in_page(
                request, s, status_code=status_code, error=error, email=email, next_path=next_path
            ),
        )
        return response

    retry_after = brake.refused(client)
    if retry_after is not None:
        response = await refused(
            429,
            "Trop de tentatives de connexion depuis votre poste : réessayez dans "
            f"{retry_after} secondes.",
        )
        response.headers["Retry-After"] = str(retry_after)
        return response
    delay = brake.delay(email)
    if delay > 0:
        await asyncio.sleep(delay)

    def check(session: Session) -> int | None:
        account = credentials.authenticate(session=session, email=email, password=password)
        return account.id if account is not None else None

    account_id = await run_in_session(request, check)
    if account_id is None:
        brake.failed(client=client, email=email)
        return await refused(400, WRONG_CREDENTIALS)
    brake.succeeded(email=email)
    previous = request.cookies.get(SESSION_COOKIE)

    def open_session(session: Session) -> tuple[str, Role]:
        row = accounts.get(session=session, account_id=account_id)
        if previous:
            sessions.end(session=session, raw=previous)
        raw = sessions.start(
            session=session, account=row, lifetime_hours=settings.session_lifetime_hours
        )
        return raw, row.role

    raw, role = await run_in_session(request, open_session, writing=True)
    response = _redirect(next_path or _home_of(role))
    set_session_cookie(request, response, raw)
    return response


@router.post("/deconnexion", name="web_sign_out")
def sign_out(request: Request, session: SessionDep, _form: CsrfForm) -> Response:
    """The session of this browser ends (its cookie signs nobody in any more)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        sessions.end(session=session, raw=raw)
    response = _redirect("/")
    clear_session_cookie(request, response)
    return response


def _password_form(
    request: Request,
    session: Session,
    settings: Settings,
    template: str,
    title: str,
    errors: list[str] | None,
    **context: Any,
) -> Response:
    """A page with a form that sets a password: 422 with the ``errors`` that refused it."""
    return page(
        request,
        template,
        load_plan(session),
        title=title,
        status_code=422 if errors else 200,
        errors=errors or [],
        min_length=settings.password_min_length,
        **context,
    )


# --- The invitation link --------------------------------------------------------------------------


def _invitation_refused(request: Request, error: BadRequestError) -> Response:
    return error_page(request, 400, "Lien d'invitation non valable", error.message)


def _invitation_page(
    request: Request,
    session: Session,
    settings: Settings,
    account: Account,
    token: str,
    errors: list[str] | None = None,
) -> Response:
    return _password_form(
        request,
        session,
        settings,
        "invitation.html",
        "Choisir votre mot de passe",
        errors,
        account=account,
        token=token,
    )


@router.get("/invitation/{token}", name="web_invitation")
def invitation_page(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        account = accounts.invited_account(session=session, token=token)
    except BadRequestError as error:
        return _invitation_refused(request, error)
    return _invitation_page(request, session, settings, account, token)


@router.post("/invitation/{token}", name="web_invitation_post")
def accept_invitation(
    token: str, request: Request, session: SessionDep, settings: SettingsDep, form: CsrfForm
) -> Response:
    password, confirmation = _field(form, "password"), _field(form, "confirmation")
    try:
        account = accounts.invited_account(session=session, token=token)
        if password != confirmation:
            return _invitation_page(
                request, session, settings, account, token, [DIFFERENT_PASSWORDS]
            )
        account = accounts.accept_invitation(
            session=session,
            token=token,
            password=password,
            min_length=settings.password_min_length,
        )
    except BadRequestError as error:
        session.rollback()
        return _invitation_refused(request, error)
    except InvalidInputError as error:
        session.rollback()
        return _invitation_page(request, session, settings, account, token, [error.message])
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        sessions.end(session=session, raw=previous)
    raw = sessions.start(
        session=session, account=account, lifetime_hours=settings.session_lifetime_hours
    )
    response = _redirect(_home_of(account.role))
    set_session_cookie(request, response, raw)
    return response


# --- Mon compte ----------------------------------------------------------------------------------


def _my_account_page(
    request: Request,
    session: Session,
    settings: Settings,
    account: Account,
    *,
    errors: list[str] | None = None,
    changed: bool = False,
) -> Response:
    return _password_form(
        request,
        session,
        settings,
        "my_account.html",
        "Mon compte",
        errors,
        directorates=directorate_names(session),
        changed=changed,
        has_password=account.password_hash is not None,
    )


@router.get("/mon-compte", name="web_my_account")
def my_account(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: SignedInPerson,
    mot_de_passe: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    account = accounts.get(session=session, account_id=person.account_id)
    changed = mot_de_passe == "change"
    return _my_account_page(request, session, settings, account, changed=changed)


@router.post("/mon-compte/mot-de-passe", name="web_change_password")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: SignedInPerson,
    form: CsrfForm,
) -> Response:
    """A new password: every session of the account ends, this browser gets a new one."""
    account = accounts.get(session=session, account_id=person.account_id)
    new_password = _field(form, "password")
    try:
        if new_password != _field(form, "confirmation"):
            raise InvalidInputError(("confirmation",), DIFFERENT_PASSWORDS)
        accounts.change_password(
            session=session,
            account=account,
            current_password=_field(form, "current_password"),
            new_password=new_password,
            min_length=settings.password_min_length,
        )
    except InvalidInputError as error:
        session.rollback()
        return _my_account_page(request, session, settings, account, errors=[error.message])
    raw = sessions.start(
        session=session, account=account, lifetime_hours=settings.session_lifetime_hours
    )
    response = _redirect("/mon-compte?mot_de_passe=change")
    set_session_cookie(request, response, raw)
    return response
