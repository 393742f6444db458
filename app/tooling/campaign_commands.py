"""``boussole campaign remind [--dry-run]``: mail the reporting campaign's reminders that are due
(app.campaigns.reminders), once each. A scheduler runs it every day (README, "Reminders").

Exit status: 0 when every due reminder was mailed (or none was due, or ``--dry-run``); 1 when mail
is not set up (``BOUSSOLE_SMTP_URL``, ``BOUSSOLE_MAIL_FROM``: the reminders that would be sent are
listed), when ``BOUSSOLE_PUBLIC_URL`` is not set (the mails' link would lead nowhere), when the
SMTP server cannot be reached (nothing recorded), or when some mails failed (those are not
recorded and go at the next run).
"""

from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from app.core.config import Settings, get_settings
from app.core.dates import paris_today
from app.core.db import engine_scope
from app.core.mail import Mailer, MailError

# The reminders (Jinja, the campaigns' queries) are loaded by `boussole campaign remind` only,
# not at the start-up of every command (app.cli).
if TYPE_CHECKING:
    from app.campaigns import reminders

console = Console()
err_console = Console(stderr=True)
campaign_app = typer.Typer(help="The yearly reporting campaign (reminders by e-mail).")


def _settings() -> Settings:
    """The settings, or the command ends with one French line per setting that is wrong (the
    values themselves are never shown: the SMTP URL may hold a password)."""
    try:
        return get_settings()
    except ValidationError as exc:
        err_console.print("Réglages invalides :", style="red", highlight=False, markup=False)
        for error in exc.errors(include_input=False, include_url=False):
            where = "BOUSSOLE_" + "_".join(str(part) for part in error["loc"]).upper()
            if not error["loc"]:
                where = "réglages"
            err_console.print(f"  {where} : {error['msg']}", highlight=False, markup=False)
        raise typer.Exit(code=1) from exc


def _table(
    title: str,
    rows: "list[reminders.DueReminder]",
    results: "dict[reminders.DueReminder, str] | None" = None,
) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("rappel", "destinataire", "direction", "objet", *(["résultat"] * bool(results))):
        table.add_column(column, overflow="fold")  # an address is never cut
    for reminder in rows:
        cells = [
            reminder.kind_label,
            f"{reminder.name} <{reminder.email}>",
            reminder.directorate_code,
            reminder.about,
        ]
        table.add_row(*cells, *([results[reminder]] if results else []))
    return table


def _count(number: int) -> str:
    return f"{number} rappel{'s' if number > 1 else ''}"


@campaign_app.command("remind")
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the reminders due, send and record nothing")
    ] = False,
) -> None:
    """Mail the reminders due today, each once.

    Campaign opened, deadline near, report sent back; each mail links to "Mes actions"
    (BOUSSOLE_PUBLIC_URL)."""
    from app.campaigns import reminders

    settings = _settings()
    with engine_scope(settings.database_url) as engine:
        with Session(engine) as session:
            found = reminders.due(session=session, today=paris_today())
        server = settings.smtp_server
        if dry_run:
            if not found:
                console.print("Aucun rappel à envoyer aujourd'hui.", highlight=False)
                return
            console.print(_table(f"{_count(len(found))} à envoyer", found))
            console.print("Rien n'a été envoyé ni enregistré (--dry-run).", highlight=False)
            return
        if server is None or settings.mail_from is None:
            err_console.print(
                "Envoi impossible : aucun serveur de courriel n'est configuré "
                "(BOUSSOLE_SMTP_URL et BOUSSOLE_MAIL_FROM).",
                style="red",
                highlight=False,
                markup=False,
            )
            if found:
                err_console.print(_table(f"{_count(len(found))} en attente", found))
            else:
                err_console.print("Aucun rappel n'est dû aujourd'hui.", highlight=False)
            raise typer.Exit(code=1)
        if not found:
            console.print("Aucun rappel à envoyer aujourd'hui.", highlight=False)
            return
        if settings.public_url is None:
            err_console.print(
                "Envoi impossible : BOUSSOLE_PUBLIC_URL n'est pas défini, or chaque courriel "
                "mène à « Mes actions » par l'adresse publique de Boussole (par exemple "
                "https://boussole.agglo-porteduhainaut.fr). Rien n'a été envoyé.",
                style="red",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(code=1)
        try:
            with Mailer(server, sender=settings.mail_from, timeout=settings.smtp_timeout) as mailer:
                outcome = reminders.send(
                    engine=engine, reminders=found, mailer=mailer, base_url=settings.base_url
                )
        except MailError as exc:
            err_console.print(
                f"Aucun rappel envoyé : {exc.message}. Rien n'a été enregistré : les "
                f"{_count(len(found))} partiront au prochain passage.",
                style="red",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(code=1) from exc
    results = dict.fromkeys(outcome.sent, "envoyé")
    results |= dict.fromkeys(outcome.skipped, "déjà envoyé par un autre passage")
    results |= {reminder: f"échec : {why}" for reminder, why in outcome.failed}
    results |= dict.fromkeys(outcome.not_tried, "non tenté (connexion perdue)")
    title = f"Rappels : {len(outcome.sent)} envoyé(s) sur {len(found)}"
    console.print(_table(title, found, results))
    if not outcome.complete:
        left = len(outcome.failed) + len(outcome.not_tried)
        err_console.print(
            f"{_count(left)} non envoyé(s), non enregistré(s) : ils repartiront au prochain "
            "passage.",
            style="red",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(code=1)
