"""Authorisation declared at the route (app.api.permissions): every write route declares who may
call it, and answers 401 without a token, 403 to a token that may not, and succeeds with one that
may; the answers keep their order (401, 422, 404, 403, 412).

The data is made by the factories (tests/factories.py) on an empty migrated database: two
directorates, ENV leading an action, a flagship project and an indicator, DEV leading nothing
written here, and a token of each kind. Routes and bodies name it by placeholders ("{action}"…),
filled with the codes the factories chose.
"""

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response

from app.api.permissions import ADMIN_ONLY, Permission, declared
from app.auth.authentication import READ_METHODS
from app.auth.tokens import Actor
from app.core.config import Settings
from app.main import create_app
from app.models import Role
from tests import factories as make
from tests.conftest import Tokens, auth
from tests.helpers import problem, snapshot

ADMIN_ONLY_DETAIL = "Cette opération est réservée aux jetons administrateur."


@dataclass(frozen=True)
class Call:
    """A write route's permission and a request it accepts from a token that holds it."""

    permission: Permission
    url: str  # with placeholders: see Scene
    json: dict[str, Any] | None = None
    csv: str | None = None
    #: The 403 of an editor of DEV (writing what ENV leads); None: the admin-only refusal.
    refusal: str | None = None
    #: A request an admin makes first (method, url with placeholders), for the data it needs.
    setup: tuple[str, str] | None = None


def out_of_scope(code: str, what: str = "modifier") -> str:
    return (
        f"Le jeton « dev-editor » ne peut pas {what} {code} : la direction qui le pilote n'est "
        "pas DEV."
    )


def out_of_scope_to_read(code: str) -> str:
    return out_of_scope(code, "consulter le bilan en attente de")


def pending_calls(kind: str, code: str) -> dict[tuple[str, str], Call]:
    """The writes of a kind's pending report of 2025 (the scene holds a draft of it)."""
    route = f"/api/v1/{kind}/{{code}}/progress/{{year}}/pending"
    url = f"/api/v1/{kind}/{{{code}}}/progress/2025/pending"
    submit = ("POST", f"{url}/submit")
    return {
        ("PUT", route): Call(
            Permission.write_tracking,
            url,
            {"progress": 10, "status": "in_progress"},
            refusal=out_of_scope(f"{{{code}}}"),
        ),
        ("POST", f"{route}/submit"): Call(
            Permission.write_tracking, f"{url}/submit", refusal=out_of_scope(f"{{{code}}}")
        ),
        ("POST", f"{route}/send-back"): Call(
            Permission.admin, f"{url}/send-back", {"comment": "À compléter"}, setup=submit
        ),
        ("POST", f"{route}/validate"): Call(Permission.admin, f"{url}/validate", setup=submit),
    }


#: Every write route of the app, by method and path: what it declares, and a request for it.
CALLS: dict[tuple[str, str], Call] = {
    ("POST", "/api/v1/axes"): Call(
        Permission.admin, "/api/v1/axes", {"engagement": "{engagement}", "title": "Nouvel axe"}
    ),
    ("PATCH", "/api/v1/axes/{code}"): Call(
        Permission.admin, "/api/v1/axes/{axis}", {"title": "Énergies"}
    ),
    ("POST", "/api/v1/actions"): Call(
        Permission.admin, "/api/v1/actions", {"axis": "{axis}", "title": "Un réseau de chaleur"}
    ),
    ("PATCH", "/api/v1/actions/{code}"): Call(
        Permission.write_tracking,
        "/api/v1/actions/{action}",
        {"status": "in_progress"},
        refusal=out_of_scope("{action}"),
    ),
    ("PUT", "/api/v1/actions/{code}/progress/{year}"): Call(
        Permission.write_tracking,
        "/api/v1/actions/{action}/progress/2025",
        {"progress": 20},
        refusal=out_of_scope("{action}"),
    ),
    ("PATCH", "/api/v1/actions/{code}/progress/{year}"): Call(
        Permission.write_tracking,
        "/api/v1/actions/{action}/progress/2025",
        {"progress": 25},
        refusal=out_of_scope("{action}"),
    ),
    **pending_calls("actions", "action"),
    ("POST", "/api/v1/actions/{code}/milestones"): Call(
        Permission.write_tracking,
        "/api/v1/actions/{action}/milestones",
        {"title": "Lancement"},
        refusal=out_of_scope("{action}"),
    ),
    ("POST", "/api/v1/flagship-projects"): Call(
        Permission.admin,
        "/api/v1/flagship-projects",
        {"engagement": "{engagement}", "title": "Maison du climat"},
    ),
    ("PATCH", "/api/v1/flagship-projects/{code}"): Call(
        Permission.write_tracking,
        "/api/v1/flagship-projects/{flagship}",
        {"priority": "high"},
        refusal=out_of_scope("{flagship}"),
    ),
    ("PUT", "/api/v1/flagship-projects/{code}/progress/{year}"): Call(
        Permission.write_tracking,
        "/api/v1/flagship-projects/{flagship}/progress/2025",
        {"progress": 5},
        refusal=out_of_scope("{flagship}"),
    ),
    ("PATCH", "/api/v1/flagship-projects/{code}/progress/{year}"): Call(
        Permission.write_tracking,
        "/api/v1/flagship-projects/{flagship}/progress/2025",
        {"comment": "Étude livrée"},
        refusal=out_of_scope("{flagship}"),
    ),
    **pending_calls("flagship-projects", "flagship"),
    ("POST", "/api/v1/flagship-projects/{code}/milestones"): Call(
        Permission.write_tracking,
        "/api/v1/flagship-projects/{flagship}/milestones",
        {"title": "Étude"},
        refusal=out_of_scope("{flagship}"),
    ),
    ("PATCH", "/api/v1/milestones/{milestone_id}"): Call(
        Permission.write_tracking,
        "/api/v1/milestones/{milestone}",
        {"done": True},
        refusal=out_of_scope("{action}"),
    ),
    ("DELETE", "/api/v1/milestones/{milestone_id}"): Call(
        Permission.write_tracking,
        "/api/v1/milestones/{milestone}",
        refusal=out_of_scope("{action}"),
    ),
    ("POST", "/api/v1/indicators"): Call(
        Permission.admin,
        "/api/v1/indicators",
        {"code": "IND-NEW", "name": "Nouvel indicateur", "direction": "increase"},
    ),
    ("PATCH", "/api/v1/indicators/{code}"): Call(
        Permission.admin, "/api/v1/indicators/{indicator}", {"unit": "pts"}
    ),
    ("PUT", "/api/v1/indicators/{code}/values/{year}"): Call(
        Permission.write_tracking,
        "/api/v1/indicators/{indicator}/values/2025",
        {"value": 3},
        refusal=out_of_scope("{indicator}", "saisir les valeurs de"),
    ),
    ("POST", "/api/v1/directorates"): Call(
        Permission.admin,
        "/api/v1/directorates",
        {"code": "CULT", "name": "Direction de la culture"},
    ),
    ("PATCH", "/api/v1/directorates/{code}"): Call(
        Permission.admin, "/api/v1/directorates/ENV", {"name": "Direction de l'écologie"}
    ),
    ("POST", "/api/v1/campaigns"): Call(
        Permission.admin,
        "/api/v1/campaigns",
        {"year": 2026, "deadline": "2027-03-31"},
        setup=("POST", "/api/v1/campaigns/2025/close"),  # one campaign open at a time
    ),
    ("PATCH", "/api/v1/campaigns/{year}"): Call(
        Permission.admin, "/api/v1/campaigns/2025", {"message": "Échéance repoussée"}
    ),
    ("POST", "/api/v1/campaigns/{year}/close"): Call(
        Permission.admin, "/api/v1/campaigns/2025/close"
    ),
    ("POST", "/api/v1/progress/import"): Call(
        Permission.write_tracking,
        "/api/v1/progress/import",
        csv="trackable_code,year,progress\n{action},2025,10\n",
        refusal="Le jeton « dev-editor » ne peut pas faire le bilan de {action} : hors du "
        "périmètre de DEV. Rien n'a été écrit.",
    ),
}


def _calls(dependant: Any) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def write_routes(app: Any) -> dict[tuple[str, str], set[Permission]]:
    """Every write operation of the API, found by walking its routes, with the permissions its
    dependencies declare. (The pages' forms are checked for their CSRF token instead:
    tests/web/test_sign_in.py.)"""
    found: dict[tuple[str, str], set[Permission]] = {}
    for route in iter_route_contexts(app.router.routes):
        if not isinstance(route.original_route, APIRoute) or not (route.path or "").startswith(
            "/api/"
        ):
            continue
        for method in (route.methods or set()) - READ_METHODS:
            permissions = {p for call in _calls(route.dependant) if (p := declared(call))}
            found[(method, route.path or "")] = permissions
    return found


def test_every_write_route_declares_one_permission(tmp_path: Path) -> None:
    found = write_routes(create_app(Settings(database_url=f"sqlite:///{tmp_path}/routes.db")))
    assert len(found) >= 18  # the walk found the routes
    assert found == {key: {call.permission} for key, call in CALLS.items()}


def test_the_permissions_are_declared_once() -> None:
    """The vocabulary, and what each permission asks of the token's role before any data."""
    assert [p.value for p in Permission] == ["admin", "write_tracking"]
    assert {"title", "lead_directorate", "weight", "axis", "engagement"} <= ADMIN_ONLY
    assert {"competences", "leviers"} <= ADMIN_ONLY  # the national classification
    editor = Actor(name="e", role=Role.editor, directorate_ids=frozenset({1}))
    admin = Actor(name="a", role=Role.admin)
    assert editor.may_write(1) and not editor.may_write(2) and not editor.may_write(None)
    assert admin.may_write(2) and admin.may_write(None)


# --- 401, 403 and success on every write route ---------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """What the factories made; its fields fill the placeholders of routes and bodies."""

    engagement: str
    axis: str
    action: str  # led by ENV
    flagship: str  # led by ENV
    indicator: str  # led by ENV
    milestone: int  # of the action
    keys: Tokens

    def fill(self, text: str) -> str:
        fields = {k: v for k, v in asdict(self).items() if k != "keys"}
        return text.format(**fields)


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """This module's database is an empty migrated one (``client`` and snapshots use it)."""
    return empty_db_url


@pytest.fixture
def scene(db_url: str) -> Scene:
    with make.session_on(db_url) as session:
        env = make.directorate(session, code="ENV", name="Direction de l'environnement")
        dev = make.directorate(session, code="DEV", name="Direction du développement")
        engagement = make.engagement(session)
        axis = make.axis(session, engagement=engagement)
        action = make.action(session, axis=axis, lead=env)
        make.action(session, axis=axis, lead=dev)  # DEV leads something, elsewhere
        flagship = make.flagship_project(session, engagement=engagement, lead=env)
        indicator = make.indicator(session, lead=env, measures=[action])
        milestone = make.milestone(session, trackable=action, title="Étude de potentiel")
        # The campaign of 2025 open (editors write within it), and what the writes of a yearly
        # report change: the report published, a draft pending.
        make.campaign(session, year=2025)
        for trackable in (action, flagship):
            make.report(session, trackable=trackable, year=2025)
            make.pending_report(session, trackable=trackable, year=2025)
        keys = make.keys(session, env=env, dev=dev)
        session.commit()
        assert milestone.id is not None
        return Scene(
            engagement=engagement.code,
            axis=axis.code,
            action=action.code,
            flagship=flagship.code,
            indicator=indicator.code,
            milestone=milestone.id,
            keys=keys,
        )


def send(client: TestClient, method: str, call: Call, token: str | None, scene: Scene) -> Response:
    headers = auth(token) if token else {}
    url = scene.fill(call.url)
    if call.csv is not None:
        headers["Content-Type"] = "text/csv"
        return client.request(method, url, content=scene.fill(call.csv).encode(), headers=headers)
    json = call.json and {
        k: scene.fill(v) if isinstance(v, str) else v for k, v in call.json.items()
    }
    return client.request(method, url, json=json, headers=headers)


@pytest.mark.parametrize("key", list(CALLS), ids=" ".join)
def test_401_then_403_then_success(
    client: TestClient, scene: Scene, db_url: str, key: tuple[str, str]
) -> None:
    method, call, keys = key[0], CALLS[key], scene.keys
    if call.setup is not None:
        made = client.request(call.setup[0], scene.fill(call.setup[1]), headers=auth(keys.admin))
        assert made.status_code == 200, made.text
    before = snapshot(db_url)

    anonymous = send(client, method, call, None, scene)
    assert problem(anonymous, 401, "unauthorized")["detail"] == (
        "Cette opération demande un jeton : Authorization: Bearer <jeton>."
    )
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    for token in ("bsl_not-a-token", keys.revoked):
        refused = send(client, method, call, token, scene)
        assert problem(refused, 401)["detail"] == "Jeton invalide ou révoqué."

    if call.permission == Permission.admin:
        for token in (keys.env, keys.dev):  # an editor, even of the directorate concerned
            forbidden = send(client, method, call, token, scene)
            assert problem(forbidden, 403, "forbidden")["detail"] == ADMIN_ONLY_DETAIL
        allowed_token = keys.admin
    else:
        forbidden = send(client, method, call, keys.dev, scene)  # editor of another directorate
        assert call.refusal is not None
        assert problem(forbidden, 403, "forbidden")["detail"] == scene.fill(call.refusal)
        allowed_token = keys.env  # editor of the lead directorate
    assert snapshot(db_url) == before

    allowed = send(client, method, call, allowed_token, scene)
    assert allowed.status_code in (200, 201, 202, 204), allowed.text


#: The reads that need a token: the reports not yet published (app.campaigns).
PRIVATE_READS = (
    ("/api/v1/actions/{action}/progress/2025/pending", out_of_scope_to_read("{action}")),
    (
        "/api/v1/flagship-projects/{flagship}/progress/2025/pending",
        out_of_scope_to_read("{flagship}"),
    ),
    ("/api/v1/pending-reports", None),
)


@pytest.mark.parametrize(("url", "refusal"), PRIVATE_READS, ids=[url for url, _ in PRIVATE_READS])
def test_pending_reports_are_read_with_a_token_in_its_scope(
    client: TestClient, scene: Scene, url: str, refusal: str | None
) -> None:
    url, keys = scene.fill(url), scene.keys
    anonymous = client.get(url)
    assert problem(anonymous, 401, "unauthorized")["detail"] == (
        "Cette opération demande un jeton : Authorization: Bearer <jeton>."
    )
    for token in ("bsl_not-a-token", keys.revoked):
        assert problem(client.get(url, headers=auth(token)), 401)["detail"] == (
            "Jeton invalide ou révoqué."
        )
    dev = client.get(url, headers=auth(keys.dev))
    if refusal is None:  # the list: what the token's directorates lead, nothing here
        assert dev.status_code == 200 and dev.json()["items"] == []
    else:
        assert problem(dev, 403, "forbidden")["detail"] == scene.fill(refusal)
    for token in (keys.env, keys.admin):
        allowed = client.get(url, headers=auth(token))
        assert allowed.status_code == 200, allowed.text
        assert "draft" in allowed.text


# --- The order of the answers ------------------------------------------------------------------


def test_an_unknown_object_is_404_before_any_scope(client: TestClient, scene: Scene) -> None:
    for method, url, body, entity, code in (
        ("PATCH", "/api/v1/actions/E9.9.9", {}, "action", "E9.9.9"),
        ("PUT", "/api/v1/actions/E9.9.9/progress/2030", {"progress": 1}, "action", "E9.9.9"),
        ("PATCH", "/api/v1/actions/E9.9.9/progress/2030", {"progress": 1}, "action", "E9.9.9"),
        ("POST", "/api/v1/flagship-projects/PP99/milestones", {"title": "x"}, None, "PP99"),
        ("PATCH", "/api/v1/milestones/999999", {"done": True}, "milestone", "999999"),
        ("DELETE", "/api/v1/milestones/999999", None, "milestone", "999999"),
        ("PUT", "/api/v1/indicators/IND-NOPE/values/2025", {"value": 1}, "indicator", "IND-NOPE"),
    ):
        response = client.request(method, url, json=body, headers=auth(scene.keys.dev))
        refusal = problem(response, 404, "not-found")
        entity = entity or "flagship project"
        assert (refusal["entity"], refusal["code"]) == (entity, code)
        assert refusal["detail"].endswith(f" « {code} » introuvable."), refusal


def test_invalid_input_is_422_before_404_or_403(client: TestClient, scene: Scene) -> None:
    """FastAPI validates the path, query and body before the route loads what it writes."""
    action, indicator = scene.action, scene.indicator
    for method, url, body in (
        ("PUT", f"/api/v1/actions/{action}/progress/2030", {"progress": 101}),
        ("PUT", f"/api/v1/actions/{action}/progress/2099", {"progress": 1}),
        ("PUT", "/api/v1/actions/E9.9.9/progress/2030", {"progress": 101}),
        ("PATCH", "/api/v1/actions/E9.9.9/progress/2030", {"progress": 101}),
        ("POST", f"/api/v1/actions/{action}/milestones", {}),
        ("PATCH", f"/api/v1/actions/{action}", {"status": "sleeping"}),
        ("DELETE", "/api/v1/milestones/0", None),
        ("PUT", f"/api/v1/indicators/{indicator}/values/2025", {"value": "beaucoup"}),
        ("PUT", "/api/v1/indicators/IND-NOPE/values/2025?commune=Denain", {"value": 1}),
    ):
        response = client.request(method, url, json=body, headers=auth(scene.keys.dev))
        assert response.status_code == 422, (method, url, response.text)


def test_admin_routes_refuse_editors_before_reading_the_request(
    client: TestClient, scene: Scene
) -> None:
    response = client.post("/api/v1/axes", json={"title": 3}, headers=auth(scene.keys.env))
    assert problem(response, 403)["detail"] == ADMIN_ONLY_DETAIL


def test_a_malformed_if_match_is_400_before_the_scope(client: TestClient, scene: Scene) -> None:
    response = client.patch(
        f"/api/v1/actions/{scene.action}",
        json={"status": "in_progress"},
        headers={**auth(scene.keys.dev), "If-Match": "garbage"},
    )
    assert response.status_code == 400, response.text


def test_the_scope_is_403_before_a_stale_if_match(client: TestClient, scene: Scene) -> None:
    stale = {"If-Match": '"99"'}
    action, milestone, keys = scene.action, scene.milestone, scene.keys
    for method, url, body in (
        ("PATCH", f"/api/v1/actions/{action}", {"status": "in_progress"}),
        ("PUT", f"/api/v1/actions/{action}/progress/2025", {"progress": 1}),
        ("PATCH", f"/api/v1/actions/{action}/progress/2025", {"progress": 1}),
        (
            "PUT",
            f"/api/v1/actions/{action}/progress/2025/pending",
            {"progress": 1, "status": "planned"},
        ),
        ("POST", f"/api/v1/actions/{action}/progress/2025/pending/submit", None),
        ("PATCH", f"/api/v1/milestones/{milestone}", {"done": True}),
        ("DELETE", f"/api/v1/milestones/{milestone}", None),
    ):
        refused = client.request(method, url, json=body, headers={**auth(keys.dev), **stale})
        assert problem(refused, 403)["detail"] == out_of_scope(action), (method, url)
        late = client.request(method, url, json=body, headers={**auth(keys.env), **stale})
        assert late.status_code == 412, (method, url, late.text)


def test_editors_may_not_change_the_admin_only_fields(client: TestClient, scene: Scene) -> None:
    url, keys = f"/api/v1/actions/{scene.action}", scene.keys
    body = {"title": "Autonomie", "lead_directorate": "DEV", "status": "in_progress"}
    # Out of the token's scope first, then the fields it may not change.
    dev = client.patch(url, json=body, headers=auth(keys.dev))
    assert problem(dev, 403)["detail"] == out_of_scope(scene.action)
    env = client.patch(url, json=body, headers=auth(keys.env))
    assert problem(env, 403)["detail"] == (
        "Seuls les jetons administrateur peuvent modifier : lead_directorate, title."
    )
    flagship = client.patch(
        f"/api/v1/flagship-projects/{scene.flagship}",
        json={"actions": [], "weight": 2},
        headers={**auth(keys.env), "If-Match": '"99"'},
    )
    # Before the stale If-Match.
    assert problem(flagship, 403)["detail"] == (
        "Seuls les jetons administrateur peuvent modifier : actions, weight."
    )
    admin = client.patch(url, json=body, headers=auth(keys.admin))
    assert admin.status_code == 200, admin.text
    assert admin.json()["lead_directorate"] == "DEV"


def test_only_admins_set_the_national_classification(client: TestClient, scene: Scene) -> None:
    """competences (M57) and leviers (SGPE): admin only, on actions and flagship projects."""
    keys = scene.keys
    body = {"competences": ["90-21"], "leviers": ["Vélo"]}
    for url in (f"/api/v1/actions/{scene.action}", f"/api/v1/flagship-projects/{scene.flagship}"):
        editor = client.patch(url, json=body, headers=auth(keys.env))
        assert problem(editor, 403)["detail"] == (
            "Seuls les jetons administrateur peuvent modifier : competences, leviers."
        )
        admin = client.patch(url, json=body, headers=auth(keys.admin))
        assert admin.status_code == 200, admin.text
        assert (admin.json()["competences"], admin.json()["leviers"]) == (["90-21"], ["Vélo"])


def test_the_import_reads_the_file_before_the_scope(client: TestClient, scene: Scene) -> None:
    """Who leads each row is known once the file is read: bad rows first (422), then 403."""
    headers = {**auth(scene.keys.dev), "Content-Type": "text/csv"}
    bad = f"trackable_code,year,progress\n{scene.action},2025,cent\n"
    response = client.post("/api/v1/progress/import", content=bad.encode(), headers=headers)
    assert response.status_code == 422, response.text
