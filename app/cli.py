"""The ``boussole`` command line.

Only what the commands' signatures and the sub-commands need is imported here: each command
imports the modules of its work in its body, so that a command pays at start-up only for the
libraries it uses (``boussole seed`` loads neither WeasyPrint, frictionless, openpyxl, alembic,
uvicorn nor the web pages; tests/tooling/test_cli_startup.py)."""

import gc

from app.core.runtime import tune_garbage_collector

# Before the imports below (hence E402 for this file in pyproject.toml): with Python's thresholds,
# the collector walks the objects of the modules as they load, a fifth of the start-up.
tune_garbage_collector()

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from app.core.config import get_settings
from app.core.db import database_scope, engine_scope, session_scope
from app.core.errors import BoussoleError
from app.core.failures import FailuresInOneLine
from app.tooling import demo as demo_service
from app.tooling import organisation
from app.tooling.campaign_commands import campaign_app
from app.tooling.token_commands import token_app
from app.tooling.users import user_app

if TYPE_CHECKING:
    from app.models.bilan import Bilan

# What the imports made lives as long as the process: the collector need not walk it again, at
# each pass nor at exit (where it otherwise walks it several times: a quarter of a second).
gc.freeze()

console = Console()
err_console = Console(stderr=True)
app = typer.Typer(
    cls=FailuresInOneLine,
    help="Boussole: the Projet de territoire 2024-2044 of La Porte du Hainaut.",
)


def _commands(name: str, description: str) -> typer.Typer:
    """A group of commands, ``boussole NAME …``."""
    group = typer.Typer(help=description)
    app.add_typer(group, name=name)
    return group


db_app = _commands("db", "Database schema (Alembic migrations).")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Bring the database schema up to REVISION (default: the latest)."""
    from app.core import migrations

    migrations.upgrade(get_settings().database_url, revision)
    console.print(f"Database upgraded to {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Take the database schema back to REVISION ('base' empties it)."""
    from app.core import migrations

    migrations.downgrade(get_settings().database_url, revision)
    console.print(f"Database downgraded to {revision}.")


@app.command()
def seed(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Plan YAML (default: seed/plan.yaml)")
    ] = None,
    communes: Annotated[
        Path | None, typer.Option(help="Communes CSV (default: seed/communes.csv)")
    ] = None,
    organisation_file: Annotated[
        Path | None,
        typer.Option(
            "--organisation",
            help="Directorates and leads YAML, applied when it has content "
            "(default: seed/organisation.yaml)",
        ),
    ] = None,
) -> None:
    """Load the plan and the communes, then the organisation (directorates, leads) when
    seed/organisation.yaml has content; safe to run again (nothing is duplicated)."""
    from app.tooling import seed as seed_service

    settings = get_settings()
    try:
        document = seed_service.parse_plan(file or settings.seed_file)
        commune_rows = seed_service.parse_communes(communes or settings.communes_file)
    except seed_service.SeedError as exc:
        err_console.print(
            f"[red]Seed refused, nothing written:[/red]\n{exc}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=1) from exc
    org_path = organisation_file or organisation.ORGANISATION_FILE
    with _refusing(f"Seed refused, nothing written ({org_path}):"):
        described = (
            organisation.parse_organisation(org_path)
            if organisation_file is not None or org_path.exists()
            else organisation.Organisation()
        )
        with database_scope(settings.database_url) as session:
            summary = seed_service.apply_seed(session, document, commune_rows)
            if not described.empty:
                directorates, leads = organisation.apply_organisation(
                    session=session, actor=organisation.CLI_ACTOR, organisation=described
                )
    table = Table(title="Seed")
    for column in ("kind", "created", "updated", "unchanged"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, counts in summary.counts.items():
        table.add_row(kind, *(str(counts[o]) for o in ("created", "updated", "unchanged")))
    if not described.empty:
        for kind, org_counts in (
            ("organisation: directorate", directorates),
            ("organisation: lead", leads),
        ):
            table.add_row(
                kind, str(org_counts.created), str(org_counts.updated), str(org_counts.unchanged)
            )
    console.print(table)


def _refused(title: str, problems: list[str]) -> None:
    """A refusal: its title, then one line per problem (markup off: they quote the files)."""
    err_console.print(title, style="red", highlight=False, markup=False, soft_wrap=True)
    for problem in problems:
        err_console.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)


@contextmanager
def _refusing(title: str) -> Iterator[None]:
    """The problems of an organisation file or change met in the block: the refusal titled
    ``title`` (``_refused``), and the command fails (exit code 1)."""
    try:
        yield
    except organisation.OrganisationError as exc:
        _refused(title, exc.problems)
        raise typer.Exit(code=1) from exc


directorate_app = _commands(
    "directorate", "CAPH directorates (who leads the actions; editors' tokens)."
)


@directorate_app.command("add")
def directorate_add(
    code: Annotated[str, typer.Argument(help="Short stable code, e.g. DEV-ECO")],
    name: Annotated[str, typer.Argument(help="Its name, e.g. 'Développement économique'")],
) -> None:
    """Add a directorate (recorded in the audit trail as the `cli` admin)."""
    with _refusing("Direction non créée :"):
        row = organisation.directorate_row(code, name)
        with database_scope(get_settings().database_url) as session:
            organisation.add_directorate(session=session, actor=organisation.CLI_ACTOR, row=row)
    console.print(f"Direction {row.code} créée : {row.name}.", highlight=False, markup=False)


@directorate_app.command("list")
def directorate_list() -> None:
    """List the directorates, with how many actions and flagship projects each leads."""
    with database_scope(get_settings().database_url) as session:
        lines = organisation.list_directorates(session=session)
    table = Table(title="Directions")
    table.add_column("code")
    table.add_column("nom")
    table.add_column("pilote", justify="right")
    table.add_column("contribue", justify="right")
    for line in lines:
        table.add_row(line.code, line.name, str(line.leads), str(line.contributes))
    console.print(table)
    if not lines:
        console.print(
            "Aucune direction : `boussole directorate add` ou `boussole directorate import`."
        )


@directorate_app.command("import")
def directorate_import(
    file: Annotated[Path, typer.Argument(help="CSV (code,name) or YAML (a list of code, name)")],
) -> None:
    """Create or rename directorates from FILE, all or nothing; the same file again changes
    nothing."""
    with _refusing("Import refusé, rien n'a été écrit :"):
        rows = organisation.parse_directorates(file)
        with database_scope(get_settings().database_url) as session:
            counts = organisation.apply_directorates(
                session=session, actor=organisation.CLI_ACTOR, rows=rows
            )
    if counts.changed:
        summary = (
            f"{counts.created} créée(s), {counts.updated} renommée(s), "
            f"{counts.unchanged} inchangée(s)."
        )
    else:
        summary = "déjà à jour, rien n'a changé."
    console.print(f"{len(rows)} direction(s) lue(s) : {summary}", highlight=False, markup=False)


@app.command("assign")
def assign(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV (code,lead,contributing; contributing separated by ';' or '|') or YAML"
        ),
    ],
) -> None:
    """Set the lead and contributing directorates of actions and flagship projects from FILE,
    all or nothing, as the `cli` admin (audited); the same file again changes nothing."""
    with _refusing("Affectation refusée, rien n'a été écrit :"):
        rows, problems = organisation.read_assignments(file)
        with database_scope(get_settings().database_url) as session:
            counts = organisation.apply_assignments(
                session=session, actor=organisation.CLI_ACTOR, rows=rows, problems=problems
            )
    if counts.changed:
        summary = f"{counts.updated} mise(s) à jour, {counts.unchanged} inchangée(s)."
    else:
        summary = "déjà à jour, rien n'a changé."
    console.print(f"{len(rows)} ligne(s) lue(s) : {summary}", highlight=False, markup=False)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default: BOUSSOLE_WORKERS, else 1)"),
    ] = None,
) -> None:
    """Serve the API with uvicorn; logs are JSON lines on standard error, one per request."""
    import uvicorn

    from app.core.logging import configure_logging
    from app.core.server import uvicorn_options

    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        # An import string and a factory: each worker process builds its own app.
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        workers=workers or settings.workers,
        **uvicorn_options(),
    )


app.add_typer(user_app, name="user")  # app/tooling/users.py
app.add_typer(campaign_app, name="campaign")  # app/tooling/campaign_commands.py
app.add_typer(token_app, name="token")  # app/tooling/token_commands.py


@app.command("export")
def export_open_data(
    directory: Annotated[Path, typer.Argument(help="The folder to write into (created)")],
) -> None:
    """Write the open data into DIRECTORY: datapackage.json, one CSV per table and tree.json."""
    from app import opendata

    url = get_settings().database_url
    with database_scope(url) as session, Progress(console=console) as bar:
        task = bar.add_task("Open data", total=opendata.EXPORT_FILE_COUNT)
        written = opendata.export(
            session, directory, on_written=lambda _path, _rows: bar.advance(task)
        )
    table = Table(title=f"Open data written to {directory}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for path, rows in written:
        table.add_row(path.name, "" if rows is None else str(rows))
    console.print(table)


#: The formats of ``boussole report``, and the suffixes that choose one.
REPORT_FORMATS = ("pdf", "xlsx", "html")
REPORT_SUFFIXES = {".pdf": "pdf", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}


def _report_refused(message: str, code: int) -> NoReturn:
    err_console.print(
        f"Rapport non écrit : {message}", style="red", highlight=False, markup=False, soft_wrap=True
    )
    raise typer.Exit(code=code)


def _render_report(document: "Bilan", kind: str) -> bytes:
    # openpyxl or WeasyPrint and the templates: loaded only for the format that needs them.
    if kind == "xlsx":
        from app.bilan import workbook as bilan_workbook

        return bilan_workbook.workbook(document)
    from app.web import bilan_document

    if kind == "pdf":
        return bilan_document.render_pdf(document)
    return bilan_document.render_html(document).encode()


@app.command()
def report(
    year: Annotated[str, typer.Argument(help="The bilan's year, from 2024 to this year")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The file to write (replaced whole, or unchanged)")
    ],
    report_format: Annotated[
        str | None,
        typer.Option("--format", "-f", help="pdf, xlsx or html (default: FILE's suffix)"),
    ] = None,
) -> None:
    """Write the bilan of YEAR to FILE, as /bilan/YEAR shows it: PDF, XLSX or HTML; frozen
    once the campaign of YEAR is closed, provisional before."""
    from app.bilan import bilan as bilan_service
    from app.core import files

    kind = report_format.lower() if report_format else REPORT_SUFFIXES.get(out.suffix.lower())
    if kind not in REPORT_FORMATS:
        _report_refused(
            f"format inconnu « {report_format} » : pdf, xlsx ou html."
            if report_format
            else f"dites le format, --format pdf, xlsx ou html (« {out.name} » ne le dit pas).",
            2,
        )
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        _report_refused(f"l'année s'écrit avec quatre chiffres, par exemple 2025 (« {year} »).", 2)
    try:
        bilan_service.check_year(int(year))
    except BoussoleError as exc:
        _report_refused(exc.message, 2)
    started = time.perf_counter()
    try:
        # The bar on a terminal only: nothing of it in a log.
        shown = Progress(console=err_console, transient=True, disable=not err_console.is_terminal)
        with files.whole_file(out) as target, shown as bar:
            task = bar.add_task(f"Lecture du bilan {year}", total=3)
            bar.refresh()  # each step drawn, however quick
            with database_scope(get_settings().database_url) as session:
                document = bilan_service.build(session=session, year=int(year))
            bar.update(task, advance=1, description=f"Mise en page ({kind.upper()})", refresh=True)
            content = _render_report(document, kind)
            bar.update(task, advance=1, description=f"Écriture de {out.name}", refresh=True)
            target.write(content)
            bar.advance(task)
    except files.FileNotWrittenError as exc:
        _report_refused(f"impossible d'écrire {exc.path} : {exc.reason}.", 1)
    state = "provisoire" if document.provisional else "arrêté"
    size = f"{max(1, round(len(content) / 1000)):,}".replace(",", "\u202f")
    seconds = f"{time.perf_counter() - started:.1f}".replace(".", ",")
    console.print(
        f"Bilan {year} ({state}) écrit dans {out} : {kind.upper()}, {size} ko, en {seconds} s.",
        highlight=False,
        markup=False,
    )


@app.command("import-progress")
def import_progress(
    file: Annotated[Path, typer.Argument(help="CSV with the columns of progress.csv")],
    dry_run: Annotated[bool, typer.Option(help="Validate and report, write nothing")] = False,
) -> None:
    """Import yearly progress reports from a CSV file, all or nothing, as the `cli` admin."""
    from app.auth import tokens
    from app.campaigns import upload
    from app.models import Role
    from app.trackables import imports

    settings = get_settings()
    actor = tokens.Actor(name="cli", role=Role.admin)
    try:
        # Read from the file as it is parsed, never held whole in memory.
        source = file.open("rb")
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 16), b""))
        source.seek(0)
    except OSError as exc:
        err_console.print("[red]Cannot read[/red] ", end="", soft_wrap=True)
        err_console.print(f"{file}: {exc.strerror}", highlight=False, markup=False)
        raise typer.Exit(code=1) from exc
    try:
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task(f"Importing {file.name}", total=max(rows, 1))
            with database_scope(settings.database_url) as session:
                report = upload.publish(
                    session=session,
                    actor=actor,
                    source=source,
                    dry_run=dry_run,
                    max_problems=settings.import_max_problems,
                    on_progress=lambda done: bar.advance(task, done),
                )
    except imports.ImportRefusedError as exc:
        err_console.print(exc.message, style="red", highlight=False, markup=False)
        for row in exc.rows:
            column = f", colonne {row.column}" if row.column else ""
            err_console.print(f"  ligne {row.line}{column} : {row.message}", markup=False)
        if exc.extra["truncated"]:
            err_console.print(
                f"  … et d'autres : l'import a cessé de lire après {len(exc.rows)} problèmes "
                "(BOUSSOLE_IMPORT_MAX_PROBLEMS).",
                highlight=False,
                markup=False,
            )
        raise typer.Exit(code=1) from exc
    finally:
        source.close()
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows} rows read: {report.created} reports {verb} created, {report.updated} "
        f"updated, {report.unchanged} unchanged.",
        highlight=False,
    )


@app.command()
def dump(file: Annotated[Path, typer.Argument(help="The JSON file to write (replaced)")]) -> None:
    """Write the whole database (plan, tracking, audit trail, tokens' hashes) to FILE, with its
    SHA-256 checksum and, when BOUSSOLE_DUMP_KEY is set, its HMAC-SHA256."""
    from app.tooling import backup as backup_service

    settings = get_settings()
    try:
        with engine_scope(settings.database_url) as engine:
            counts = backup_service.dump(engine=engine, path=file, key=settings.dump_key)
    except backup_service.BackupError as exc:
        err_console.print("[red]Dump refused:[/red] ", end="", soft_wrap=True)
        err_console.print(exc.message, highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    signed = " and signed with BOUSSOLE_DUMP_KEY" if settings.dump_key is not None else ""
    console.print(
        f"Dumped {sum(counts.values())} rows of {len(counts)} tables to {file} (checksummed"
        f"{signed}). It holds the tokens' hashes and the audit trail: keep it as private as the "
        "database.",
        highlight=False,
        markup=False,
    )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `boussole dump`")],
) -> None:
    """Load FILE into an empty database migrated to the dump's schema revision (all or nothing),
    after checking its checksum, its HMAC when BOUSSOLE_DUMP_KEY is set, and every value."""
    from app.tooling import backup as backup_service

    settings = get_settings()

    def warn(message: str) -> None:
        err_console.print(f"Note: {message}", highlight=False, markup=False, soft_wrap=True)

    try:
        with engine_scope(settings.database_url) as engine:
            counts = backup_service.restore(
                engine=engine, path=file, key=settings.dump_key, warn=warn
            )
    except backup_service.BackupError as exc:
        # Markup off for what comes from the file: a value like "[red]" must print as it is.
        err_console.print("[red]Restore refused, nothing written:[/red] ", end="", soft_wrap=True)
        message = f"{exc.message}:" if exc.problems else exc.message
        err_console.print(message, highlight=False, markup=False, soft_wrap=True)
        for problem in exc.problems:
            err_console.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    console.print(
        f"Restored {sum(counts.values())} rows of {len(counts)} tables from {file}.",
        highlight=False,
        markup=False,
    )


@app.command()
def demo(
    scale: Annotated[
        int,
        typer.Option(
            min=1,
            max=demo_service.MAX_SCALE,
            help="How many times the real plan (100: about 6,800 actions and flagship projects)",
        ),
    ] = 1,
    db: Annotated[
        str | None, typer.Option("--db", help="SQLAlchemy URL (default: the settings' database)")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the random draws: the same seed writes the same rows")
    ] = demo_service.DEFAULT_SEED,
) -> None:
    """Fill a fresh, migrated database with demo data: the real plan SCALE times (copies titled
    "[Démo] …") and twenty years of made-up tracking. Refuses a database with real tracking data."""
    from app.core import migrations
    from app.tooling import seed as seed_service

    settings = get_settings()
    try:
        document = seed_service.parse_plan(settings.seed_file)
        commune_rows = seed_service.parse_communes(settings.communes_file)
    except seed_service.SeedError as exc:
        err_console.print(f"[red]Demo refused:[/red]\n{exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    started = time.perf_counter()
    try:
        with engine_scope(db or settings.database_url) as engine:
            current, head = migrations.current_revision(engine), migrations.head_revision()
            if current != head:
                raise demo_service.DemoRefusedError(
                    f"the database is at schema revision {current or 'none'}, not {head}: run "
                    "`boussole db upgrade` on it first"
                )
            with Progress(console=err_console, transient=True) as bar:
                task = bar.add_task(
                    f"Demo data ×{scale}", total=demo_service.expected_rows(document, scale)
                )
                with session_scope(engine) as session:
                    summary = demo_service.generate(
                        session,
                        document,
                        commune_rows,
                        scale=scale,
                        seed=seed,
                        on_progress=lambda rows: bar.advance(task, rows),
                    )
    except demo_service.DemoRefusedError as exc:
        err_console.print(
            f"[red]Demo refused, nothing written:[/red] {exc}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=1) from exc
    table = Table(
        title=f"Demo data ×{scale} (seed {seed}) in {time.perf_counter() - started:.1f} s"
    )
    table.add_column("table")
    table.add_column("rows written", justify="right")
    for name, rows in summary.counts.items():
        table.add_row(name, str(rows))
    console.print(table)


if __name__ == "__main__":
    app()
