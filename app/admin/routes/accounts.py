"""/admin/comptes: the accounts of the people who sign in (list, invite), and one account's page
(name, role, directorates; deactivate, reactivate; a new invitation link). Through
app.accounts.accounts, audited as the admin. No mail server yet: an invitation link is shown once,
on the page answering the form, for the admin to pass on."""

from collections.abc import Callable
from functools import partial

from fastapi import Request, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts import accounts
from app.admin import pages
from app.api.deps import SessionDep, SettingsDep
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
        pages.Outcome(
            done=f"Le compte de {account.email} a été créé."
            if new
            else f"Un nouveau lien d'invitation a été fait pour {account.email} ; les précédents "
            "ne servent plus."
        ),
        title="Lien d'invitation",
        section="accounts",
        heading=f"Invitation de {account.display_name}",
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


def _accounts_shown(session: Session) -> dict[str, object]:
    return {
        "views": accounts.get_all(session=session),
        "choices": pages.directorate_choices(session),
        "entered": {"email": "", "display_name": "", "role": Role.editor.value, "directorates": []},
    }


_list_page = pages.ListPage("accounts.html", "Comptes", "accounts", _accounts_shown)


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

    def create() -> Response:
        account, token = accounts.create(
            session=session,
            actor=person.actor,
            email=pages.text(form, "email"),
            display_name=pages.text(form, "display_name"),
            role=pages.role_of(form),
            directorate_codes=pages.texts(form, "directorates"),
            invitation_days=settings.invitation_days,
        )
        return _shown_once(request, session, settings.invitation_days, account, token, new=True)

    redraw = partial(_list_page, request, session)
    return pages.submit(session, create, redraw, entered=_entered(form), default_field="email")


# --- One account ----------------------------------------------------------------------------------


def _account_page(
    request: Request, session: Session, account: Account, outcome: pages.Outcome = pages.FIRST_VIEW
) -> Response:
    view = next(v for v in accounts.get_all(session=session) if v.id == account.id)
    return pages.admin_page(
        request,
        session,
        "account.html",
        outcome,
        title=f"Compte de {view.display_name}",
        section="accounts",
        view=view,
        choices=pages.directorate_choices(session, kept=view.directorate_codes),
        entered={
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
    return _account_page(request, session, account, pages.confirmation(DONE, fait))


def _submitter(request: Request, session: Session, account: Account) -> Callable[..., Response]:
    """``pages.submit_then_back`` for ``account``: the change, then back to its page; refused,
    its page again with the refusal."""
    assert account.id is not None
    back_to = pages.page_path(request, "admin_account", account_id=account.id)
    redraw = partial(_account_page, request, session, account)
    return partial(pages.submit_then_back, session, redraw=redraw, back_to=back_to)


@router.post("/comptes/{account_id}/modifier", name="admin_account_update")
def update_account(
    account_id: int, request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    account = accounts.get(session=session, account_id=account_id)
    return _submitter(request, session, account)(
        lambda: accounts.update(
            session=session,
            actor=person.actor,
            account=account,
            display_name=pages.text(form, "display_name"),
            role=pages.role_of(form),
            directorate_codes=pages.texts(form, "directorates"),
        ),
        key="modifie",
        entered=_entered(form),
        default_field="role",
    )


def _switch_route(path: str, name: str, service: Callable[..., object], key: str) -> None:
    """A button of the account's page that calls ``service`` on it, with nothing to enter."""

    @router.post(f"/comptes/{{account_id}}/{path}", name=name)
    def switch(
        account_id: int,
        request: Request,
        session: SessionDep,
        person: AdminPerson,
        _form: CsrfForm,
    ) -> Response:
        account = accounts.get(session=session, account_id=account_id)
        change = partial(service, session=session, actor=person.actor, account=account)
        return _submitter(request, session, account)(change, key=key)


# Deactivated, the account can no longer sign in and its sessions end at once.
_switch_route("desactiver", "admin_account_deactivate", accounts.deactivate, "desactive")
_switch_route("reactiver", "admin_account_reactivate", accounts.reactivate, "reactive")


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

    def invite() -> Response:
        token = accounts.invite_again(
            session=session,
            actor=person.actor,
            account=account,
            invitation_days=settings.invitation_days,
        )
        return _shown_once(request, session, settings.invitation_days, account, token, new=False)

    return pages.submit(session, invite, partial(_account_page, request, session, account))
