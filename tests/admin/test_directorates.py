"""/admin/directions through HTTP: create, rename, archive and restore a directorate, each
audited with the admin's account as its actor and seen by the change feed; bad input gets its
French message next to the field and writes nothing; an archived directorate is offered nowhere
any more, and refused where a tampered form names it."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.models import Trackable, TrackableDirectorate
from app.reference import reference
from tests.admin.conftest import (
    ADMIN,
    People,
    audit_entries,
    field_error,
    notice,
    page_text,
    post,
    refused_each,
)
from tests.conftest import auth
from tests.factories import session_on
from tests.helpers import snapshot

runner = CliRunner()


def _changes(client: TestClient) -> list[tuple[str, str, str]]:
    items = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    return [(item["entity"], item["code"], item["change"]) for item in items]


def test_create_then_rename_a_directorate(admin: TestClient, db_url: str) -> None:
    created = post(admin, "/admin/directions", {"code": "SIG", "name": " Systèmes d'information "})
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/directions?fait=creee&direction=SIG"
    listed = admin.get(created.headers["location"])
    assert notice(listed) == "La direction SIG a été créée."
    assert "Systèmes d'information</th>" in page_text(listed)
    assert admin.get("/api/v1/directorates/SIG").json() == {
        "code": "SIG",
        "name": "Systèmes d'information",
    }

    renamed = post(admin, "/admin/directions/SIG/nom", {"name": "Numérique"})
    assert renamed.status_code == 303
    assert renamed.headers["location"] == "/admin/directions/SIG?fait=renommee"
    assert notice(admin.get(renamed.headers["location"])) == "La direction a été renommée."
    assert admin.get("/api/v1/directorates/SIG").json()["name"] == "Numérique"

    entries = audit_entries(db_url, "directorate", "SIG")
    assert [(e.action, e.actor_name, e.actor_role) for e in entries] == [
        ("create", ADMIN, "admin"),
        ("update", ADMIN, "admin"),
    ]
    assert entries[1].before["name"] == "Systèmes d'information"  # type: ignore[index]
    assert entries[1].after["name"] == "Numérique"  # type: ignore[index]
    assert _changes(admin)[-2:] == [
        ("directorate", "SIG", "create"),
        ("directorate", "SIG", "update"),
    ]


def test_a_confirmation_names_only_what_exists(admin: TestClient) -> None:
    made_up = admin.get("/admin/directions?fait=creee&direction=<b>PIRATE</b>")
    assert made_up.status_code == 200
    assert "PIRATE" not in made_up.text and 'role="status"' not in made_up.text
    unknown_key = admin.get("/admin/directions?fait=piratee&direction=ENV")
    assert 'role="status"' not in unknown_key.text


def test_bad_directorates_are_refused_next_to_their_field(admin: TestClient, db_url: str) -> None:
    before = snapshot(db_url)
    code_rule = (
        "Le code est obligatoire : lettres sans accent, chiffres et « . _ - », sans espace, "
        "30 caractères au plus."
    )
    answers = refused_each(
        admin,
        "/admin/directions",
        {},
        [
            ({"code": "", "name": "Sans code"}, 422, "code", code_rule),
            ({"code": "DEV ECO", "name": "Espace"}, 422, "code", code_rule),
            ({"code": "É", "name": "Accent"}, 422, "code", code_rule),
            ({"code": "X" * 31, "name": "Trop long"}, 422, "code", code_rule),
            (
                {"code": "NEW", "name": "  "},
                422,
                "name",
                "Le nom est obligatoire, en 300 caractères au plus.",
            ),
            (
                {"code": "NEW", "name": "n" * 301},
                422,
                "name",
                "Le nom est obligatoire, en 300 caractères au plus.",
            ),
            (
                {"code": "NEW", "name": "nul\x00"},
                422,
                "name",
                "Le texte ne doit pas contenir de caractère NUL.",
            ),
            ({"code": "ENV", "name": "Doublon"}, 409, "code", "Le code « ENV » est déjà pris."),
            (
                {"code": "OLD", "name": "Doublon d'une archivée"},
                409,
                "code",
                "Le code « OLD » est déjà pris.",
            ),
        ],
    )
    assert 'value="NEW"' in answers[4].text  # what was typed is given back
    renamed = post(admin, "/admin/directions/ENV/nom", {"name": ""})
    assert renamed.status_code == 422
    assert field_error(renamed, "name") == "Le nom est obligatoire, en 300 caractères au plus."
    assert post(admin, "/admin/directions/NOPE/nom", {"name": "X"}).status_code == 404
    assert admin.get("/admin/directions/NOPE").status_code == 404
    assert snapshot(db_url) == before


def test_archive_is_refused_while_the_directorate_leads(admin: TestClient, db_url: str) -> None:
    before = snapshot(db_url)
    refused = post(admin, "/admin/directions/ENV/archiver")
    assert refused.status_code == 409
    assert (
        "La direction ENV pilote encore une action ou un projet phare : confiez-les à une autre "
        "direction (page Pilotage) avant de l'archiver." in page_text(refused)
    )
    assert snapshot(db_url) == before
    # Once its action has another lead, it may be archived.
    moved = post(admin, "/admin/pilotage", {"codes": "E99.1.1", "lead": "DEV"})
    assert moved.status_code == 303
    assert post(admin, "/admin/directions/ENV/archiver").status_code == 303


def test_an_archived_directorate_is_offered_nowhere(
    admin: TestClient, db_url: str, keys_for_api: str
) -> None:
    archived = post(admin, "/admin/directions/DEV/archiver")
    assert archived.status_code == 303
    page = admin.get(archived.headers["location"])
    assert notice(page) == "La direction a été archivée : elle n'est plus proposée."
    assert "Restaurer la direction" in page.text
    listed = page_text(admin.get("/admin/directions"))
    assert "Archivée" in listed
    [entry] = audit_entries(db_url, "directorate", "DEV")[-1:]
    assert entry.actor_name == ADMIN and entry.after["archived_at"] is not None  # type: ignore[index]

    # Not offered by the forms of accounts, tokens and assignments (but still a filter).
    for path in ("/admin/comptes", "/admin/jetons"):
        assert 'value="DEV"' not in admin.get(path).text, path
    pilotage = admin.get("/admin/pilotage").text
    assert pilotage.count('value="DEV"') == 2  # the filter and "remove a contributor"

    # Refused where a tampered form names it; nothing written.
    before = snapshot(db_url)
    for path, fields, field in (
        (
            "/admin/comptes",
            {"email": "x@caph.fr", "display_name": "X", "role": "editor", "directorates": "DEV"},
            "directorates",
        ),
        ("/admin/jetons", {"name": "dev", "role": "editor", "directorates": "DEV"}, "directorates"),
        ("/admin/pilotage", {"codes": "E99.1.1", "lead": "DEV"}, "lead"),
        ("/admin/pilotage", {"codes": "E99.1.1", "add": "DEV"}, "add"),
    ):
        refused = post(admin, path, fields)
        assert refused.status_code == 422, (path, fields)
        assert field_error(refused, field).startswith("Direction archivée : DEV"), (path, fields)
    # The API refuses it as a new lead too.
    api = admin.patch(
        "/api/v1/actions/E99.1.1", json={"lead_directorate": "DEV"}, headers=auth(keys_for_api)
    )
    assert api.status_code == 422 and "direction archivée" in api.text
    assert snapshot(db_url) == before

    restored = post(admin, "/admin/directions/DEV/restaurer")
    assert restored.status_code == 303
    assert notice(admin.get(restored.headers["location"])) == (
        "La direction a été restaurée : elle est de nouveau proposée."
    )
    assert 'value="DEV"' in admin.get("/admin/jetons").text
    assert [e.action for e in audit_entries(db_url, "directorate", "DEV")][-2:] == [
        "update",
        "update",
    ]


def test_the_command_line_keeps_to_the_same_rules(
    cli_env: str, tmp_path: Path, people: People
) -> None:
    """``boussole assign`` refuses an archived directorate as a new lead or contributor (one
    line each, nothing written) but lets a trackable keep one it has; ``boussole token`` is
    audited as the `cli` admin."""
    with session_on(cli_env) as session:
        old = reference.get_directorate(session=session, code="OLD")
        action = session.exec(select(Trackable).where(Trackable.code == people.action)).one()
        assert action.id is not None and old.id is not None
        session.add(TrackableDirectorate(trackable_id=action.id, directorate_id=old.id))
        session.commit()
    refused = tmp_path / "refused.csv"
    refused.write_text(f"code,lead,contributing\n{people.action},OLD,\nE1.1.1,,OLD\n")
    before = snapshot(cli_env)
    answer = runner.invoke(cli_app, ["assign", str(refused)])
    assert answer.exit_code == 1
    assert "ligne 2 : direction archivée 'OLD'" in answer.output
    assert "ligne 3 : direction archivée 'OLD'" in answer.output
    assert snapshot(cli_env) == before
    kept = tmp_path / "kept.csv"
    kept.write_text(f"code,lead,contributing\n{people.action},DEV,OLD;ENV\n")
    assert runner.invoke(cli_app, ["assign", str(kept)]).exit_code == 0

    made = runner.invoke(cli_app, ["token", "create", "--name", "ops", "--role", "admin"])
    assert made.exit_code == 0, made.output
    assert runner.invoke(cli_app, ["token", "revoke", "ops"]).exit_code == 0
    entries = audit_entries(cli_env, "api_token", "ops")
    assert [(e.action, e.actor_name) for e in entries] == [("create", "cli"), ("update", "cli")]
    archived = runner.invoke(
        cli_app, ["token", "create", "--name", "x", "--role", "editor", "-d", "OLD"]
    )
    assert archived.exit_code == 1 and "Direction archivée : OLD." in archived.output
