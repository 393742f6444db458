"""Who may use the admin pages, through HTTP: for every route, a visitor is sent to sign in, an
editor gets the French 403 page, an admin the page; every form posted without its CSRF token, with
a wrong one or as JSON gets 403; each refusal writes nothing (every row compared), and the same
form with its token does write (so the refusals are not vacuous)."""

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from app.core.security import CSRF_COOKIE
from tests.admin.conftest import People, page_text, post
from tests.admin.test_campaigns import ROUTES as CAMPAIGN_ROUTES
from tests.helpers import csrf_token, snapshot

#: Every page: its route, and the path of an example.
PAGES = {
    "/admin/": "/admin/",
    "/admin/directions": "/admin/directions",
    "/admin/directions/{code}": "/admin/directions/ENV",
    "/admin/comptes": "/admin/comptes",
    "/admin/comptes/{account_id}": "/admin/comptes/{editor}",
    "/admin/pilotage": "/admin/pilotage",
    "/admin/jetons": "/admin/jetons",
}
#: Every form: its route, the path of an example and fields that the admin may post.
FORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "/admin/directions": ("/admin/directions", {"code": "NEW", "name": "Nouvelle direction"}),
    "/admin/directions/{code}/nom": ("/admin/directions/ENV/nom", {"name": "Environnement"}),
    "/admin/directions/{code}/archiver": ("/admin/directions/DEV/archiver", {}),
    "/admin/directions/{code}/restaurer": ("/admin/directions/OLD/restaurer", {}),
    "/admin/comptes": (
        "/admin/comptes",
        {
            "email": "nouvelle@caph.fr",
            "display_name": "Nouvelle",
            "role": "editor",
            "directorates": "ENV",
        },
    ),
    "/admin/comptes/{account_id}/modifier": (
        "/admin/comptes/{editor}/modifier",
        {"display_name": "Élise D.", "role": "editor", "directorates": ["ENV", "DEV"]},
    ),
    "/admin/comptes/{account_id}/desactiver": ("/admin/comptes/{editor}/desactiver", {}),
    "/admin/comptes/{account_id}/reactiver": ("/admin/comptes/{retired}/reactiver", {}),
    "/admin/comptes/{account_id}/invitation": ("/admin/comptes/{editor}/invitation", {}),
    "/admin/pilotage": ("/admin/pilotage", {"codes": "{action}", "lead": "DEV"}),
    "/admin/jetons": (
        "/admin/jetons",
        {"name": "machine-dev", "role": "editor", "directorates": "DEV"},
    ),
    "/admin/jetons/revoquer": ("/admin/jetons/revoquer", {"name": "machine-env"}),
}


def _fill(value: Any, people: People) -> Any:
    names = {"editor": people.editor, "retired": people.retired, "action": people.action}
    if isinstance(value, list):
        return [_fill(v, people) for v in value]
    return value.format(**names) if isinstance(value, str) else value


def test_every_admin_route_is_checked(client: TestClient) -> None:
    routes = {
        (method, route.path)
        for route in iter_route_contexts(client.app.router.routes)  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute) and (route.path or "").startswith("/admin")
        for method in route.methods or ()
    }
    # The campaigns' pages are checked the same way on their data (tests/admin/test_campaigns.py).
    expected = {("GET", p) for p in PAGES} | {("POST", p) for p in FORMS} | set(CAMPAIGN_ROUTES)
    assert routes == expected


@pytest.mark.parametrize("route", PAGES)
def test_a_page_is_for_admins_only(
    route: str,
    client: TestClient,
    admin: TestClient,
    editor: TestClient,
    people: People,
) -> None:
    path = _fill(PAGES[route], people)
    sent = client.get(path, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/connexion?suivant={quote(path, safe='/')}"
    refused = editor.get(path)
    assert refused.status_code == 403 and "Accès réservé" in refused.text
    assert refused.headers["Cache-Control"] == "private, no-store"
    shown = admin.get(path)
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert "form-action 'self'" in shown.headers["Content-Security-Policy"]
    assert 'aria-current="page"' in shown.text  # the administration's menu


@pytest.mark.parametrize("route", FORMS)
def test_a_form_needs_an_admin_and_its_csrf_token(
    route: str,
    db_url: str,
    client: TestClient,
    admin: TestClient,
    editor: TestClient,
    people: People,
) -> None:
    template, fields = FORMS[route]
    path = _fill(template, people)
    data = {name: _fill(value, people) for name, value in fields.items()}
    anonymous_token = csrf_token(client.get("/connexion").text)
    before = snapshot(db_url)

    # A visitor: 403 without the token; with the double-submit pair, sent to sign in.
    assert client.post(path, data=data, follow_redirects=False).status_code == 403
    sent = client.post(path, data=data | {"csrf_token": anonymous_token}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/connexion")
    # An editor, with the token of their session: the French 403 page.
    refused = post(editor, path, data)
    assert refused.status_code == 403 and "Accès réservé" in refused.text
    # The admin without the right token, or as JSON.
    for token in ({}, {"csrf_token": "faux"}, {"csrf_token": admin.cookies.get(CSRF_COOKIE) or ""}):
        refused = admin.post(path, data=data | token, follow_redirects=False)
        assert refused.status_code == 403 and "Formulaire refusé" in refused.text, token
    as_json = admin.post(path, json=data | {"csrf_token": csrf_token(admin.get("/admin/").text)})
    assert as_json.status_code == 403
    assert snapshot(db_url) == before

    done = post(admin, path, data)
    assert done.status_code in (200, 303), done.text
    assert done.headers["Cache-Control"] == "private, no-store"
    assert snapshot(db_url) != before


def test_the_overview_counts_what_each_page_holds(admin: TestClient) -> None:
    text = page_text(admin.get("/admin/"))
    assert "2 directions en service, 1 archivée." in text
    assert "1 compte d'administration, 1 compte de rédaction ; 1 compte désactivé." in text
    assert "1 jeton actif." in text
    found = re.search(r"(\d+) actions et projets phares, dont <a [^>]+>(\d+) sans direction", text)
    assert found is not None and 0 < int(found.group(2)) < int(found.group(1))
