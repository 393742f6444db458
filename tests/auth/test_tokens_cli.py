"""`boussole token create|list|revoke`: a token is printed once, stored only as a hash."""

from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.core.db import make_engine
from app.core.security import hash_token
from app.models import ApiToken

runner = CliRunner()


def test_token_lifecycle(cli_env, client):
    created = runner.invoke(cli_app, ["token", "create", "--name", "ops", "--role", "admin"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("bsl_") and len(token) > 40

    engine = make_engine(cli_env)
    with Session(engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.name == "ops")).one()
        assert row.token_hash == hash_token(token)
        assert token not in (row.token_hash, row.prefix)
    engine.dispose()

    headers = {"Authorization": f"Bearer {token}"}
    created_dir = client.post(
        "/api/v1/directorates",
        json={"code": "SIG", "name": "Système d'information"},
        headers=headers,
    )
    assert created_dir.status_code == 201

    editor = runner.invoke(
        cli_app, ["token", "create", "--name", "sig", "--role", "editor", "-d", "SIG"]
    )
    assert editor.exit_code == 0, editor.output

    listed = runner.invoke(cli_app, ["token", "list"])
    assert listed.exit_code == 0
    assert "ops" in listed.output and "SIG" in listed.output
    assert token not in listed.output

    revoked = runner.invoke(cli_app, ["token", "revoke", "ops"])
    assert revoked.exit_code == 0
    again = client.post(
        "/api/v1/directorates", json={"code": "RH", "name": "Ressources humaines"}, headers=headers
    )
    assert again.status_code == 401


def test_token_create_refuses_bad_requests(cli_env):
    no_directorate = runner.invoke(cli_app, ["token", "create", "--name", "x", "--role", "editor"])
    assert no_directorate.exit_code == 1
    assert "au moins une direction" in no_directorate.output
    unknown = runner.invoke(
        cli_app, ["token", "create", "--name", "x", "--role", "editor", "-d", "NOPE"]
    )
    assert unknown.exit_code == 1
    assert "Direction inconnue : NOPE." in unknown.output
    bad_role = runner.invoke(cli_app, ["token", "create", "--name", "x", "--role", "owner"])
    assert bad_role.exit_code == 2
    runner.invoke(cli_app, ["token", "create", "--name", "dup", "--role", "admin"])
    duplicate = runner.invoke(cli_app, ["token", "create", "--name", "dup", "--role", "admin"])
    assert duplicate.exit_code == 1
    assert "existe déjà" in duplicate.output
    assert runner.invoke(cli_app, ["token", "revoke", "nobody"]).exit_code == 1
