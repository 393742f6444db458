"""``boussole token create|list|revoke``: the API tokens of programs and editors' tools, from the
command line (only their hash is stored; changes audited as the admin ``cli``, as the other
commands', app.tooling.organisation)."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.core.config import get_settings
from app.core.db import database_scope
from app.core.errors import BoussoleError
from app.tooling.organisation import CLI_ACTOR
from app.tooling.users import DirectoratesOption, RoleOption

console = Console()
err_console = Console(stderr=True)
token_app = typer.Typer(help="API tokens (only their hash is stored).")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="A name people recognise, e.g. dev-eco-2025")],
    role: RoleOption,
    directorate: DirectoratesOption = None,
) -> None:
    """Create a token and print it once: it cannot be shown again (audited as the `cli` admin)."""
    from app.accounts import machine_tokens

    try:
        with database_scope(get_settings().database_url) as session:
            _, token = machine_tokens.create(
                session=session,
                actor=CLI_ACTOR,
                name=name,
                role=role,
                directorate_codes=directorate or [],
            )
    except BoussoleError as exc:
        err_console.print(f"[red]Jeton non créé :[/red] {exc.message}", highlight=False)
        raise typer.Exit(code=1) from exc
    console.print(f"Token '{name}' ({role.value}) created. Keep it now, it is not stored:")
    typer.echo(token)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never the tokens themselves)."""
    from app.auth import tokens

    with database_scope(get_settings().database_url) as session:
        infos = tokens.get_all(session=session)
    table = Table(title="API tokens")
    for column in ("name", "role", "directorates", "starts with", "created", "revoked"):
        table.add_column(column)
    for info in infos:
        table.add_row(
            info.name,
            info.role.value,
            " ".join(info.directorates),
            info.prefix + "…",
            info.created_at,
            "yes" if info.revoked else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name")]) -> None:
    """Revoke a token: it is refused (401) from now on (audited as the `cli` admin)."""
    from app.accounts import machine_tokens

    try:
        with database_scope(get_settings().database_url) as session:
            machine_tokens.revoke(session=session, actor=CLI_ACTOR, name=name)
    except BoussoleError as exc:
        err_console.print(f"[red]{exc.message}[/red]", highlight=False)
        raise typer.Exit(code=1) from exc
    console.print(f"Token '{name}' revoked.")
