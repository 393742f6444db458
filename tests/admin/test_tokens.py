"""/admin/jetons through HTTP: a token made on the page is shown once and works against the API,
its revocation takes effect at once; both audited with the admin's account as their actor (never
the token or its hash) and kept out of the public change feed. Bad input: its French message next
to the field, and nothing written."""

from fastapi.testclient import TestClient

from tests.admin.conftest import (
    ADMIN,
    TOKEN,
    audit_entries,
    notice,
    post,
    refused_each,
    shown_secret,
)
from tests.conftest import auth
from tests.helpers import snapshot

MADE = {"name": "suivi-dev-2025", "role": "editor", "directorates": ["DEV"]}


def test_create_then_revoke_a_token(admin: TestClient, client: TestClient, db_url: str) -> None:
    answer = post(admin, "/admin/jetons", MADE)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert notice(answer) == "Le jeton « suivi-dev-2025 » a été créé."
    token = shown_secret(answer)
    assert token.startswith("bsl_")
    listed = admin.get("/admin/jetons")
    assert token not in listed.text and token[:10] in listed.text  # its beginning only
    assert token not in repr(snapshot(db_url))
    # It writes what DEV leads, not what ENV leads.
    assert (
        client.patch(
            "/api/v1/actions/E99.1.1", json={"status": "in_progress"}, headers=auth(token)
        ).status_code
        == 403
    )

    [created] = audit_entries(db_url, "api_token", "suivi-dev-2025")
    assert (created.action, created.actor_name) == ("create", ADMIN)
    assert created.after == {
        "name": "suivi-dev-2025",
        "role": "editor",
        "directorates": ["DEV"],
        "prefix": token[:10],
        "revoked_at": None,
    }

    revoked = post(admin, "/admin/jetons/revoquer", {"name": TOKEN})
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/admin/jetons?fait=revoque&jeton={TOKEN}"
    page = admin.get(revoked.headers["location"])
    assert notice(page) == f"Le jeton « {TOKEN} » a été révoqué : il est refusé dès maintenant."
    assert "Révoqué" in page.text
    [entry] = audit_entries(db_url, "api_token", TOKEN)
    assert entry.actor_name == ADMIN and entry.after["revoked_at"] is not None  # type: ignore[index]
    # Revoking again writes nothing; the feed never shows tokens.
    before = snapshot(db_url)
    assert post(admin, "/admin/jetons/revoquer", {"name": TOKEN}).status_code == 303
    assert snapshot(db_url) == before
    feed = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert all(item["entity"] != "api_token" for item in feed)


def test_a_revoked_token_is_refused_at_once(admin: TestClient, client: TestClient) -> None:
    token = shown_secret(post(admin, "/admin/jetons", MADE | {"role": "admin"}))
    assert (
        client.patch(
            "/api/v1/actions/E99.1.1", json={"priority": "high"}, headers=auth(token)
        ).status_code
        == 200
    )
    post(admin, "/admin/jetons/revoquer", {"name": MADE["name"]})
    assert (
        client.patch(
            "/api/v1/actions/E99.1.1", json={"priority": "low"}, headers=auth(token)
        ).status_code
        == 401
    )


def test_bad_tokens_write_nothing(admin: TestClient, db_url: str) -> None:
    before = snapshot(db_url)
    refused_each(
        admin,
        "/admin/jetons",
        MADE,
        [
            (
                {"name": " "},
                422,
                "name",
                "Le nom du jeton est obligatoire, en 100 caractères au plus.",
            ),
            (
                {"name": "n" * 101},
                422,
                "name",
                "Le nom du jeton est obligatoire, en 100 caractères au plus.",
            ),
            (
                {"name": "tab\tulation"},
                422,
                "name",
                "Le nom du jeton est obligatoire, en 100 caractères au plus.",
            ),
            ({"name": TOKEN}, 409, "name", f"Un jeton nommé « {TOKEN} » existe déjà."),
            (
                {"directorates": []},
                422,
                "directorates",
                "Un jeton de rédacteur agit pour au moins une direction.",
            ),
            ({"directorates": ["NOPE"]}, 422, "directorates", "Direction inconnue : NOPE."),
            ({"directorates": ["OLD"]}, 422, "directorates", "Direction archivée : OLD."),
            ({"role": "root"}, 422, "role", "Choisissez un rôle : administration ou rédaction."),
        ],
    )
    assert post(admin, "/admin/jetons/revoquer", {"name": "inconnu"}).status_code == 404
    assert snapshot(db_url) == before
