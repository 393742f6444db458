"""One status (app.trackables.progress): a trackable's current status is its latest yearly
report's, everywhere (API, page, national export), and PATCH of a yearly report changes only the
fields sent. Also the migration that aligned the data written before the rule (0007)."""

import re
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core import migrations
from app.core.db import make_engine
from app.models.tracking import ProgressReportUpdate
from app.opendata.national import project_id
from tests.conftest import ENV_ACTION, ENV_FLAGSHIP, auth

ACTION = f"/api/v1/actions/{ENV_ACTION}"
FLAGSHIP = f"/api/v1/flagship-projects/{ENV_FLAGSHIP}"
FULL_REPORT = {
    "progress": 45.5,
    "status": "in_progress",
    "comment": "Deux chaufferies livrées",
    "budget_planned_investment": 1000.0,
    "budget_spent_operating": 250.0,
}


def put(client: TestClient, token: str, year: int, body: dict[str, Any], base: str = ACTION) -> Any:
    response = client.put(f"{base}/progress/{year}", json=body, headers=auth(token))
    assert response.status_code in (200, 201), response.text
    return response


def page_status(client: TestClient, code: str) -> str:
    html = client.get(f"/actions/{code}").text
    match = re.search(r"<dt>Statut</dt><dd><span class=\"badge badge--(\w+)\">([^<]+)</span>", html)
    assert match, html[:2000]
    return f"{match.group(1)} {match.group(2)}"


def national(client: TestClient, code: str) -> tuple[str, str]:
    items = client.get("/api/v1/open-data/projets_territoire.json").json()["items"]
    row = next(item for item in items if item["id"] == project_id(code))
    return row["phase"], row["phaseStatut"]


def history(client: TestClient, token: str, base: str = ACTION) -> list[dict[str, Any]]:
    return list(client.get(f"{base}/history", headers=auth(token)).json()["items"])


# --- One status ----------------------------------------------------------------------------------


def test_the_latest_report_sets_the_status_everywhere(client, keys):
    assert client.get(ACTION).json()["status"] == "planned"
    assert national(client, ENV_ACTION) == ("Idée", "En cours")
    put(client, keys.admin, 2025, {"status": "in_progress", "progress": 45.5})

    detail = client.get(ACTION).json()
    assert (detail["status"], detail["status_label"]) == ("in_progress", "En cours")
    assert (detail["progress"], detail["progress_year"]) == (45.5, 2025)
    assert page_status(client, ENV_ACTION) == "in_progress En cours"
    assert national(client, ENV_ACTION) == ("Opération", "En cours")
    # Both writes are in the history: the report's and the trackable's change of status.
    entries = history(client, keys.env)
    trackable_entry = next(e for e in entries if e["entity"] == "action")
    assert trackable_entry["before"]["status"] == "planned"
    assert trackable_entry["after"]["status"] == "in_progress"
    assert {e["entity"] for e in entries} == {"action", "progress_report"}


def test_a_later_year_becomes_the_latest_and_an_older_year_changes_nothing(client, keys):
    put(client, keys.admin, 2025, {"status": "in_progress", "progress": 40})
    put(client, keys.admin, 2024, {"status": "completed", "progress": 10})
    assert client.get(ACTION).json()["status"] == "in_progress"
    put(client, keys.admin, 2026, {"status": "delayed", "progress": 50})
    assert client.get(ACTION).json()["status"] == "delayed"
    assert page_status(client, ENV_ACTION) == "delayed En retard"
    assert national(client, ENV_ACTION) == ("Opération", "En retard")


def test_a_put_without_status_keeps_the_current_one(client, keys):
    put(client, keys.admin, 2025, {"status": "blocked", "progress": 40})
    report = put(client, keys.admin, 2025, {"progress": 41}).json()
    assert report["status"] == "blocked"
    assert client.get(ACTION).json()["status"] == "blocked"


def test_patching_the_trackable_status_updates_the_latest_report(client, keys):
    put(client, keys.admin, 2024, {"status": "in_progress", "progress": 10})
    first = put(client, keys.admin, 2025, FULL_REPORT).json()
    response = client.patch(ACTION, json={"status": "paused"}, headers=auth(keys.env))
    assert response.status_code == 200, response.text

    latest = client.get(f"{ACTION}/progress/2025").json()
    assert latest["status"] == "paused"
    assert latest["version"] == first["version"] + 1
    assert latest["comment"] == FULL_REPORT["comment"]  # nothing else changed
    assert latest["budget_spent_operating"] == 250.0
    assert client.get(f"{ACTION}/progress/2024").json()["status"] == "in_progress"
    assert page_status(client, ENV_ACTION) == "paused En pause"
    assert national(client, ENV_ACTION) == ("Opération", "En pause")
    entry = next(e for e in history(client, keys.env) if e["entity"] == "progress_report")
    assert entry["entity_key"] == f"{ENV_ACTION}/2025"
    assert (entry["before"]["status"], entry["after"]["status"]) == ("in_progress", "paused")


def test_patching_other_fields_leaves_the_reports_alone(client, keys):
    report = put(client, keys.admin, 2025, FULL_REPORT).json()
    response = client.patch(ACTION, json={"priority": "high"}, headers=auth(keys.env))
    assert response.status_code == 200, response.text
    assert client.get(f"{ACTION}/progress/2025").json()["version"] == report["version"]


def test_flagship_projects_follow_the_same_rule(client, keys):
    put(client, keys.admin, 2024, {"status": "completed", "progress": 100}, base=FLAGSHIP)
    assert client.get(FLAGSHIP).json()["status"] == "completed"
    response = client.patch(
        f"{FLAGSHIP}/progress/2024", json={"status": "delayed"}, headers=auth(keys.admin)
    )
    assert response.status_code == 200, response.text
    assert client.get(FLAGSHIP).json()["status"] == "delayed"


def test_the_csv_import_follows_the_rule(client, keys):
    csv = f"trackable_code,year,progress,status\n{ENV_ACTION},2025,30,in_progress\n"
    response = client.post(
        "/api/v1/progress/import",
        content=csv.encode(),
        headers={**auth(keys.admin), "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert client.get(ACTION).json()["status"] == "in_progress"
    assert page_status(client, ENV_ACTION) == "in_progress En cours"
    assert any(e["entity"] == "action" for e in history(client, keys.env))


# --- PATCH of a yearly report --------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(client, keys):
    created = put(client, keys.admin, 2025, FULL_REPORT)
    response = client.patch(
        f"{ACTION}/progress/2025",
        json={"progress": 60},
        headers={**auth(keys.admin), "If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["progress"] == 60
    assert body["status"] == "in_progress"
    assert body["comment"] == FULL_REPORT["comment"]
    assert body["budget_planned_investment"] == 1000.0
    assert body["budget_spent_operating"] == 250.0
    assert body["version"] == created.json()["version"] + 1
    assert response.headers["ETag"] != created.headers["ETag"]
    entry = history(client, keys.env)[0]
    assert entry["entity"] == "progress_report" and entry["action"] == "update"
    assert (entry["before"]["progress"], entry["after"]["progress"]) == (45.5, 60)

    # A budget sent as null is removed; the others stay.
    body = client.patch(
        f"{ACTION}/progress/2025", json={"budget_spent_operating": None}, headers=auth(keys.admin)
    ).json()
    assert body["budget_spent_operating"] is None
    assert body["budget_planned_investment"] == 1000.0


def test_put_is_a_full_replacement(client, keys):
    put(client, keys.admin, 2025, FULL_REPORT)
    body = put(client, keys.admin, 2025, {"progress": 40}).json()
    assert body["comment"] == ""
    assert body["budget_planned_investment"] is None
    assert body["status"] == "in_progress"  # the trackable's, which the first PUT set


def test_patch_of_a_missing_report_is_404(client, keys):
    response = client.patch(
        f"{ACTION}/progress/2030", json={"progress": 5}, headers=auth(keys.admin)
    )
    assert response.status_code == 404, response.text
    assert client.get(f"{ACTION}/progress/2030").status_code == 404


def test_patch_with_a_stale_if_match_is_412(client, keys):
    first = put(client, keys.admin, 2025, FULL_REPORT)
    put(client, keys.admin, 2025, FULL_REPORT | {"progress": 50})
    response = client.patch(
        f"{ACTION}/progress/2025",
        json={"progress": 70},
        headers={**auth(keys.admin), "If-Match": first.headers["ETag"]},
    )
    assert response.status_code == 412, response.text
    assert client.get(f"{ACTION}/progress/2025").json()["progress"] == 50


def test_patch_refuses_bad_input(client, keys):
    put(client, keys.admin, 2025, FULL_REPORT)
    for body in (
        {"progress": None},
        {"status": None},
        {"comment": None},
        {"progress": 101},
        {"progress": -1},
        {"progress": True},
        {"progress": "50"},
        {"status": "done"},
        {"budget_spent_operating": -5},
        {"staus": "planned"},
    ):
        response = client.patch(f"{ACTION}/progress/2025", json=body, headers=auth(keys.admin))
        assert response.status_code == 422, (body, response.text)
    assert client.get(f"{ACTION}/progress/2025").json()["progress"] == 45.5


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.5, 100.5])
def test_the_update_model_takes_finite_bounded_numbers_only(value):
    with pytest.raises(ValidationError):
        ProgressReportUpdate(progress=value)
    with pytest.raises(ValidationError):
        ProgressReportUpdate(budget_planned_operating=value if value != 100.5 else -1)
    assert ProgressReportUpdate().model_dump(exclude_unset=True) == {}


def test_patch_is_refused_outside_the_scope(client, keys):
    put(client, keys.admin, 2025, FULL_REPORT)
    url = f"{ACTION}/progress/2025"
    assert client.patch(url, json={"progress": 1}).status_code == 401
    assert client.patch(url, json={"progress": 1}, headers=auth(keys.dev)).status_code == 403


# --- The migration that aligned the existing data ------------------------------------------------


def test_migration_0007_sets_each_status_from_the_latest_report(db_url):
    migrations.downgrade(db_url, "0006")
    engine = make_engine(db_url)
    trackable = sa.table(
        "trackable", sa.column("id"), sa.column("code"), sa.column("status"), sa.column("version")
    )
    report = sa.table(
        "progress_report",
        sa.column("trackable_id"),
        sa.column("year"),
        sa.column("progress"),
        sa.column("status"),
        sa.column("comment"),
        sa.column("reported_by"),
        sa.column("reported_at", sa.DateTime(timezone=True)),
        sa.column("version"),
    )
    at = sa.func.current_timestamp()
    with engine.begin() as connection:
        ids = dict(connection.execute(sa.select(trackable.c.code, trackable.c.id)).all())
        statuses = dict(connection.execute(sa.select(trackable.c.code, trackable.c.status)).all())
        assert statuses[ENV_ACTION] == statuses[ENV_FLAGSHIP] == "planned"
        rows = [
            # The latest report (2025) is in progress; the older one says otherwise.
            (ids[ENV_ACTION], 2024, "completed"),
            (ids[ENV_ACTION], 2025, "in_progress"),
            # Already agreeing: left as it is.
            (ids[ENV_FLAGSHIP], 2024, "planned"),
        ]
        for trackable_id, year, status in rows:
            connection.execute(
                report.insert().values(
                    trackable_id=trackable_id,
                    year=year,
                    progress=10.0,
                    status=status,
                    comment="",
                    reported_by="test",
                    reported_at=at,
                    version=1,
                )
            )
        versions = dict(connection.execute(sa.select(trackable.c.code, trackable.c.version)).all())
    migrations.upgrade(db_url)
    with engine.connect() as connection:
        after = {
            code: (status, version)
            for code, status, version in connection.execute(
                sa.select(trackable.c.code, trackable.c.status, trackable.c.version)
            )
        }
    engine.dispose()
    assert after[ENV_ACTION] == ("in_progress", versions[ENV_ACTION] + 1)
    assert after[ENV_FLAGSHIP] == ("planned", versions[ENV_FLAGSHIP])
    unchanged = {code for code in after if code not in (ENV_ACTION, ENV_FLAGSHIP)}
    assert all(after[code] == (statuses[code], versions[code]) for code in unchanged)


def test_the_change_feed_shows_both_writes_of_a_status_change(client, keys):
    put(client, keys.admin, 2026, {"progress": 6})  # planned, as the action
    since = client.get("/api/v1/changes", params={"limit": 1000}).json()["next"]
    response = client.patch(ACTION, json={"status": "in_progress"}, headers=auth(keys.env))
    assert response.status_code == 200, response.text
    items = client.get("/api/v1/changes", params={"since": since}).json()["items"]
    assert [(c["entity"], c["code"], c["change"]) for c in items] == [
        ("action", ENV_ACTION, "update"),
        ("progress_report", f"{ENV_ACTION}/2026", "update"),
    ]
