"""``boussole user create|list|deactivate|invite``: the accounts of the people who sign in, from
the command line. A fresh installation makes its first admin so (``create … --role admin``); the
link it prints is where that person chooses a password, then everything goes on in the browser.

No mail server is needed: the one-time invitation link is printed, built from
``BOUSSOLE_PUBLIC_URL`` (else ``http://HOST:PORT``), to be handed to the person. Changes are
recorded in the audit trail as the admin ``cli``, as the other commands' (app.tooling.organisation).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from app.accounts import accounts
from app.core.config import Settings, get_settings
from app.core.db import make_engine, session_scope
from app.core.errors import BoussoleError, NotFoundError
from app.models import Account, Role
from app.tooling.organisation import CLI_ACTOR

console = Console()
err_console = Console(stderr=True)
user_app = typer.Typer(help="Accounts of the people who sign in (admins, directorates' editors).")

#: The options ``boussole user create`` and ``boussole token create`` share.
RoleOption = Annotated[Role, typer.Option(help="admin: everything; editor: its directorates")]
DirectoratesOption = Annotated[
    list[str] | None,
    typer.Option("--directorate", "-d", help="Directorate code (repeat for several)"),
]


def invitation_link(settings: Settings, token: str) -> str:
    """The page where the invited person chooses a password."""
    return f"{settings.base_url}/invitation/{token}"


def _refused(title: str, error: BoussoleError) -> None:
    err_console.print(f"{title} {error.message}", style="red", highlight=False, markup=False)


@contextmanager
def _transaction(refusal: str) -> Iterator[Session]:
    """One transaction on the settings' database, committed if the block succeeds; a refusal of
    the services is printed after ``refusal`` and ends the command with status 1."""
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            yield session
    except BoussoleError as exc:
        _refused(refusal, exc)
        raise typer.Exit(code=1) from exc
    finally:
        engine.dispose()


def _account(session: Session, email: str) -> Account:
    found = accounts.get_by_email(session=session, email=email)
    if found is None:
        email = email.strip().lower()
        raise NotFoundError("account", email, f"Aucun compte pour l'adresse {email}.")
    return found


def _print_link(settings: Settings, token: str) -> None:
    console.print(
        f"Lien d'invitation, valable {settings.invitation_days} jours et une seule fois "
        "(transmettez-le à la personne ; il n'est pas conservé) :",
        highlight=False,
    )
    typer.echo(invitation_link(settings, token))


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="The person's e-mail (how they sign in)")],
    name: Annotated[str, typer.Option("--name", help="The name shown, e.g. 'Marie Dupont'")],
    role: RoleOption,
    directorate: DirectoratesOption = None,
) -> None:
    """Create an account and print its one-time invitation link."""
    settings = get_settings()
    with _transaction("Compte non créé :") as session:
        account, token = accounts.create(
            session=session,
            actor=CLI_ACTOR,
            email=email,
            display_name=name,
            role=role,
            directorate_codes=directorate or [],
            invitation_days=settings.invitation_days,
        )
        created = f"Compte créé : {account.display_name} <{account.email}> ({role.value})."
    console.print(created, highlight=False, markup=False)
    _print_link(settings, token)


@user_app.command("list")
def user_list() -> None:
    """List the accounts (never a password or a link)."""
    with _transaction("Comptes illisibles :") as session:
        views = accounts.get_all(session=session)
    table = Table(title="Comptes")
    for column in ("adresse", "nom", "rôle", "directions", "état", "dernière connexion"):
        table.add_column(column)
    for view in views:
        state = (
            "désactivé"
            if not view.active
            else "actif"
            if view.password_set
            else "invité"
            if view.invitation_expires_at is not None
            else "invitation expirée"
        )
        last = view.last_sign_in_at.isoformat(timespec="minutes") if view.last_sign_in_at else ""
        table.add_row(
            view.email,
            view.display_name,
            view.role.value,
            " ".join(view.directorate_codes),
            state,
            last,
        )
    console.print(table)
    if not views:
        console.print("Aucun compte : `boussole user create EMAIL --name NOM --role admin`.")


@user_app.command("deactivate")
def user_deactivate(email: Annotated[str, typer.Argument(help="The account's e-mail")]) -> None:
    """Deactivate an account: it can no longer sign in, its sessions end at once."""
    with _transaction("Compte non désactivé :") as session:
        account = accounts.deactivate(
            session=session, actor=CLI_ACTOR, account=_account(session, email)
        )
        done = f"Compte désactivé : {account.email}. Ses sessions sont fermées."
    console.print(done, highlight=False, markup=False)


@user_app.command("invite")
def user_invite(email: Annotated[str, typer.Argument(help="The account's e-mail")]) -> None:
    """Print a new invitation link (the earlier ones stop working); it also lets a person who
    forgot their password choose a new one."""
    settings = get_settings()
    with _transaction("Pas de nouvelle invitation :") as session:
        token = accounts.invite_again(
            session=session,
            actor=CLI_ACTOR,
            account=_account(session, email),
            invitation_days=settings.invitation_days,
        )
    _print_link(settings, token)
