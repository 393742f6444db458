"""List routes: pagination, filters, sorting and search behave the same on SQLite and PostgreSQL."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.text import fold
from tests.conftest import ENV_ACTION, auth
from tests.helpers import field_errors


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


def test_sort_by_progress_puts_unreported_last(client, keys):
    for code, value in (("E1.1.2", 30), (ENV_ACTION, 80), ("E3.5.3", 55)):
        client.put(
            f"/api/v1/actions/{code}/progress/2025",
            json={"progress": value},
            headers=auth(keys.admin),
        )
    best = client.get("/api/v1/actions", params={"sort": "-progress", "limit": 4}).json()["items"]
    assert [(a["code"], a["progress"]) for a in best] == [
        (ENV_ACTION, 80),
        ("E3.5.3", 55),
        ("E1.1.2", 30),
        ("E1.1.1", None),
    ]
    worst = client.get("/api/v1/actions", params={"sort": "progress", "limit": 3}).json()["items"]
    assert [a["code"] for a in worst] == ["E1.1.2", "E3.5.3", ENV_ACTION]


def test_sort_by_updated_at(client, keys):
    client.patch("/api/v1/actions/E3.2.1", json={"priority": "low"}, headers=auth(keys.admin))
    latest = client.get("/api/v1/actions", params={"sort": "-updated_at", "limit": 1}).json()
    assert latest["items"][0]["code"] == "E3.2.1"


def test_filters(client, keys):
    admin = auth(keys.admin)
    client.patch(
        f"/api/v1/actions/{ENV_ACTION}",
        json={
            "priority": "high",
            "communes": ["59172"],
            "values": ["V3", "V5"],
            "status": "in_progress",
        },
        headers=admin,
    )
    client.patch(
        "/api/v1/actions/E1.1.1",
        json={"contributing_directorates": ["ENV"], "communes": ["59172", "59526"]},
        headers=admin,
    )
    client.patch(
        "/api/v1/flagship-projects/PP5", json={"actions": [ENV_ACTION, "E2.4.3"]}, headers=admin
    )
    client.put(f"/api/v1/actions/{ENV_ACTION}/progress/2026", json={"progress": 10}, headers=admin)

    def codes(**params):
        return [a["code"] for a in client.get("/api/v1/actions", params=params).json()["items"]]

    assert codes(priority="high") == [ENV_ACTION]
    assert codes(commune="59172") == ["E1.1.1", ENV_ACTION]
    assert codes(commune="59526") == ["E1.1.1"]
    assert codes(value="V3") == [ENV_ACTION]
    assert codes(directorate="ENV") == ["E1.1.1", ENV_ACTION]  # led, or contributing
    assert codes(flagship="PP5") == [ENV_ACTION, "E2.4.3"]
    assert codes(year=2026) == [ENV_ACTION]
    assert codes(year=2026, engagement="E1") == []
    assert codes(status="in_progress", q="energetique") == [ENV_ACTION]

    def flagships(**params):
        page = client.get("/api/v1/flagship-projects", params=params).json()
        return [f["code"] for f in page["items"]]

    assert flagships(axis="E2.4") == ["PP5"]
    assert flagships(q="velo") == ["PP5"]
    assert flagships(directorate="ENV") == ["PP5"]
    # Zones…, Station…, Ouverture…
    assert flagships(engagement="E3", sort="-title") == ["PP7", "PP9", "PP8"]
    assert client.get("/api/v1/flagship-projects", params={"limit": 2}).json()["total"] == 9


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
