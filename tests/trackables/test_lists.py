"""List routes: pagination, filters, sorting and search behave the same on SQLite and PostgreSQL.

The seeded database is read as it is where the real plan is the subject (its 59 titles sorted, its
communes and engagements searched); elsewhere the factories add what a test needs (``make.leads``:
ENV and DEV each leading an action of one engagement, ENV also its flagship project).
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.text import fold
from tests import factories as make
from tests.conftest import Tokens, auth
from tests.helpers import field_errors


@pytest.fixture
def keys(scene: make.Leads) -> Tokens:
    """The scene's tokens (tests/conftest.py's lean on the real plan's codes)."""
    return scene.keys


def all_items(client: TestClient, path: str, **params: str) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = client.get(path, params={**params, "limit": 25, "offset": offset}).json()
        items += page["items"]
        offset += 25
        if offset >= page["total"]:
            return items, int(page["total"])


def test_sort_by_title_is_accent_insensitive_and_pages_cleanly(client):
    items, total = all_items(client, "/api/v1/actions", sort="title")
    assert total == 59 and len({a["code"] for a in items}) == 59
    titles = [a["title"] for a in items]
    assert titles == sorted(titles, key=fold)
    assert titles[0] == "Accès et médiation aux usages numériques"
    assert titles.index(
        "Éducation populaire, actions de prévention et de protection en direction de la jeunesse"
    ) < titles.index("Financement et accompagnement des projets d'habitat")
    reversed_items, _ = all_items(client, "/api/v1/actions", sort="-title")
    assert [a["code"] for a in reversed_items] == [a["code"] for a in reversed(items)]


def test_sort_by_progress_puts_unreported_last(client, scene, keys):
    low, high, middle = scene.sibling, scene.action, scene.dev_action
    for code, value in ((low, 30), (high, 80), (middle, 55)):
        client.put(
            f"/api/v1/actions/{code}/progress/2025",
            json={"progress": value},
            headers=auth(keys.admin),
        )
    # The first unreported action in the default order (by code) comes right after.
    first = client.get("/api/v1/actions", params={"limit": 1}).json()["items"][0]["code"]
    best = client.get("/api/v1/actions", params={"sort": "-progress", "limit": 4}).json()["items"]
    assert [(a["code"], a["progress"]) for a in best] == [
        (high, 80),
        (middle, 55),
        (low, 30),
        (first, None),
    ]
    worst = client.get("/api/v1/actions", params={"sort": "progress", "limit": 3}).json()["items"]
    assert [a["code"] for a in worst] == [low, middle, high]


def test_sort_by_updated_at(client, scene, keys):
    client.patch(
        f"/api/v1/actions/{scene.dev_action}", json={"priority": "low"}, headers=auth(keys.admin)
    )
    latest = client.get("/api/v1/actions", params={"sort": "-updated_at", "limit": 1}).json()
    assert latest["items"][0]["code"] == scene.dev_action


def test_filters(client, scene, keys, db_url):
    # Another engagement, with three flagship projects whose titles sort with their accents.
    with make.session_on(db_url) as session:
        other = make.engagement(session)
        zones, station, ouverture = (
            make.flagship_project(session, engagement=other, title=title).code
            for title in ("Zones d'activité", "Station de mobilité", "Ouverture à l'eau")
        )
        other_code = other.code
        session.commit()
    action, dev_action = scene.action, scene.dev_action  # in this order by code
    admin = auth(keys.admin)
    client.patch(
        f"/api/v1/actions/{action}",
        json={
            "title": "Autonomie énergétique",
            "priority": "high",
            "communes": ["59172"],
            "values": ["V3", "V5"],
            "status": "in_progress",
        },
        headers=admin,
    )
    client.patch(
        f"/api/v1/actions/{dev_action}",
        json={"contributing_directorates": ["ENV"], "communes": ["59172", "59526"]},
        headers=admin,
    )
    client.patch(
        f"/api/v1/flagship-projects/{scene.flagship}",
        json={"title": "Vélodrome intercommunal", "actions": [action, scene.sibling]},
        headers=admin,
    )
    client.put(f"/api/v1/actions/{action}/progress/2026", json={"progress": 10}, headers=admin)

    def codes(**params):
        return [a["code"] for a in client.get("/api/v1/actions", params=params).json()["items"]]

    assert codes(priority="high") == [action]
    assert codes(commune="59172") == [action, dev_action]
    assert codes(commune="59526") == [dev_action]
    assert codes(value="V3") == [action]
    assert codes(directorate="ENV") == [action, dev_action]  # led, or contributing
    assert codes(flagship=scene.flagship) == [scene.sibling, action]
    assert codes(year=2026) == [action]
    assert codes(year=2026, engagement=scene.engagement) == [action]
    assert codes(year=2026, engagement=other_code) == []
    assert codes(status="in_progress", q="energetique") == [action]

    def flagships(**params):
        page = client.get("/api/v1/flagship-projects", params=params).json()
        return [f["code"] for f in page["items"]]

    assert flagships(axis=scene.axis) == [scene.flagship]
    assert flagships(q="VELODROME") == [scene.flagship]
    assert flagships(directorate="ENV") == [scene.flagship]
    assert flagships(engagement=other_code, sort="-title") == [zones, station, ouverture]
    page = client.get("/api/v1/flagship-projects", params={"engagement": other_code, "limit": 2})
    assert (page.json()["total"], len(page.json()["items"])) == (3, 2)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "priority"}, "sort"),
        ({"commune": "Denain"}, "commune"),
        ({"year": 2020}, "year"),
        ({"status": "done"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"limit": 500}, "limit"),
    ],
)
def test_bad_list_parameters_are_422(client, params, field):
    for path in ("/api/v1/actions", "/api/v1/flagship-projects"):
        response = client.get(path, params=params)
        assert field_errors(response)[0]["loc"] == ["query", field]


@pytest.mark.parametrize(
    ("path", "q", "expected"),
    [
        ("/api/v1/communes", "roeulx", ["59504"]),
        ("/api/v1/communes", "SAINT-AMAND", ["59114", "59348", "59526", "59594"]),
        ("/api/v1/engagements", "resilience", ["E3"]),
        ("/api/v1/engagements", "biodiversite", []),
        ("/api/v1/engagements", "conversions", ["E3"]),
    ],
)
def test_reference_lists_search(client, path, q, expected):
    page = client.get(path, params={"q": q}).json()
    key = "insee_code" if "communes" in path else "code"
    assert [item[key] for item in page["items"]] == expected
    assert page["total"] == len(expected)


def test_reference_lists_paginate(client):
    first = client.get("/api/v1/communes", params={"limit": 20}).json()
    last = client.get("/api/v1/communes", params={"limit": 20, "offset": 40}).json()
    assert (first["total"], len(first["items"]), len(last["items"])) == (47, 20, 7)
