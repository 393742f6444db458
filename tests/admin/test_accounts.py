"""/admin/comptes through HTTP: invite (the link shown once, and it works), change a name, role
and directorates, deactivate (the person is signed out at once), reactivate, send a new link
(the old one stops working); each audited with the admin's account as its actor and kept out of
the public change feed. Bad input: its French message next to the field, the right status, and
nothing written."""

import re

from fastapi.testclient import TestClient

from tests.admin.conftest import (
    ADMIN,
    EDITOR,
    People,
    audit_entries,
    field_error,
    notice,
    page_text,
    post,
    refused_each,
    shown_secret,
)
from tests.helpers import snapshot

INVITED = {
    "email": " Ines.Vitee@CAPH.fr ",
    "display_name": "Inès Vitée",
    "role": "editor",
    "directorates": ["ENV", "DEV"],
}


def _invitation_path(link: str) -> str:
    assert re.fullmatch(r"http://testserver/invitation/[A-Za-z0-9_-]{40,}", link), link
    return link.removeprefix("http://testserver")


def test_invite_shows_the_link_once(admin: TestClient, client: TestClient, db_url: str) -> None:
    answer = post(admin, "/admin/comptes", INVITED)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert notice(answer) == "Le compte de ines.vitee@caph.fr a été créé."
    link = shown_secret(answer)
    path = _invitation_path(link)
    # The link is nowhere else: not in the list, not in the database.
    listed = admin.get("/admin/comptes")
    assert path not in listed.text and path.rsplit("/", 1)[1] not in repr(snapshot(db_url))
    assert "Invitation en attente jusqu'au" in page_text(listed)
    assert "ines.vitee@caph.fr" in listed.text and "DEV, ENV" in listed.text
    # It works, for the person invited.
    invitation = client.get(path)
    assert invitation.status_code == 200 and "Inès Vitée" in page_text(invitation)

    [entry] = audit_entries(db_url, "account", _account_id(listed.text, "ines.vitee@caph.fr"))
    assert (entry.action, entry.actor_name) == ("create", ADMIN)
    assert entry.after["directorates"] == ["DEV", "ENV"]  # type: ignore[index]
    feed = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert all(item["entity"] != "account" for item in feed)


def _account_id(html: str, email: str) -> str:
    found = re.search(rf'href="/admin/comptes/(\d+)">{re.escape(email)}<', html)
    assert found is not None
    return found.group(1)


def test_bad_invitations_write_nothing(admin: TestClient, db_url: str) -> None:
    before = snapshot(db_url)
    refused_each(
        admin,
        "/admin/comptes",
        INVITED,
        [
            (
                {"email": "pas-une-adresse"},
                422,
                "email",
                "Adresse électronique invalide : elle s'écrit nom@domaine.fr.",
            ),
            (
                {"email": ""},
                422,
                "email",
                "Adresse électronique invalide : elle s'écrit nom@domaine.fr.",
            ),
            (
                {"email": EDITOR.upper()},
                409,
                "email",
                f"Un compte existe déjà pour l'adresse {EDITOR}.",
            ),
            (
                {"display_name": "  "},
                422,
                "display_name",
                "Le nom affiché est obligatoire, en 200 caractères au plus.",
            ),
            (
                {"display_name": "n" * 201},
                422,
                "display_name",
                "Le nom affiché est obligatoire, en 200 caractères au plus.",
            ),
            (
                {"directorates": []},
                422,
                "directorates",
                "Un compte de rédacteur agit pour au moins une direction.",
            ),
            ({"directorates": ["NOPE"]}, 422, "directorates", "Direction inconnue : NOPE."),
            (
                {"role": "superadmin"},
                422,
                "role",
                "Choisissez un rôle : administration ou rédaction.",
            ),
        ],
    )
    assert snapshot(db_url) == before


def test_change_an_account(
    admin: TestClient, editor: TestClient, db_url: str, people: People
) -> None:
    path = f"/admin/comptes/{people.editor}"
    changed = post(
        admin,
        f"{path}/modifier",
        {"display_name": "Élise D.", "role": "editor", "directorates": ["DEV"]},
    )
    assert changed.status_code == 303 and changed.headers["location"] == f"{path}?fait=modifie"
    page = admin.get(changed.headers["location"])
    assert notice(page) == "Le compte a été modifié."
    assert "Élise D." in page_text(page)
    entry = audit_entries(db_url, "account", str(people.editor))[-1]
    assert (entry.action, entry.actor_name) == ("update", ADMIN)
    assert entry.before["directorates"] == ["ENV"] and entry.after["directorates"] == ["DEV"]  # type: ignore[index]
    # The editor acts for DEV from the next request on.
    assert "Direction du développement économique (DEV)" in page_text(editor.get("/mon-compte"))

    # Made an admin: the directorates are not kept.
    assert (
        post(admin, f"{path}/modifier", {"display_name": "Élise D.", "role": "admin"}).status_code
        == 303
    )
    assert audit_entries(db_url, "account", str(people.editor))[-1].after["role"] == "admin"  # type: ignore[index]


def test_bad_changes_write_nothing(admin: TestClient, db_url: str, people: People) -> None:
    before = snapshot(db_url)
    path = f"/admin/comptes/{people.editor}/modifier"
    fields = {"display_name": "Élise", "role": "editor", "directorates": ["ENV"]}
    refused_each(
        admin,
        path,
        fields,
        [
            (
                {"directorates": []},
                422,
                "directorates",
                "Un compte de rédacteur agit pour au moins une direction.",
            ),
            (
                {"display_name": "x" * 201},
                422,
                "display_name",
                "Le nom affiché est obligatoire, en 200 caractères au plus.",
            ),
            ({"role": ""}, 422, "role", "Choisissez un rôle : administration ou rédaction."),
        ],
    )
    # The last active admin stays an admin, and cannot deactivate themself.
    last = post(admin, f"/admin/comptes/{people.admin}/modifier", fields)
    assert last.status_code == 409
    assert field_error(last, "role") == (
        "C'est le dernier compte administrateur actif : il ne peut pas devenir rédacteur."
    )
    itself = post(admin, f"/admin/comptes/{people.admin}/desactiver")
    assert itself.status_code == 409
    assert "Vous ne pouvez pas désactiver votre propre compte." in page_text(itself)
    assert post(admin, "/admin/comptes/99999/modifier", fields).status_code == 404
    assert admin.get("/admin/comptes/pas-un-nombre").status_code == 422
    assert snapshot(db_url) == before


def test_deactivate_signs_the_person_out_then_reactivate(
    admin: TestClient, editor: TestClient, db_url: str, people: People
) -> None:
    assert editor.get("/mon-compte").status_code == 200
    path = f"/admin/comptes/{people.editor}"
    off = post(admin, f"{path}/desactiver")
    assert off.status_code == 303
    page = admin.get(off.headers["location"])
    assert notice(page).startswith("Le compte a été désactivé")
    assert "Réactiver le compte" in page.text
    gone = editor.get("/mon-compte", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/connexion")
    on = post(admin, f"{path}/reactiver")
    assert on.status_code == 303
    assert notice(admin.get(on.headers["location"])).startswith("Le compte a été réactivé")
    actions = [
        (e.action, e.actor_name, (e.after or {}).get("active"))
        for e in audit_entries(db_url, "account", str(people.editor))
    ]
    assert actions[-2:] == [("update", ADMIN, False), ("update", ADMIN, True)]


def test_a_new_invitation_link_replaces_the_old(
    admin: TestClient, client: TestClient, db_url: str, people: People
) -> None:
    first = _invitation_path(shown_secret(post(admin, "/admin/comptes", INVITED)))
    account = _account_id(admin.get("/admin/comptes").text, "ines.vitee@caph.fr")
    again = post(admin, f"/admin/comptes/{account}/invitation")
    assert again.status_code == 200
    assert notice(again).startswith(
        "Un nouveau lien d'invitation a été fait pour ines.vitee@caph.fr"
    )
    second = _invitation_path(shown_secret(again))
    assert second != first
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    assert audit_entries(db_url, "account", account)[-1].actor_name == ADMIN
    # A deactivated account gets no link.
    before = snapshot(db_url)
    refused = post(admin, f"/admin/comptes/{people.retired}/invitation")
    assert refused.status_code == 409
    assert "Ce compte est désactivé : réactivez-le avant de l'inviter de nouveau." in page_text(
        refused
    )
    assert snapshot(db_url) == before
