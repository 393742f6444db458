"""`boussole user create|list|deactivate|invite`: the first admin of a fresh installation is made
on the command line; the link it prints is where they choose a password, then sign in."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.core.config import get_settings
from app.core.db import make_engine
from app.models import Account, AuditEntry, Invitation
from tests.helpers import csrf_token, sign_in, snapshot

runner = CliRunner()
PASSWORD = "une longue phrase secrète"


def _link(output: str) -> str:
    return output.strip().splitlines()[-1]


def _choose_password(client: TestClient, path: str) -> int:
    page = client.get(path)
    assert page.status_code == 200, page.text
    answer = client.post(
        path,
        data={"csrf_token": csrf_token(page.text), "password": PASSWORD, "confirmation": PASSWORD},
        follow_redirects=False,
    )
    return answer.status_code


def test_the_first_admin_from_the_command_line(
    cli_env: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOUSSOLE_PUBLIC_URL", "https://boussole.example.fr/")
    get_settings.cache_clear()
    created = runner.invoke(
        cli_app, ["user", "create", "Anne@CAPH.fr", "--name", "Anne Pilote", "--role", "admin"]
    )
    assert created.exit_code == 0, created.output
    assert "Compte créé : Anne Pilote <anne@caph.fr> (admin)." in created.output
    link = _link(created.output)
    assert link.startswith("https://boussole.example.fr/invitation/")
    token = link.rsplit("/", 1)[1]
    engine = make_engine(cli_env)
    with Session(engine) as session:
        stored = session.exec(select(Invitation)).one()
        assert token not in stored.token_hash  # only its hash is kept
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "account")).one()
        assert (entry.actor_name, entry.actor_role) == ("cli", "admin")
    engine.dispose()

    path = link.removeprefix("https://boussole.example.fr")
    assert _choose_password(client, path) == 303
    client.cookies.clear()
    assert sign_in(client, "anne@caph.fr", PASSWORD).headers["location"] == "/"

    listed = runner.invoke(cli_app, ["user", "list"])
    assert listed.exit_code == 0
    assert "anne@caph.fr" in listed.output and "actif" in listed.output
    assert token not in listed.output


def test_an_editor_invited_again_and_deactivated(cli_env: str, client: TestClient) -> None:
    assert (
        runner.invoke(cli_app, ["directorate", "add", "SIG", "Système d'information"]).exit_code
        == 0
    )
    assert (
        runner.invoke(
            cli_app, ["user", "create", "chef@caph.fr", "--name", "Cheffe", "--role", "admin"]
        ).exit_code
        == 0
    )
    created = runner.invoke(
        cli_app,
        ["user", "create", "sig@caph.fr", "--name", "Sam Sig", "--role", "editor", "-d", "SIG"],
    )
    assert created.exit_code == 0, created.output
    assert _link(created.output).startswith("http://127.0.0.1:8000/invitation/")
    first = "/invitation/" + _link(created.output).rsplit("/", 1)[1]
    listed = runner.invoke(cli_app, ["user", "list"])
    assert "SIG" in listed.output and "invité" in listed.output

    again = runner.invoke(cli_app, ["user", "invite", "SIG@caph.fr"])
    assert again.exit_code == 0, again.output
    second = "/invitation/" + _link(again.output).rsplit("/", 1)[1]
    assert second != first
    assert client.get(first).status_code == 400  # superseded
    assert _choose_password(client, second) == 303
    assert client.get("/mes-actions").status_code == 200

    gone = runner.invoke(cli_app, ["user", "deactivate", "sig@caph.fr"])
    assert gone.exit_code == 0, gone.output
    assert "Ses sessions sont fermées" in gone.output
    assert client.get("/mes-actions", follow_redirects=False).status_code == 303
    assert "désactivé" in runner.invoke(cli_app, ["user", "list"]).output
    refused = runner.invoke(cli_app, ["user", "invite", "sig@caph.fr"])
    assert refused.exit_code == 1 and "réactivez-le" in refused.output


def test_refusals_say_why_and_write_nothing(cli_env: str) -> None:
    before = snapshot(cli_env)
    for arguments, message in (
        (["create", "x@caph.fr", "--name", "X", "--role", "editor"], "au moins une direction"),
        (
            ["create", "x@caph.fr", "--name", "X", "--role", "editor", "-d", "NOPE"],
            "Direction inconnue : NOPE.",
        ),
        (["create", "pas-une-adresse", "--name", "X", "--role", "admin"], "Adresse électronique"),
        (["create", "x@caph.fr", "--name", "  ", "--role", "admin"], "Le nom affiché"),
        (["deactivate", "personne@caph.fr"], "Aucun compte pour l'adresse personne@caph.fr."),
        (["invite", "personne@caph.fr"], "Aucun compte pour l'adresse personne@caph.fr."),
    ):
        result = runner.invoke(cli_app, ["user", *arguments])
        assert result.exit_code == 1, arguments
        assert message in " ".join(result.output.split()), (arguments, result.output)
    assert snapshot(cli_env) == before
    made = runner.invoke(cli_app, ["user", "create", "x@caph.fr", "--name", "X", "--role", "admin"])
    assert made.exit_code == 0
    twice = runner.invoke(
        cli_app, ["user", "create", "X@caph.fr", "--name", "X", "--role", "admin"]
    )
    assert twice.exit_code == 1 and "Un compte existe déjà" in twice.output
    last = runner.invoke(cli_app, ["user", "deactivate", "x@caph.fr"])
    assert last.exit_code == 1 and "dernier compte administrateur actif" in last.output
    engine = make_engine(cli_env)
    with Session(engine) as session:
        assert session.exec(select(Account)).one().active
    engine.dispose()
