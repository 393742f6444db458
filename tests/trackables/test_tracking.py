"""Tracking: scoped tokens, yearly progress, milestones, If-Match, audit trail, bad input.

The data is made by the factories (``make.leads``: ENV and DEV each leading an action of one
engagement, ENV also its flagship project, a token of each kind), added to the seeded database
(whose communes and values the bodies name). Routes and bodies name it by placeholders
("{action}"…), filled with the codes the factories chose.
"""

from dataclasses import asdict
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from app import revision
from app.core.db import make_engine
from app.models import AuditEntry
from app.trackables import progress
from tests import factories as make
from tests.conftest import Tokens, auth
from tests.helpers import field_errors, problem, snapshot


@pytest.fixture
def keys(scene: make.Leads) -> Tokens:
    """The scene's tokens (tests/conftest.py's lean on the real plan's codes)."""
    return scene.keys


def audit_count(db_url: str) -> int:
    engine = make_engine(db_url)
    with Session(engine) as session:
        count = session.scalar(select(func.count(col(AuditEntry.id)))) or 0
    engine.dispose()
    return count


def make_milestone(client: TestClient, token: str, code: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/actions/{code}/milestones",
        json={"title": "Étude de potentiel", "planned_on": "2025-06-30"},
        headers=auth(token),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def open_campaign(db_url: str) -> None:
    """The campaign of 2025, open: editors file their reports of 2025 within it."""
    with make.session_on(db_url) as session:
        make.campaign(session, year=2025)
        session.commit()


# --- Scope: 401, 403, success on every write route ----------------------------------------------

# Routes an editor of the lead directorate may use: (method, path, body).
EDITOR_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("PATCH", "/api/v1/actions/{action}", {"status": "in_progress"}),
    ("PUT", "/api/v1/actions/{action}/progress/2025", {"progress": 20}),
    ("POST", "/api/v1/actions/{action}/milestones", {"title": "Lancement"}),
    ("PATCH", "/api/v1/milestones/{milestone}", {"done": True}),
    ("DELETE", "/api/v1/milestones/{milestone}", None),
    ("PATCH", "/api/v1/flagship-projects/{flagship}", {"priority": "high"}),
    ("PUT", "/api/v1/flagship-projects/{flagship}/progress/2025", {"progress": 5}),
    ("POST", "/api/v1/flagship-projects/{flagship}/milestones", {"title": "Étude"}),
]
# Routes reserved to admins.
ADMIN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/v1/actions", {"axis": "{axis}", "title": "Créer un réseau de chaleur"}),
    (
        "POST",
        "/api/v1/flagship-projects",
        {"engagement": "{engagement}", "title": "Maison du climat"},
    ),
    ("POST", "/api/v1/axes", {"engagement": "{engagement}", "title": "Nouvel axe"}),
    ("PATCH", "/api/v1/axes/{axis}", {"title": "Énergies"}),
    ("POST", "/api/v1/directorates", {"code": "CULT", "name": "Direction de la culture"}),
    ("PATCH", "/api/v1/directorates/ENV", {"name": "Direction de la transition écologique"}),
    ("PATCH", "/api/v1/actions/{action}", {"title": "Autonomie énergétique"}),
    ("PATCH", "/api/v1/actions/{action}", {"lead_directorate": "DEV"}),
]


def call(
    client: TestClient,
    route: tuple[str, str, dict[str, Any] | None],
    token: str | None,
    scene: make.Leads,
    milestone: int | None = None,
) -> Any:
    """Send ``route`` with its placeholders filled from ``scene`` (and ``milestone``)."""
    method, path, body = route
    fields = {**asdict(scene), "milestone": milestone}
    if body is not None:
        body = {k: v.format(**fields) if isinstance(v, str) else v for k, v in body.items()}
    headers = auth(token) if token else {}
    return client.request(method, path.format(**fields), json=body, headers=headers)


@pytest.mark.parametrize("route", EDITOR_ROUTES + ADMIN_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_write_without_a_valid_token_is_401(client, scene, keys, db_url, route):
    milestone = make_milestone(client, keys.admin, scene.action)["id"]
    before = snapshot(db_url)
    for token in (None, "bsl_not-a-token", keys.revoked):
        response = call(client, route, token, scene, milestone)
        assert response.status_code == 401, (token, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert snapshot(db_url) == before


@pytest.mark.parametrize("route", EDITOR_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_editor_of_another_directorate_is_403_and_lead_editor_succeeds(
    client, scene, keys, db_url, route
):
    milestone = make_milestone(client, keys.admin, scene.action)["id"]
    open_campaign(db_url)  # an editor's yearly report is filed within it (202)
    before, audits = snapshot(db_url), audit_count(db_url)
    refused = call(client, route, keys.dev, scene, milestone)
    assert "ne peut pas modifier" in problem(refused, 403, "forbidden")["detail"]
    assert snapshot(db_url) == before
    allowed = call(client, route, keys.env, scene, milestone)
    assert allowed.status_code in (200, 201, 202, 204), allowed.text
    assert audit_count(db_url) == audits + 1


@pytest.mark.parametrize("route", EDITOR_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_admin_may_write_anything(client, scene, keys, db_url, route):
    milestone = make_milestone(client, keys.admin, scene.action)["id"]
    audits = audit_count(db_url)
    response = call(client, route, keys.admin, scene, milestone)
    assert response.status_code in (200, 201, 204), response.text
    assert audit_count(db_url) == audits + 1


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: f"{r[0]} {r[1]} {r[2]}")
def test_admin_routes_refuse_editors(client, scene, keys, db_url, route):
    before, audits = snapshot(db_url), audit_count(db_url)
    for token in (keys.env, keys.dev):
        assert call(client, route, token, scene).status_code == 403
    assert snapshot(db_url) == before
    response = call(client, route, keys.admin, scene)
    assert response.status_code in (200, 201), response.text
    assert audit_count(db_url) == audits + 1


def test_reads_stay_public(client, scene, keys):
    # Public reads ignore the token; the history, whose answer depends on it, checks it.
    assert client.get(f"/api/v1/actions/{scene.action}").status_code == 200
    assert client.get(f"/api/v1/actions/{scene.action}", headers=auth("nope")).status_code == 200
    history = f"/api/v1/actions/{scene.action}/history"
    assert client.get(history).status_code == 200
    assert client.get(history, headers=auth("nope")).status_code == 401
    assert client.get(history, headers=auth(keys.dev)).status_code == 200


# --- A directorate's year of reporting ----------------------------------------------------------


def test_a_directorate_takes_its_action_through_a_year(client, scene, keys, db_url):
    open_campaign(db_url)
    headers = auth(keys.env)
    action = client.get(f"/api/v1/actions/{scene.action}")
    assert action.json()["lead_directorate"] == "ENV"
    etag = action.headers["ETag"]

    update = client.patch(
        f"/api/v1/actions/{scene.action}",
        json={
            "status": "in_progress",
            "priority": "high",
            "planned_start": "2024-01-01",
            "planned_end": "2030-12-31",
            "description": "Schéma directeur des énergies renouvelables",
            "partners": ["ADEME", "Région Hauts-de-France"],
            "communes": ["59172", "59526"],
            "values": ["V5"],
        },
        headers={**headers, "If-Match": etag},
    )
    assert update.status_code == 200, update.text
    body = update.json()
    assert (body["status"], body["status_label"]) == ("in_progress", "En cours")
    assert body["partners"] == ["ADEME", "Région Hauts-de-France"]
    assert body["communes"] == ["59172", "59526"]
    assert body["version"] == 2
    assert update.headers["ETag"] == '"2"'

    report = client.put(
        f"/api/v1/actions/{scene.action}/progress/2025",
        json={
            "progress": 35,
            "comment": "Deux parcs solaires en service",
            "budget_planned_investment": 1_200_000,
            "budget_planned_operating": 80_000,
            "budget_spent_investment": 950_000,
        },
        headers=headers,
    )
    # Filed for validation (not public yet), then published by an admin.
    assert report.status_code == 202, report.text
    assert report.json()["state"] == "submitted"
    assert client.get(f"/api/v1/actions/{scene.action}/progress/2025").status_code == 404
    validated = client.post(
        f"/api/v1/actions/{scene.action}/progress/2025/pending/validate", headers=auth(keys.admin)
    )
    assert validated.status_code == 200, validated.text
    report = client.get(f"/api/v1/actions/{scene.action}/progress/2025", headers=headers)
    assert report.json()["budget_planned"] == 1_280_000
    assert report.json()["budget_spent"] == 950_000
    assert report.json()["status"] == "in_progress"  # defaults to the action's status
    assert report.json()["reported_by"] == "env-editor"

    milestone = make_milestone(client, keys.env, scene.action)
    done = client.patch(
        f"/api/v1/milestones/{milestone['id']}",
        json={"done": True, "achieved_on": "2025-05-20"},
        headers={**headers, "If-Match": f'"{milestone["version"]}"'},
    )
    assert done.status_code == 200 and done.json()["done"] is True

    action = client.get(f"/api/v1/actions/{scene.action}").json()
    assert (action["progress"], action["progress_year"]) == (35, 2025)
    assert client.get("/api/v1/actions", params={"value": "V5"}).json()["total"] == 1
    assert client.get("/api/v1/actions", params={"directorate": "ENV"}).json()["total"] == 1
    assert client.get("/api/v1/actions", params={"status": "in_progress"}).json()["total"] == 1
    assert [p["name"] for p in client.get("/api/v1/partners").json()["items"]] == [
        "ADEME",
        "Région Hauts-de-France",
    ]

    history = client.get(f"/api/v1/actions/{scene.action}/history", headers=headers).json()
    assert [(h["entity"], h["action"]) for h in history["items"]] == [
        ("milestone", "update"),
        ("milestone", "create"),
        ("progress_report", "create"),
        ("action", "update"),
        ("action", "create"),  # by the factory
    ]
    assert (history["items"][4]["actor"], history["items"][4]["actor_role"]) == ("factory", "admin")
    assert history["items"][3]["before"]["status"] == "planned"
    assert history["items"][3]["after"]["status"] == "in_progress"
    assert history["items"][0]["actor"] == "env-editor"
    assert history["items"][2]["actor"] == "admin"  # who published the report
    anonymous = client.get(f"/api/v1/actions/{scene.action}/history").json()
    assert anonymous["items"][0]["actor"] is None
    assert anonymous["items"][0]["actor_directorates"] == ["ENV"]


def test_yearly_reports_2024_to_2030_and_current_progress(client, scene, keys):
    for year, value in zip(range(2024, 2031), (5, 12, 20, 20, 41, 55, 70), strict=True):
        response = client.put(
            f"/api/v1/actions/{scene.action}/progress/{year}",
            json={"progress": value},
            headers=auth(keys.admin),
        )
        assert response.status_code == 201
    reports = client.get(f"/api/v1/actions/{scene.action}/progress").json()
    assert [r["year"] for r in reports] == list(range(2024, 2031))
    action = client.get(f"/api/v1/actions/{scene.action}").json()
    assert (action["progress"], action["progress_year"]) == (70, 2030)
    # Replacing an earlier year does not change the current progress.
    replaced = client.put(
        f"/api/v1/actions/{scene.action}/progress/2026",
        json={"progress": 25, "status": "delayed"},
        headers=auth(keys.admin),
    )
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2
    assert client.get(f"/api/v1/actions/{scene.action}").json()["progress"] == 70
    listed = client.get("/api/v1/actions", params={"axis": scene.axis}).json()["items"]
    assert {a["code"]: a["progress"] for a in listed} == {scene.sibling: None, scene.action: 70}
    tree = client.get("/api/v1/tree").json()
    (engagement,) = [e for e in tree["engagements"] if e["code"] == scene.engagement]
    (axis,) = [a for a in engagement["axes"] if a["code"] == scene.axis]
    assert [(a["code"], a["progress"]) for a in axis["actions"]] == [
        (scene.sibling, None),
        (scene.action, 70),
    ]


# --- No lost updates ----------------------------------------------------------------------------


def test_stale_if_match_is_412_with_the_current_version(client, scene, keys, db_url):
    etag = client.get(f"/api/v1/actions/{scene.action}").headers["ETag"]
    first = client.patch(
        f"/api/v1/actions/{scene.action}",
        json={"status": "in_progress"},
        headers={**auth(keys.env), "If-Match": etag},
    )
    assert first.status_code == 200
    before = snapshot(db_url)
    second = client.patch(
        f"/api/v1/actions/{scene.action}",
        json={"status": "blocked"},
        headers={**auth(keys.admin), "If-Match": etag},
    )
    assert second.status_code == 412
    assert second.json()["current_version"] == 2
    assert snapshot(db_url) == before


def test_stale_if_match_on_progress_and_milestones(client, scene, keys, db_url):
    url = f"/api/v1/actions/{scene.action}/progress/2025"
    created = client.put(url, json={"progress": 10}, headers=auth(keys.admin))
    etag = created.headers["ETag"]
    assert client.get(url).headers["ETag"].startswith(etag.rstrip('"') + ".r")  # "1.r<revision>"
    ok = client.put(url, json={"progress": 15}, headers={**auth(keys.admin), "If-Match": etag})
    assert ok.status_code == 200
    stale = client.put(url, json={"progress": 99}, headers={**auth(keys.admin), "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    missing = client.put(
        f"/api/v1/actions/{scene.action}/progress/2026",
        json={"progress": 1},
        headers={**auth(keys.admin), "If-Match": '"1"'},
    )
    assert missing.status_code == 412  # If-Match on a report that does not exist yet
    milestone = make_milestone(client, keys.env, scene.action)
    path = f"/api/v1/milestones/{milestone['id']}"
    client.patch(path, json={"title": "Étude livrée"}, headers=auth(keys.env))
    before = snapshot(db_url)
    for method, body in (("PATCH", {"done": True}), ("DELETE", None)):
        response = client.request(
            method, path, json=body, headers={**auth(keys.env), "If-Match": '"1"'}
        )
        assert response.status_code == 412
    assert snapshot(db_url) == before
    assert client.get(f"/api/v1/actions/{scene.action}/progress/2025").json()["progress"] == 15


def _another_writer_between_the_read_and_the_lock(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Make the first optimistic read of a report (before the revision's lock) stale at once:
    another writer's change of it, as the database then sees it. Returns, call by call, whether
    each write read optimistically."""
    calls: list[bool] = []
    real_write, real_find = progress.write, progress.find

    def write(**kwargs: Any) -> Any:
        calls.append(kwargs.get("optimistic", True))
        return real_write(**kwargs)

    def find(session: Session, trackable: Any, year: int) -> Any:
        report = real_find(session, trackable, year)
        if report is not None and len(calls) == 1 and not revision.is_writing(session):
            revision.touch(session, structure=False)
            session.execute(
                text("UPDATE progress_report SET version = version + 1 WHERE id = :id"),
                {"id": report.id},
            )
        return report

    monkeypatch.setattr(progress, "write", write)
    monkeypatch.setattr(progress, "find", find)
    return calls


def test_a_report_written_meanwhile_is_written_again_under_the_lock(
    client, scene, keys, db_url, monkeypatch
):
    url = f"/api/v1/actions/{scene.action}/progress/2025"
    assert client.put(url, json={"progress": 10}, headers=auth(keys.admin)).status_code == 201
    audits = audit_count(db_url)
    calls = _another_writer_between_the_read_and_the_lock(monkeypatch)
    # Without If-Match the last writer wins: read again under the lock, written, no error.
    response = client.put(url, json={"progress": 40}, headers=auth(keys.admin))
    assert response.status_code == 200, response.text
    assert calls == [True, False]
    assert client.get(url).json()["progress"] == 40
    assert audit_count(db_url) == audits + 1
    # With If-Match, the version named is no longer the report's: 412, nothing written.
    calls.clear()
    etag = client.get(url).headers["ETag"].split(".r")[0] + '"'
    before = snapshot(db_url)
    stale = client.put(url, json={"progress": 70}, headers={**auth(keys.admin), "If-Match": etag})
    assert stale.status_code == 412, stale.text
    assert calls == [True]
    assert snapshot(db_url) == before


def test_writes_without_if_match_are_accepted_and_recorded(client, scene, keys, db_url):
    audits = audit_count(db_url)
    for status in ("in_progress", "delayed"):
        response = client.patch(
            f"/api/v1/actions/{scene.action}", json={"status": status}, headers=auth(keys.env)
        )
        assert response.status_code == 200
    assert client.get(f"/api/v1/actions/{scene.action}").json()["version"] == 3
    assert audit_count(db_url) == audits + 2


def test_audit_rows_match_writes_one_for_one(client, scene, keys, db_url):
    open_campaign(db_url)
    writes = audit_count(db_url)  # the seed's own entries
    for route in EDITOR_ROUTES[:3] + EDITOR_ROUTES[5:]:
        assert call(client, route, keys.env, scene).status_code in (200, 201, 202)
        writes += 1
        assert call(client, route, keys.dev, scene).status_code == 403  # refused: not recorded
    assert audit_count(db_url) == writes
    history = client.get(f"/api/v1/flagship-projects/{scene.flagship}/history").json()
    # Its report is pending validation: recorded, but not in its public history yet.
    assert history["total"] == 2 + 1  # and its creation by the factory
    assert {h["entity"] for h in history["items"]} == {"flagship_project", "milestone"}


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/actions/{action}/progress/2025", {"progress": 101}, ["body", "progress"]),
        ("/actions/{action}/progress/2025", {"progress": -1}, ["body", "progress"]),
        ("/actions/{action}/progress/2025", {"progress": "a lot"}, ["body", "progress"]),
        ("/actions/{action}/progress/2025", {}, ["body", "progress"]),
        ("/actions/{action}/progress/2023", {"progress": 5}, ["path", "year"]),
        ("/actions/{action}/progress/2045", {"progress": 5}, ["path", "year"]),
        (
            "/actions/{action}/progress/2025",
            {"progress": 5, "status": "done"},
            ["body", "status"],
        ),
        (
            "/actions/{action}/progress/2025",
            {"progress": 5, "budget_spent_operating": -10},
            ["body", "budget_spent_operating"],
        ),
    ],
)
def test_bad_progress_is_422_naming_the_field(client, scene, keys, db_url, path, body, loc):
    before = snapshot(db_url)
    response = client.put(
        f"/api/v1{path.format(action=scene.action)}", json=body, headers=auth(keys.env)
    )
    assert field_errors(response)[0]["loc"] == loc
    assert snapshot(db_url) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"status": "finished"}, ["body", "status"]),
        ({"priority": "urgent"}, ["body", "priority"]),
        ({"contributing_directorates": ["DEV", "NOPE"]}, ["body", "contributing_directorates", 1]),
        ({"communes": ["59999"]}, ["body", "communes", 0]),
        ({"communes": ["Denain"]}, ["body", "communes", 0]),
        ({"values": ["V9"]}, ["body", "values", 0]),
        ({"planned_start": "2030-01-01", "planned_end": "2025-01-01"}, ["body", "planned_end"]),
        ({"actual_start": "2026-01-01", "actual_end": "2025-12-31"}, ["body", "actual_end"]),
        ({"status": None}, ["body", "status"]),
        ({"partners": None}, ["body", "partners"]),
        ({"weight": 0}, ["body", "weight"]),
        ({"lead_directorate": "NOPE"}, ["body", "lead_directorate"]),
    ],
)
def test_bad_tracking_fields_are_422_and_write_nothing(client, scene, keys, db_url, body, loc):
    # Partners and dates are set first, in the same request, to prove nothing half-applies.
    before = snapshot(db_url)
    response = client.patch(
        f"/api/v1/actions/{scene.action}",
        json={"partners": ["ADEME"], "description": "x", **body},
        headers=auth(keys.admin),
    )
    assert field_errors(response)[0]["loc"] == loc
    assert snapshot(db_url) == before


def test_planned_end_is_checked_against_the_stored_start(client, scene, keys):
    client.patch(
        f"/api/v1/actions/{scene.action}",
        json={"planned_start": "2026-01-01"},
        headers=auth(keys.env),
    )
    response = client.patch(
        f"/api/v1/actions/{scene.action}",
        json={"planned_end": "2025-01-01"},
        headers=auth(keys.env),
    )
    (error,) = field_errors(response)
    assert error["detail"] == "planned_end (2025-01-01) précède planned_start (2026-01-01)"


def test_unknown_codes_are_404(client, scene, keys):
    headers = auth(keys.admin)
    assert client.patch("/api/v1/actions/E9.9.9", json={}, headers=headers).status_code == 404
    assert (
        client.put("/api/v1/actions/E9.9.9/progress/2025", json={"progress": 1}, headers=headers)
    ).status_code == 404
    assert client.get("/api/v1/actions/E9.9.9/progress").status_code == 404
    assert client.get(f"/api/v1/actions/{scene.action}/progress/2030").status_code == 404
    assert client.patch("/api/v1/milestones/999", json={}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/flagship-projects/{scene.flagship}/history").status_code == 200
    assert client.get(f"/api/v1/flagship-projects/{scene.action}/history").status_code == 404


# --- Editing the plan (admins) ------------------------------------------------------------------


def test_admin_creates_moves_renames_and_archives(client, scene, keys):
    headers = auth(keys.admin)
    engagement = scene.engagement  # it has two axes: the new one is the third
    new_axis, new_action = f"{engagement}.3", f"{engagement}.3.1"
    axis = client.post(
        "/api/v1/axes", json={"engagement": engagement, "title": "Eau"}, headers=headers
    )
    assert axis.status_code == 201 and axis.json()["code"] == new_axis

    action = client.post(
        "/api/v1/actions",
        json={"axis": new_axis, "title": "Réseau de mesure", "lead_directorate": "ENV"},
        headers=headers,
    )
    assert action.status_code == 201, action.text
    assert (action.json()["code"], action.json()["lead_directorate"]) == (new_action, "ENV")
    sub = client.post(
        "/api/v1/actions", json={"parent": new_action, "title": "Capteurs"}, headers=headers
    )
    assert sub.json()["code"] == f"{new_action}.1"
    assert sub.json()["parent_code"] == new_action
    taken = client.post(
        "/api/v1/actions",
        json={"axis": new_axis, "code": new_action, "title": "x"},
        headers=headers,
    )
    assert taken.status_code == 409

    renamed = client.patch(
        f"/api/v1/actions/{new_action}",
        json={"title": "Réseau de mesure de l'eau"},
        headers=headers,
    )
    assert renamed.json()["code"] == new_action
    moved = client.patch(
        f"/api/v1/actions/{new_action}", json={"axis": scene.other_axis}, headers=headers
    )
    assert (moved.json()["axis_code"], moved.json()["sub_actions"][0]["code"]) == (
        scene.other_axis,
        f"{new_action}.1",
    )
    assert client.get(f"/api/v1/actions/{new_action}.1").json()["axis_code"] == scene.other_axis

    archived = client.patch(
        f"/api/v1/actions/{new_action}", json={"archived": True}, headers=headers
    )
    assert archived.json()["archived"] is True
    tree = client.get("/api/v1/tree").json()
    codes = {a["code"] for e in tree["engagements"] for x in e["axes"] for a in x["actions"]}
    assert new_action not in codes
    assert client.get("/api/v1/actions", params={"q": "mesure"}).json()["total"] == 0
    assert (
        client.get("/api/v1/actions", params={"q": "mesure", "include_archived": True}).json()[
            "total"
        ]
        == 1
    )
    assert (
        client.get(f"/api/v1/actions/{new_action}.1").json()["archived"] is True
    )  # with its action
    assert len(client.get(f"/api/v1/actions/{new_action}/history").json()["items"]) == 4

    flagship = client.post(
        "/api/v1/flagship-projects",
        json={
            "engagement": engagement,
            "title": "Maison du climat",
            "actions": [scene.sibling, scene.action],
        },
        headers=headers,
    )
    assert flagship.status_code == 201
    new_flagship = f"PP{int(scene.flagship.removeprefix('PP')) + 1}"  # the next after the last
    assert flagship.json()["code"] == new_flagship
    assert [a["code"] for a in flagship.json()["actions"]] == [scene.sibling, scene.action]
    assert client.get(f"/api/v1/actions/{scene.action}").json()["flagship_projects"] == [
        {"code": new_flagship, "title": "Maison du climat"}
    ]
    bad = client.patch(
        f"/api/v1/flagship-projects/{new_flagship}",
        json={"actions": [scene.flagship]},
        headers=headers,
    )
    assert bad.status_code == 422

    archived_axis = client.patch(
        f"/api/v1/axes/{new_axis}", json={"archived": True}, headers=headers
    )
    assert archived_axis.json()["archived"] is True
    axes = client.get(f"/api/v1/engagements/{engagement}").json()["axes"]
    assert [a["code"] for a in axes] == [scene.axis, scene.other_axis]

    directorate = client.post(
        "/api/v1/directorates", json={"code": "CULT", "name": "Culture"}, headers=headers
    )
    assert directorate.status_code == 201
    assert (
        client.post(
            "/api/v1/directorates", json={"code": "CULT", "name": "Culture"}, headers=headers
        ).status_code
        == 409
    )
    directorates = client.get("/api/v1/directorates").json()["items"]
    assert [d["code"] for d in directorates] == ["CULT", "DEV", "ENV"]


def test_a_sub_action_cannot_nest_deeper(client, scene, keys):
    headers = auth(keys.admin)
    action, sub = scene.dev_action, f"{scene.dev_action}.1"
    client.post("/api/v1/actions", json={"parent": action, "title": "Sous-action"}, headers=headers)
    deeper = client.post("/api/v1/actions", json={"parent": sub, "title": "Trop"}, headers=headers)
    (error,) = field_errors(deeper)
    assert (error["loc"], error["detail"]) == (
        ["body", "parent"],
        f"{sub} n'est pas une action de premier niveau",
    )
    has_children = client.patch(
        f"/api/v1/actions/{action}", json={"parent": scene.action}, headers=headers
    )
    assert has_children.status_code == 422
