"""Indicators through the API, roll-ups against hand-computed weighted means, dashboards.

The data is made by the factories on an empty migrated database (``make.leads``: ENV and DEV
each leading an action of one engagement, ENV also its flagship project; an indicator led by ENV
measuring ENV's action; three communes), so the hand-computed means and counts are over it alone.
Only ``test_seeded_indicator``, whose subject is the indicator of the real plan, reads the seeded
database.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.indicators import indicators as indicator_service
from app.models import Directorate, Trackable
from tests import factories as make
from tests.conftest import Tokens, auth, make_client
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import field_errors, problem, snapshot

ENERGY = "IND-AUTONOMIE-ENERGETIQUE"  # the real plan's indicator


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """This module's database is an empty migrated one (``client`` and snapshots use it)."""
    return empty_db_url


@pytest.fixture
def scene(db_url: str) -> make.Leads:
    with make.session_on(db_url) as session:
        made = make.leads(session)
        for insee_code in ("59002", "59172", "59526"):
            make.commune(session, insee_code=insee_code)
        session.commit()
    return made


@pytest.fixture
def keys(scene: make.Leads) -> Tokens:
    return scene.keys


@pytest.fixture
def energy(db_url: str, scene: make.Leads) -> str:
    """An indicator led by ENV measuring ENV's action: the seeded one's definition."""
    with make.session_on(db_url) as session:
        env_action = session.exec(select(Trackable).where(Trackable.code == scene.action)).one()
        led_by = session.exec(select(Directorate).where(Directorate.code == "ENV")).one()
        indicator = make.indicator(
            session,
            name="Autonomie énergétique du territoire",
            lead=led_by,
            unit="%",
            measures=[env_action],
            targets=[(2044, 50.0)],
        )
        session.commit()
        return indicator.code


@pytest.fixture
def seeded_client(
    databases: SqliteDatabases | PostgresDatabases, seeded_template: str
) -> Iterator[TestClient]:
    url = databases.clone(seeded_template)
    with make_client(url) as client:
        yield client
    databases.drop(url)


def test_seeded_indicator(seeded_client):
    # The real plan's indicator, as the seed writes it (its subject is the seed: real codes).
    client = seeded_client
    body = client.get(f"/api/v1/indicators/{ENERGY}").json()
    assert body["unit"] == "%"
    assert body["direction"] == "increase"
    assert body["baseline"] is None
    assert body["targets"] == [{"year": 2044, "value": 50.0}]
    assert body["measures"] == ["E2.3.2"]
    assert body["trajectory"]["trajectory"] == "no_data"
    assert [i["code"] for i in client.get("/api/v1/indicators").json()["items"]] == [ENERGY]
    assert (
        client.get("/api/v1/indicators", params={"q": "AUTONOMIE énergétique"}).json()["total"] == 1
    )
    assert client.get("/api/v1/indicators", params={"q": "eau"}).json()["total"] == 0


def test_a_directorate_records_values_and_learns_if_it_is_on_track(
    client, scene, keys, energy, monkeypatch
):
    monkeypatch.setattr(indicator_service, "this_year", lambda: 2028)
    admin = auth(keys.admin)
    baseline = client.patch(
        f"/api/v1/indicators/{energy}",
        json={
            "baseline": {"year": 2022, "value": 10},
            "targets": [{"year": 2030, "value": 20}, {"year": 2044, "value": 50}],
        },
        headers=admin,
    )
    assert baseline.status_code == 200, baseline.text
    for year, value in ((2024, 11.0), (2025, 12.5), (2026, 14.0), (2027, 16.0)):
        response = client.put(
            f"/api/v1/indicators/{energy}/values/{year}",
            json={"value": value, "status": "final" if year < 2027 else "provisional"},
            headers=auth(keys.env),
        )
        assert response.status_code == 201, response.text
    by_commune = client.put(
        f"/api/v1/indicators/{energy}/values/2026",
        params={"commune": "59172"},
        json={"value": 4.0},
        headers=auth(keys.env),
    )
    assert by_commune.status_code == 201
    assert by_commune.json()["commune"] == "59172"
    again = client.put(
        f"/api/v1/indicators/{energy}/values/2027", json={"value": 16.5}, headers=auth(keys.env)
    )
    assert again.status_code == 200

    body = client.get(f"/api/v1/indicators/{energy}").json()
    trajectory = body["trajectory"]
    # From 10 (2022) to 16.5 (2027): 1.65^(1/5) − 1 = 10.53 % a year; 2^(1/8) − 1 = 9.05 % is
    # needed to reach 20 in 2030 → 116 % of the pace: on track.
    assert trajectory["trajectory"] == "on_track"
    assert (trajectory["current_value"], trajectory["current_year"]) == (16.5, 2027)
    assert (trajectory["target_value"], trajectory["target_year"]) == (20, 2030)
    assert trajectory["progress_rate"] == pytest.approx(65.0)
    assert trajectory["growth_ratio"] == pytest.approx(1.1636, abs=1e-3)
    assert trajectory["expected_value"] == pytest.approx(10 + 10 * 6 / 8)
    assert trajectory["expected_year"] == 2028
    assert "16.5 in 2027" in trajectory["explanation"]
    assert [v["year"] for v in body["values"]] == [2024, 2025, 2026, 2027]
    assert body["values"][-2]["status"] == "final"
    assert body["values"][-1]["status"] == "final"  # replaced by a PUT without status
    # Anonymous readers do not see token names; authenticated ones do.
    assert body["commune_values"] == [{**by_commune.json(), "recorded_by": None}]
    signed = client.get(f"/api/v1/indicators/{energy}", headers=auth(keys.dev)).json()
    assert signed["commune_values"][0]["recorded_by"] == "env-editor"

    tree = client.get("/api/v1/tree").json()
    (engagement,) = tree["engagements"]
    assert engagement["code"] == scene.engagement
    assert engagement["rollup"]["trajectory_counts"] == {"on_track": 1}
    measured, other = engagement["axes"]
    assert (measured["code"], other["code"]) == (scene.axis, scene.other_axis)
    assert measured["rollup"]["trajectory_counts"] == {"on_track": 1}
    assert other["rollup"]["trajectory_counts"] == {}
    assert tree["plan"]["rollup"]["trajectory_counts"] == {"on_track": 1}


def test_editors_of_other_directorates_cannot_record_values(client, keys, energy, db_url):
    before = snapshot(db_url)
    url = f"/api/v1/indicators/{energy}/values/2025"
    assert client.put(url, json={"value": 3}).status_code == 401
    assert client.put(url, json={"value": 3}, headers=auth(keys.dev)).status_code == 403
    patch = client.patch(
        f"/api/v1/indicators/{energy}", json={"unit": "pts"}, headers=auth(keys.env)
    )
    assert patch.status_code == 403  # defining indicators is for admins
    assert snapshot(db_url) == before


@pytest.mark.parametrize(
    ("path", "params", "body", "loc"),
    [
        ("/values/2023", {}, {"value": 1}, ["path", "year"]),
        ("/values/2045", {}, {"value": 1}, ["path", "year"]),
        ("/values/2025", {}, {"value": "beaucoup"}, ["body", "value"]),
        ("/values/2025", {}, {"value": None}, ["body", "value"]),
        ("/values/2025", {"commune": "59999"}, {"value": 1}, ["query", "commune"]),
        ("/values/2025", {"commune": "Denain"}, {"value": 1}, ["query", "commune"]),
        ("/values/2025", {}, {"value": 1, "status": "draft"}, ["body", "status"]),
    ],
)
def test_bad_values_are_422_and_write_nothing(
    client, keys, energy, db_url, path, params, body, loc
):
    before = snapshot(db_url)
    response = client.put(
        f"/api/v1/indicators/{energy}{path}", params=params, json=body, headers=auth(keys.admin)
    )
    assert field_errors(response)[0]["loc"] == loc
    assert snapshot(db_url) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"targets": [{"value": 50}]}, ["body", "targets", 0, "year"]),
        ({"targets": [{"year": 2044, "value": "x"}]}, ["body", "targets", 0, "value"]),
        (
            {"targets": [{"year": 2044, "value": 1}, {"year": 2044, "value": 2}]},
            ["body", "targets", 1, "year"],
        ),
        ({"baseline": {"year": 1900, "value": 3}}, ["body", "baseline", "year"]),
        ({"measures": ["{action}", "X9"]}, ["body", "measures", 1]),
        ({"direction": "sideways"}, ["body", "direction"]),
        ({"lead_directorate": "NOPE"}, ["body", "lead_directorate"]),
    ],
)
def test_bad_indicator_definitions_are_422(client, scene, keys, energy, db_url, body, loc):
    if "measures" in body:
        body = {"measures": [m.format(action=scene.action) for m in body["measures"]]}
    before = snapshot(db_url)
    response = client.patch(
        f"/api/v1/indicators/{energy}", json={"unit": "pts", **body}, headers=auth(keys.admin)
    )
    assert field_errors(response)[0]["loc"] == loc
    assert snapshot(db_url) == before


def test_admin_creates_an_indicator_measuring_an_axis(client, scene, keys):
    created = client.post(
        "/api/v1/indicators",
        json={
            "code": "IND-LOGEMENTS-VACANTS",
            "name": "Taux de logements vacants",
            "unit": "%",
            "decimals": 1,
            "direction": "decrease",
            "baseline": {"year": 2020, "value": 9.0},
            "targets": [{"year": 2044, "value": 6.0}],
            "measures": [scene.other_axis],
        },
        headers=auth(keys.admin),
    )
    assert created.status_code == 201, created.text
    assert created.json()["measures"] == [scene.other_axis]
    duplicate = client.post(
        "/api/v1/indicators",
        json={"code": "IND-LOGEMENTS-VACANTS", "name": "x", "direction": "decrease"},
        headers=auth(keys.admin),
    )
    assert duplicate.status_code == 409
    axis = client.get(f"/api/v1/axes/{scene.other_axis}").json()
    assert axis["rollup"]["trajectory_counts"] == {"no_data": 1}
    assert client.get("/api/v1/indicators/NOPE").status_code == 404


def _report(
    client: TestClient, token: str, code: str, year: int, progress: float, **extra: Any
) -> None:
    response = client.put(
        f"/api/v1/actions/{code}/progress/{year}",
        json={"progress": progress, **extra},
        headers=auth(token),
    )
    assert response.status_code in (200, 201), response.text


def test_rollups_are_weighted_means(client, scene, keys, energy, db_url):
    # Besides the scene's engagement (its axis: an action and ENV's; its other axis: DEV's), an
    # engagement whose one axis holds two actions, the first to be given sub-actions.
    with make.session_on(db_url) as session:
        extra = make.engagement(session)
        axis = make.axis(session, engagement=extra)
        parent = make.action(session, axis=axis)
        make.action(session, axis=axis)
        engagement, axis_code, parent_code = extra.code, axis.code, parent.code
        session.commit()
    admin = keys.admin
    client.patch(f"/api/v1/actions/{scene.action}", json={"weight": 3}, headers=auth(admin))
    _report(client, admin, scene.sibling, 2025, 40)
    _report(client, admin, scene.action, 2024, 10)
    _report(client, admin, scene.action, 2025, 80)  # the latest year counts

    axis = client.get(f"/api/v1/axes/{scene.axis}").json()["rollup"]
    assert axis["progress"] == pytest.approx((40 * 1 + 80 * 3) / 4)  # 70
    # The scene's engagement: DEV's action without a report counts as 0, weights 1 + 3 + 1.
    assert client.get(f"/api/v1/engagements/{scene.engagement}").json()["rollup"][
        "progress"
    ] == pytest.approx(280 / 5)
    # The plan: 5 actions, weights 1 + 3 + 1 + 1 + 1 = 7.
    assert client.get("/api/v1/plan").json()["rollup"]["progress"] == pytest.approx(280 / 7)
    assert client.get(f"/api/v1/engagements/{engagement}").json()["rollup"]["progress"] == 0

    # An abandoned action leaves the mean, but stays in the status counts.
    client.patch(
        f"/api/v1/actions/{scene.dev_action}", json={"status": "abandoned"}, headers=auth(admin)
    )
    rollup = client.get(f"/api/v1/engagements/{scene.engagement}").json()["rollup"]
    assert rollup["progress"] == pytest.approx(280 / 4)
    assert rollup["status_counts"] == {"planned": 2, "abandoned": 1}

    # A flagship project rolls up the actions it serves, until it reports itself.
    flagship = f"/api/v1/flagship-projects/{scene.flagship}"
    client.patch(flagship, json={"actions": [scene.sibling, scene.action]}, headers=auth(admin))
    assert client.get(flagship).json()["rollup"]["progress"] == pytest.approx(70)
    # ``energy`` measures the action, without a value yet.
    assert client.get(flagship).json()["rollup"]["trajectory_counts"] == {"no_data": 1}
    client.put(f"{flagship}/progress/2025", json={"progress": 15}, headers=auth(admin))
    assert client.get(flagship).json()["rollup"]["progress"] == 15

    # An action without report but with sub-actions takes their weighted mean.
    client.post("/api/v1/actions", json={"parent": parent_code, "title": "A"}, headers=auth(admin))
    client.post(
        "/api/v1/actions",
        json={"parent": parent_code, "title": "B", "weight": 3},
        headers=auth(admin),
    )
    _report(client, admin, f"{parent_code}.1", 2025, 100)
    _report(client, admin, f"{parent_code}.2", 2025, 20)
    axis = client.get(f"/api/v1/axes/{axis_code}").json()["rollup"]
    assert axis["progress"] == pytest.approx(((100 + 20 * 3) / 4) / 2)  # 2 actions in the axis

    summary = client.get("/api/v1/dashboard/summary").json()
    assert summary["plan"]["rollup"]["progress"] == pytest.approx(
        client.get("/api/v1/tree").json()["plan"]["rollup"]["progress"]
    )
    first = summary["engagements"][0]
    assert first["code"] == scene.engagement
    assert [a["code"] for a in first["axes"]] == [scene.axis, scene.other_axis]
    assert first["axes"][0]["rollup"]["progress"] == pytest.approx(70)
    assert [f["code"] for f in first["flagship_projects"]] == [scene.flagship]


def test_dashboard_directorates(client, scene, keys):
    _report(client, keys.admin, scene.action, 2025, 60)
    rows = {d["code"]: d for d in client.get("/api/v1/dashboard/directorates").json()}
    assert rows["ENV"]["led"] == 2  # its action and the flagship project
    assert rows["ENV"]["progress"] == pytest.approx(30)
    assert rows["DEV"] == {
        "code": "DEV",
        "name": "Direction du développement économique",
        "led": 1,
        "status_counts": {"planned": 1},
        "progress": 0.0,
    }
    assert rows[None]["led"] == 1  # the sibling action


def test_dashboard_communes(client, scene, keys):
    client.patch(
        f"/api/v1/actions/{scene.action}",
        json={"communes": ["59172", "59526"], "status": "in_progress"},
        headers=auth(keys.env),
    )
    rows = {c["insee_code"]: c for c in client.get("/api/v1/dashboard/communes").json()}
    assert len(rows) == 3
    assert rows["59172"]["direct"] == 1
    assert rows["59172"]["whole_territory"] == 2  # the two other actions name no commune
    assert rows["59172"]["total"] == 3
    assert rows["59172"]["status_counts"] == {"planned": 2, "in_progress": 1}
    assert rows["59002"]["total"] == 2
    assert rows["59002"]["status_counts"] == {"planned": 2}


def test_dashboard_reporting_campaign(client, scene, keys):
    _report(client, keys.admin, scene.action, 2025, 10)  # published
    client.put(
        f"/api/v1/flagship-projects/{scene.flagship}/progress/2024",
        json={"progress": 5},
        headers=auth(keys.admin),
    )
    # An editor's report of 2025, filed during the campaign: submitted, not yet validated.
    opened = client.post(
        "/api/v1/campaigns", json={"year": 2025, "deadline": "2026-03-31"}, headers=auth(keys.admin)
    )
    assert opened.status_code == 201, opened.text
    filed = client.put(
        f"/api/v1/flagship-projects/{scene.flagship}/progress/2025",
        json={"progress": 5},
        headers=auth(keys.env),
    )
    assert filed.status_code == 202, filed.text
    campaign = client.get("/api/v1/dashboard/reporting", params={"year": 2025}).json()
    assert campaign["expected"] == 4  # three actions and the flagship project
    assert (campaign["reported"], campaign["missing"]) == (1, 3)
    counts = {s["state"]: s["count"] for s in campaign["states"] if s["count"]}
    assert counts == {"validated": 1, "submitted": 1, "to_do": 2}
    groups = {g["code"]: g for g in campaign["directorates"]}
    assert [(m["code"], m["state"]) for m in groups["ENV"]["missing"]] == [
        (scene.flagship, "submitted")
    ]
    assert [m["code"] for m in groups["DEV"]["missing"]] == [scene.dev_action]
    assert [m["code"] for m in groups[None]["missing"]] == [scene.sibling]
    assert campaign["directorates"][-1]["code"] is None
    assert client.get("/api/v1/dashboard/reporting", params={"year": 2023}).status_code == 422
    assert client.get("/api/v1/dashboard/reporting").status_code == 422


def test_a_write_with_an_unknown_query_parameter_is_refused_and_writes_nothing(
    client, keys, energy
):
    """A mistyped ``?comune=`` would else record the whole territory's value."""
    url = f"/api/v1/indicators/{energy}/values/2026"
    typo = client.put(url, params={"comune": "59172"}, json={"value": 4.0}, headers=auth(keys.env))
    answer = problem(typo, 422, "validation-error")
    assert answer["errors"][0]["loc"] == ["query", "comune"]
    assert answer["errors"][0]["detail"] == (
        "paramètre inconnu « comune » (paramètres de cette écriture : « commune »)"
    )
    nameless = client.put(url + "?=false", json={"value": 4.0}, headers=auth(keys.env))
    assert problem(nameless, 422, "validation-error")["errors"][0]["loc"] == ["query", ""]
    assert client.get(f"/api/v1/indicators/{energy}").json()["values"] == []
    # Reads stay lenient: a cache-busting parameter changes nothing.
    assert client.get(f"/api/v1/indicators/{energy}", params={"_": "1"}).status_code == 200
