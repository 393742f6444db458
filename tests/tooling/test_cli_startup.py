"""`boussole` starts without the libraries of the commands it does not run.

Each command imports the modules of its work in its body (app/cli.py): `boussole seed` must not
pay for WeasyPrint, openpyxl, frictionless, alembic, uvicorn, FastAPI or the web pages (about a
second of start-up before), and `boussole report` loads the bilan's document without the rest of
the site; and the garbage collector, tuned before the imports, makes no full pass while they
load. What is checked is which modules a fresh interpreter has loaded once the command is done
and how often it collected, never a duration, which a loaded machine would make flaky."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import col, func, select

from app.core.config import PROJECT_ROOT
from app.indicators.indicators import this_year
from app.models import Trackable
from tests import factories

#: What a command's start-up must not load, and the commands that do load it.
LIBRARIES = {
    "weasyprint": "report --format pdf",
    "openpyxl": "report --format xlsx",
    "frictionless": "export",
    "app.opendata": "export",
    "alembic": "db, demo",
    "uvicorn": "serve",
    "fastapi": "serve",
    "jinja2": "report, campaign remind",
    "app.web": "report, serve",
    "app.bilan": "report",
    "app.campaigns.reminders": "campaign remind",
}
#: Runs `boussole ARGS` as the console script does (the listing's path first), then writes the
#: names of the modules the interpreter loaded and its full collections into the listing.
RUN_AND_LIST = """
import atexit, gc, json, pathlib, sys
listing = pathlib.Path(sys.argv.pop(1))
atexit.register(lambda: listing.write_text(json.dumps(
    {"modules": sorted(sys.modules), "full_collections": gc.get_stats()[2]["collections"]}
)))
from app.cli import app
app(prog_name="boussole")
"""


def run(tmp_path: Path, url: str, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``boussole ARGS`` in a fresh interpreter on the database at ``url``: its outcome and the
    modules it loaded (having made no full collection)."""
    listing = tmp_path / "startup.json"
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, str(listing), *args],
        env=os.environ | {"BOUSSOLE_DATABASE_URL": url, "COLUMNS": "200"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(listing.read_text())
    assert found["full_collections"] == 0
    return done, set(found["modules"])


def loaded(modules: set[str], *names: str) -> dict[str, str]:
    """Which of ``names`` (a package stands for its modules) are among ``modules``, with the
    commands that need them."""
    return {
        name: LIBRARIES.get(name, "")
        for name in names
        if any(module == name or module.startswith(name + ".") for module in modules)
    }


def test_the_help_loads_no_commands_library(tmp_path: Path) -> None:
    done, modules = run(tmp_path, "sqlite://", "--help")
    assert "seed" in done.stdout and "report" in done.stdout
    assert loaded(modules, *LIBRARIES) == {}


def test_seed_in_a_fresh_process_loads_what_it_needs_only(
    tmp_path: Path, empty_db_url: str
) -> None:
    done, modules = run(tmp_path, empty_db_url, "seed")
    assert "action" in done.stdout and "Traceback" not in done.stderr
    with factories.session_on(empty_db_url) as session:
        actions = session.exec(select(func.count()).where(col(Trackable.kind) == "action")).one()
    assert actions == 59
    assert loaded(modules, *LIBRARIES) == {}


def test_the_pdf_report_loads_the_document_not_the_site(tmp_path: Path, db_url: str) -> None:
    out = tmp_path / "bilan.pdf"
    _, modules = run(
        tmp_path, db_url, "report", str(this_year()), "--format", "pdf", "--out", str(out)
    )
    assert out.read_bytes().startswith(b"%PDF-")
    # What the PDF needs: the bilan, its template, WeasyPrint.
    assert loaded(
        modules, "app.bilan", "app.web.bilan_document", "jinja2", "weasyprint"
    ).keys() == {
        "app.bilan",
        "app.web.bilan_document",
        "jinja2",
        "weasyprint",
    }
    # Not the pages, their sessions and FastAPI, nor the other commands' libraries.
    assert (
        loaded(
            modules,
            "app.web.routes",
            "app.web.signed_in",
            "fastapi",
            "uvicorn",
            "openpyxl",
            "frictionless",
            "app.opendata",
            "alembic",
        )
        == {}
    )
