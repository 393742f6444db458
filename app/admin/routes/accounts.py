"""/admin/comptes: the accounts of the people who sign in (list, invite), and one account's page
(name, role, directorates; deactivate, reactivate; a new invitation link). Through
app.accounts.accounts, audited as the admin. No mail server yet: an invitation link is shown once,
on the page answering the form, for the admin to pass on."""

from collections.abc import Mapping

from fastapi import Request, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts import accounts
from app.admin import pages
from app.api.deps import SessionDep, SettingsDep
from app.auth.sessions import SignedIn
from app.core.errors import BoussoleError
from app.models import Account, Role
from app.web.signed_in import AdminPerson, CsrfForm

router = pages.admin_router()

DONE = {
    "modifie": "Le compte a été modifié.",
    "desactive": "Le compte a été désactivé : ses sessions sont fermées, il ne peut plus se "
    "connecter.",
    "reactive": "Le compte a été réactivé. S'il n'a pas de mot de passe, envoyez-lui un nouveau "
    "lien d'invitation.",
}


def _entered(form: FormData) -> dict[str, object]:
    return {
        "email": pages.text(form, "email"),
        "display_name": pages.text(form, "display_name"),
        "role": pages.text(form, "role") or Role.editor.value,
        "directorates": pages.texts(form, "directorates"),
    }


def _invitation_link(request: Request, token: str) -> str:
    return str(request.url_for("web_invitation", token=token))


def _shown_once(
    request: Request, session: Session, settings_days: int, account: Account, token: str, new: bool
) -> Response:
    assert account.id is not None
    return pages.admin_page(
        request,
        session,
        "shown_once.html",
        title="Lien d'invitation",
        section="accounts",
        heading=f"Invitation de {account.display_name}",
        done=(
            f"Le compte de {account.email} a été créé."
            if new
            else f"Un nouveau lien d'invitation a été fait pour {account.email} ; les précédents "
            "ne servent plus."
        ),
        shown_label="Lien d'invitation",
        shown=_invitation_link(request, token),
        explanation=(
            f"Transmettez ce lien à {account.display_name} : il permet de choisir son mot de "
            f"passe, une seule fois, pendant {settings_days} jours. Il n'est pas conservé : il ne "
            "sera plus affiché. S'il se perd, envoyez une nouvelle invitation depuis la page du "
            "compte."
        ),
        back=(pages.page_path(request, "admin_account", account_id=account.id), "Voir le compte"),
    )


# --- The list and the invitation ------------------------------------------------------------------


def _list_page(
    request: Request,
    session: Session,
    *,
    refused: pages.Refusal | None = None,
    entered: Mapping[str, object] | None = None,
) -> Response:
    return pages.admin_page(
        request,
        session,
        "accounts.html",
        title="Comptes",
        section="accounts",
        refused=refused,
        views=accounts.get_all(session=session),
        choices=pages.directorate_choices(session),
        entered=entered
        or {"email": "", "display_name": "", "role": Role.editor.value, "directorates": []},
    )


@router.get("/comptes", name="admin_accounts")
def accounts_page(request: Request, session: SessionDep, person: AdminPerson) -> Response:
    return _list_page(request, session)


@router.post("/comptes", name="admin_account_invite")
def invite(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: AdminPerson,
    form: CsrfForm,
) -> Response:
    """Create the account: the answer shows its invitation link, once."""
    entered = _entered(form)
    try:
        account, token = accounts.create(
            session=session,
            actor=person.actor,
            email=pages.text(form, "email"),
            display_name=pages.text(form, "display_name"),
            role=pages.role_of(form),
            directorate_codes=pages.texts(form, "directorates"),
            invitation_days=settings.invitation_days,
        )
    except BoussoleError as error:
        refused = pages.refusal(session, error, "email")
        return _list_page(request, session, refused=refused, entered=entered)
    return _shown_once(request, session, settings.invitation_days, account, token, new=True)


# --- One account ----------------------------------------------------------------------------------


def _account_page(
    request: Request,
    session: Session,
    account: Account,
    *,
    done_message: str | None = None,
    refused: pages.Refusal | None = None,
    entered: Mapping[str, object] | None = None,
) -> Response:
    view = next(v for v in accounts.get_all(session=session) if v.id == account.id)
    return pages.admin_page(
        request,
        session,
        "account.html",
        title=f"Compte de {view.display_name}",
        section="accounts",
        refused=refused,
        view=view,
        choices=pages.directorate_choices(session, kept=view.directorate_codes),
        done=done_message,
        entered=entered
        or {
            "display_name": view.display_name,
            "role": view.role.value,
            "directorates": list(view.directorate_codes),
        },
    )


@router.get("/comptes/{account_id}", name="admin_account")
def account_page(
    account_id: int,
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    fait: pages.DoneQuery = None,
) -> Response:
    account = accounts.get(session=session, account_id=account_id)
    return _account_page(request, session, account, done_message=pages.confirmation(DONE, fait))


def _back(request: Request, account: Account, key: str) -> Response:
    assert account.id is not None
    return pages.done(pages.page_path(request, "admin_account", account_id=account.id), key)


@router.post("/comptes/{account_id}/modifier", name="admin_account_update")
def update_account(
    account_id: int, request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    account = accounts.get(session=session, account_id=account_id)
    try:
        accounts.update(
            session=session,
            actor=person.actor,
            account=account,
            display_name=pages.text(form, "display_name"),
            role=pages.role_of(form),
            directorate_codes=pages.texts(form, "directorates"),
        )
    except BoussoleError as error:
        refused = pages.refusal(session, error, "role")
        return _account_page(request, session, account, refused=refused, entered=_entered(form))
    return _back(request, account, "modifie")


def _set_active(
    request: Request, session: Session, person: SignedIn, account_id: int, active: bool
) -> Response:
    account = accounts.get(session=session, account_id=account_id)
    change = accounts.reactivate if active else accounts.deactivate
    try:
        change(session=session, actor=person.actor, account=account)
    except BoussoleError as error:
        return _account_page(request, session, account, refused=pages.refusal(session, error))
    return _back(request, account, "reactive" if active else "desactive")


@router.post("/comptes/{account_id}/desactiver", name="admin_account_deactivate")
def deactivate_account(
    account_id: int, request: Request, session: SessionDep, person: AdminPerson, _form: CsrfForm
) -> Response:
    """The account can no longer sign in; its sessions end at once."""
    return _set_active(request, session, person, account_id, active=False)


@router.post("/comptes/{account_id}/reactiver", name="admin_account_reactivate")
def reactivate_account(
    account_id: int, request: Request, session: SessionDep, person: AdminPerson, _form: CsrfForm
) -> Response:
    return _set_active(request, session, person, account_id, active=True)


@router.post("/comptes/{account_id}/invitation", name="admin_account_invite_again")
def invite_again(
    account_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: AdminPerson,
    _form: CsrfForm,
) -> Response:
    """A new invitation link, shown once; the earlier ones stop working."""
    account = accounts.get(session=session, account_id=account_id)
    try:
        token = accounts.invite_again(
            session=session,
            actor=person.actor,
            account=account,
            invitation_days=settings.invitation_days,
        )
    except BoussoleError as error:
        return _account_page(request, session, account, refused=pages.refusal(session, error))
    return _shown_once(request, session, settings.invitation_days, account, token, new=False)
