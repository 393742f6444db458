"""The command line's expected failures as one line: a bad or unreachable database URL (its
password masked), an unknown migration revision, a path that cannot be read or written. Used by
``app.cli`` as the Typer app's group class; anything else keeps its traceback (a bug)."""

import re
import sys
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from typer.core import TyperGroup

from app.core.config import get_settings

err_console = Console(stderr=True)
#: The password of a URL: what follows "user:" up to the "@" of its host.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^/\s]*@")


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (also when SQLAlchemy cannot parse it)."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def _database_setting() -> tuple[str, str | None]:
    """``BOUSSOLE_DATABASE_URL=<masked URL>`` and the URL's password, to be kept out of messages."""
    url = get_settings().database_url
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    return f"BOUSSOLE_DATABASE_URL={masked_url(url)}", password


def _migration_errors() -> tuple[type[Exception], ...]:
    """Alembic's errors (an unknown revision, a migration that cannot run). Alembic is loaded by
    the commands that migrate (app.core.migrations) and by them only, not here at every
    command's start-up: until it is loaded, none of its errors can be raised."""
    if "alembic" not in sys.modules:
        return ()
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    return (CommandError, RevisionError)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def failure_line(exc: BaseException) -> str | None:
    """The one line (French) the CLI prints for an expected failure — a database it cannot use,
    an unknown migration revision, a path it cannot read or write —, or None for a bug (which
    keeps its traceback). Never a URL's password."""
    if isinstance(exc, ArgumentError | OperationalError):
        setting, password = _database_setting()
        if isinstance(exc, ArgumentError):
            detail = _first_line(str(exc))
        else:
            detail = _first_line(str(exc.orig) if exc.orig is not None else str(exc))
        # Should the driver quote the password (a short one would rather mangle the words).
        if password and len(password) >= 4:
            detail = detail.replace(password, "***")
        detail = masked_url(detail)
        if isinstance(exc, ArgumentError):
            return f"{setting} n'est pas une URL de base de données utilisable : {detail}"
        return f"base de données inaccessible ou inutilisable ({setting}) : {detail}"
    if isinstance(exc, _migration_errors()):
        return f"migration impossible (boussole db) : {_first_line(str(exc))}"
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        why = exc.strerror or _first_line(str(exc))
        return (
            f"fichier ou dossier inaccessible : {where} ({why})"
            if where
            else f"erreur système : {why}"
        )
    return None


class FailuresInOneLine(TyperGroup):
    """Every command's expected failures become one line on standard error and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            line = failure_line(exc)
            if line is None:  # a bug, or click's own exits and usage errors: as they are
                raise
            err_console.print(
                f"Erreur : {line}", style="red", highlight=False, markup=False, soft_wrap=True
            )
            raise typer.Exit(code=1) from exc
