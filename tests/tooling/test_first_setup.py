"""A first set-up through the command line alone (README, "Premiers pas"): from an empty migrated
database to an editor's token that writes what its directorate leads, and nothing else; and the
refusals of `boussole directorate` and `boussole assign` (one line each, exit 1, nothing written).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.core.config import get_settings
from app.core.db import make_engine
from app.models import AuditEntry, Directorate, Revision, Trackable
from app.tooling.organisation import ORGANISATION_FILE, parse_organisation
from tests.conftest import auth, make_client

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli_app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(url: str) -> tuple[int, int, int, list[tuple[str, int | None]]]:
    """What a refused command must leave as it was."""
    engine = make_engine(url)
    with Session(engine) as session:
        state = (
            session.exec(select(func.count()).select_from(Directorate)).one(),
            session.exec(select(func.count()).select_from(AuditEntry)).one(),
            session.exec(select(Revision.value)).one(),
            [
                (t.code, t.lead_directorate_id)
                for t in session.exec(select(Trackable).order_by(Trackable.code))
            ],
        )
    engine.dispose()
    return state


@pytest.fixture
def empty_cli_env(monkeypatch: pytest.MonkeyPatch, empty_db_url: str) -> Iterator[str]:
    monkeypatch.setenv("BOUSSOLE_DATABASE_URL", empty_db_url)
    get_settings.cache_clear()
    yield empty_db_url
    get_settings.cache_clear()


def test_first_setup_walk(empty_cli_env, tmp_path):
    url = empty_cli_env
    run("seed")
    assert "DEV-ECO" in run("directorate", "add", "DEV-ECO", "Développement économique")
    directorates = write(
        tmp_path,
        "directions.csv",
        "code,name\nENV,Direction de l'environnement\nSIG,Système d'information\n",
    )
    assert "2 créée(s)" in run("directorate", "import", str(directorates))
    assert "rien n'a changé" in run("directorate", "import", str(directorates))
    leads = write(
        tmp_path,
        "pilotes.csv",
        "code,lead,contributing\nE1.1.1,DEV-ECO,ENV;SIG\nPP5,ENV,DEV-ECO | SIG\nE2.3.2,ENV,\n",
    )
    assert "3 mise(s) à jour" in run("assign", str(leads))
    before = snapshot(url)
    assert "rien n'a changé" in run("assign", str(leads))
    assert snapshot(url) == before  # not even the revision moved
    listed = run("directorate", "list")
    assert "DEV-ECO" in listed and "Développement économique" in listed

    created = run("token", "create", "--name", "dev-eco", "--role", "editor", "-d", "DEV-ECO")
    token = created.strip().splitlines()[-1]

    with make_client(url) as client:
        action = client.get("/api/v1/actions/E1.1.1").json()
        assert action["lead_directorate"] == "DEV-ECO"
        assert sorted(action["contributing_directorates"]) == ["ENV", "SIG"]
        body = {"progress": 20, "comment": "Premier bilan"}
        # Outside a campaign an editor files nothing (README: "Reporting campaign").
        early = client.put("/api/v1/actions/E1.1.1/progress/2025", json=body, headers=auth(token))
        assert early.status_code == 409, early.text
        admin = run("token", "create", "--name", "pilotage", "--role", "admin")
        opened = client.post(
            "/api/v1/campaigns",
            json={"year": 2025, "deadline": "2026-03-31"},
            headers=auth(admin.strip().splitlines()[-1]),
        )
        assert opened.status_code == 201, opened.text
        led = client.put("/api/v1/actions/E1.1.1/progress/2025", json=body, headers=auth(token))
        assert led.status_code == 202, led.text  # filed for an admin to validate
        # Contributing is not leading: PP5 and E2.3.2 are led by ENV.
        for path in ("/api/v1/flagship-projects/PP5", "/api/v1/actions/E2.3.2"):
            refused = client.put(f"{path}/progress/2025", json=body, headers=auth(token))
            assert refused.status_code == 403, refused.text

    engine = make_engine(url)
    with Session(engine) as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.entity_key.in_(["E1.1.1", "DEV-ECO", "PP5"]))  # type: ignore[attr-defined]
        ).all()
    engine.dispose()
    by_cli = {(e.entity, e.entity_key) for e in entries if e.actor_name == "cli"}
    assert {("directorate", "DEV-ECO"), ("action", "E1.1.1"), ("flagship_project", "PP5")} <= (
        by_cli
    )


def test_seed_applies_the_organisation_file(cli_env, tmp_path):
    assert parse_organisation(ORGANISATION_FILE).empty  # shipped empty
    organisation = write(
        tmp_path,
        "organisation.yaml",
        "directorates:\n  - {code: DEV, name: Développement}\n"
        "  - {code: ENV, name: Environnement}\n"
        "assignments:\n  - {code: E1.1.1, lead: DEV, contributing: [ENV]}\n"
        "  - {code: PP5, lead: ENV}\n",
    )
    first = run("seed", "--organisation", str(organisation))
    assert "organisation: directorate" in first
    before = snapshot(cli_env)
    run("seed", "--organisation", str(organisation))
    assert snapshot(cli_env) == before
    engine = make_engine(cli_env)
    with Session(engine) as session:
        lead = session.exec(
            select(Directorate.code)
            .join(Trackable, Trackable.lead_directorate_id == Directorate.id)  # type: ignore[arg-type]
            .where(Trackable.code == "PP5")
        ).one()
    engine.dispose()
    assert lead == "ENV"

    broken = write(
        tmp_path,
        "broken.yaml",
        "directorates:\n  - {code: RH, name: Ressources humaines}\n"
        "assignments:\n  - {code: E1.1.1, lead: NOPE}\n",
    )
    output = run("seed", "--organisation", str(broken), code=1)
    assert "assignments, entrée 1 : direction inconnue 'NOPE'" in output
    assert snapshot(cli_env) == before  # RH was not created either


def problem_lines(output: str) -> list[str]:
    lines = output.strip().splitlines()
    assert "rien n'a été écrit" in lines[0] or "non créée" in lines[0], output
    return [line.strip() for line in lines[1:]]


def test_assign_refusals_list_every_problem(cli_env, tmp_path):
    run("directorate", "add", "DEV", "Développement")
    before = snapshot(cli_env)
    leads = write(
        tmp_path,
        "pilotes.csv",
        "code,lead,contributing\n"
        "E1.1.1,DEV,\n"  # fine, but the file is refused whole
        "NOPE,DEV,\n"
        "E2.3.2,XYZ,DEV|ABC\n"
        "E1.1.1,DEV,\n",
    )
    output = run("assign", str(leads), code=1)
    assert problem_lines(output) == [
        "ligne 5 : le code E1.1.1 figure déjà en ligne 2",
        "ligne 3 : action ou projet phare inconnu 'NOPE'",
        "ligne 4 : direction inconnue 'XYZ'",
        "ligne 4 : direction inconnue 'ABC'",
    ]
    assert snapshot(cli_env) == before


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("pilotes.txt", "code,lead\n", "format inconnu '.txt'"),
        ("pilotes.csv", "code,pilote\nE1.1.1,DEV\n", "colonne inconnue 'pilote'"),
        ("pilotes.csv", "lead\nDEV\n", "colonne 'code' manquante"),
        ("pilotes.csv", "code,lead\nE1.1.1,DEV,ENV\n", "ligne 2 : 3 cellules au lieu de 2"),
        ("pilotes.csv", "code,lead\nE1.1.1,dev eco\n", "ligne 2 : lead : code invalide"),
        ("pilotes.yaml", "- code: E1.1.1\n  lead: [DEV\n", "YAML illisible"),
        ("pilotes.yaml", "code: E1.1.1\n", "une liste est attendue"),
        ("pilotes.yaml", "- {code: E1.1.1, pilote: DEV}\n", "entrée 1 : champ inconnu 'pilote'"),
        ("pilotes.yaml", "- {lead: DEV}\n", "entrée 1 : code manquant"),
    ],
)
def test_assign_refuses_bad_files(cli_env, tmp_path, name, text, problem):
    before = snapshot(cli_env)
    output = run("assign", str(write(tmp_path, name, text)), code=1)
    [line] = problem_lines(output)
    assert problem in line
    assert snapshot(cli_env) == before


def test_assign_refuses_a_missing_file(cli_env, tmp_path):
    output = run("assign", str(tmp_path / "absent.csv"), code=1)
    [line] = problem_lines(output)
    assert "lecture impossible" in line


def test_directorate_refusals(cli_env, tmp_path):
    run("directorate", "add", "DEV", "Développement")
    before = snapshot(cli_env)
    [line] = problem_lines(run("directorate", "add", "DEV", "Autre", code=1))
    assert line == "la direction DEV existe déjà"
    [line] = problem_lines(run("directorate", "add", "DEV ECO", "Autre", code=1))
    assert line.startswith("code : code invalide 'DEV ECO'")
    directorates = write(
        tmp_path,
        "directions.yaml",
        "directorates:\n"
        "  - {code: ENV, name: Environnement}\n"
        "  - {code: ENV, name: Environnement bis}\n"
        "  - {code: RH}\n"
        "  - {code: 'a b', name: X}\n",
    )
    assert problem_lines(run("directorate", "import", str(directorates), code=1)) == [
        "entrée 3 : nom : ne peut pas être vide",
        "entrée 4 : code : code invalide 'a b' (lettres, chiffres, « . _ - », 30 au plus)",
        "entrée 2 : la direction ENV figure déjà en entrée 1",
    ]
    assert snapshot(cli_env) == before


def test_directorate_import_renames(cli_env, tmp_path):
    run("directorate", "add", "DEV", "Développement")
    renamed = write(tmp_path, "d.csv", "code,name\nDEV,Développement économique\nENV,Env\n")
    assert "1 créée(s), 1 renommée(s), 0 inchangée(s)" in run("directorate", "import", str(renamed))
