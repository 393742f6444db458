"""CSV import of yearly progress: round trip with the export, all or nothing, spreadsheet dialects,
scope and limits."""

import csv
import io

from fastapi.testclient import TestClient
from httpx import Response
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.core.config import Settings
from app.main import create_app
from tests.conftest import DEV_ACTION, ENV_ACTION, auth
from tests.helpers import snapshot

IMPORT = "/api/v1/progress/import"
HEADER = "trackable_code,year,progress,status,comment\n"


def post_csv(client: TestClient, body: str | bytes, token: str, **params: str) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post(
        IMPORT,
        content=data,
        params=params,
        headers={**auth(token), "Content-Type": "text/csv; charset=utf-8"},
    )


def test_export_edit_import_round_trip(client, keys):
    for code, year, value in ((ENV_ACTION, 2024, 10), (ENV_ACTION, 2025, 25), ("PP5", 2025, 5)):
        kind = "flagship-projects" if code.startswith("PP") else "actions"
        client.put(
            f"/api/v1/{kind}/{code}/progress/{year}",
            json={"progress": value, "comment": "=Suivi annuel", "budget_spent_operating": 1200.5},
            headers=auth(keys.env),
        )
    exported = client.get("/api/v1/open-data/progress.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3
    for row in rows:  # edited in a spreadsheet: one value changes
        if row["trackable_code"] == ENV_ACTION and row["year"] == "2025":
            row["progress"] = "40"
            row["comment"] = "Parc solaire mis en service"
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    response = post_csv(client, edited.getvalue(), keys.env)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "dry_run": False,
        "rows": 3,
        "created": 0,
        "updated": 1,
        "unchanged": 2,
        "errors": [],
    }
    report = client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2025").json()
    assert (report["progress"], report["comment"]) == (40, "Parc solaire mis en service")
    assert report["budget_spent_operating"] == 1200.5
    assert report["version"] == 2
    assert client.get(f"/api/v1/actions/{ENV_ACTION}").json()["progress"] == 40
    again = client.get("/api/v1/open-data/progress.csv").text
    assert "'=Suivi annuel" in again  # made inert for spreadsheets…
    assert post_csv(client, again, keys.env).json()["unchanged"] == 3  # …and read back as it was
    assert client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2024").json()["comment"] == (
        "=Suivi annuel"
    )


def test_three_bad_rows_are_all_reported_and_nothing_is_written(client, keys, db_url):
    before = snapshot(db_url)
    body = (
        HEADER
        + f"{ENV_ACTION},2025,30,in_progress,ok\n"
        + f"{ENV_ACTION},2026,130,,too much\n"
        + "E9.9.9,2025,10,,unknown code\n"
        + f"{ENV_ACTION},2051,10,finished,bad year and status\n"
        + f"{ENV_ACTION},2027,12,,ok too\n"
    )
    response = post_csv(client, body, keys.admin)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [
        (3, "progress"),
        (4, "trackable_code"),
        (5, "year"),
        (5, "status"),
    ]
    assert "nothing was written" in response.json()["detail"]
    assert snapshot(db_url) == before


def test_spreadsheet_dialects(client, keys):
    body = (
        "trackable_code;year;progress;status;comment;budget_planned_investment\r\n"
        f"{ENV_ACTION};2025;12,5;En cours;Études lancées;1 250 000,50\r\n"
        f"{ENV_ACTION};2026;20;en retard;;\r\n"
    )
    response = post_csv(client, b"\xef\xbb\xbf" + body.encode("utf-8"), keys.env)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    report = client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2025").json()
    assert (report["progress"], report["status"]) == (12.5, "in_progress")
    assert report["comment"] == "Études lancées"
    assert report["budget_planned_investment"] == 1250000.5
    assert client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2026").json()["status"] == "delayed"
    # Windows-1252, as Excel writes it on Windows.
    latin = f"{HEADER}{ENV_ACTION},2027,30,,Réalisé à moitié\n".encode("cp1252")
    assert post_csv(client, latin, keys.env).status_code == 200
    assert (
        client.get(f"/api/v1/actions/{ENV_ACTION}/progress/2027").json()["comment"]
        == "Réalisé à moitié"
    )


def test_dry_run_reports_and_writes_nothing(client, keys, db_url):
    client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2024", json={"progress": 5}, headers=auth(keys.env)
    )
    before = snapshot(db_url)
    body = HEADER + f"{ENV_ACTION},2024,5,,\n{ENV_ACTION},2025,9,,\n{ENV_ACTION},2024,6,,\n"
    duplicate = post_csv(client, body, keys.env, dry_run="true")
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["line"] == 4
    body = HEADER + f"{ENV_ACTION},2024,7,,\n{ENV_ACTION},2025,9,,\n"
    response = post_csv(client, body, keys.env, dry_run="true")
    assert response.json() == {
        "dry_run": True,
        "rows": 2,
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "errors": [],
    }
    assert snapshot(db_url) == before


def test_import_is_scoped_and_recorded(client, keys, db_url):
    body = HEADER + f"{ENV_ACTION},2025,10,,\n{DEV_ACTION},2025,10,,\n"
    before = snapshot(db_url)
    assert post_csv(client, body, "bsl_nope").status_code == 401
    assert (
        client.post(IMPORT, content=body, headers={"Content-Type": "text/csv"}).status_code == 401
    )
    refused = post_csv(client, body, keys.env)
    assert refused.status_code == 403
    assert DEV_ACTION in refused.json()["detail"]
    assert snapshot(db_url) == before
    etag = client.get("/api/v1/tree").headers["ETag"]
    accepted = post_csv(client, body, keys.admin)
    assert accepted.json()["created"] == 2
    assert client.get("/api/v1/tree", headers={"If-None-Match": etag}).status_code == 200
    history = client.get(f"/api/v1/actions/{DEV_ACTION}/history", headers=auth(keys.admin)).json()
    assert (history["items"][0]["entity_key"], history["items"][0]["actor"]) == (
        f"{DEV_ACTION}/2025",
        "admin",
    )
    changes = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert [c["code"] for c in changes[-2:]] == [f"{ENV_ACTION}/2025", f"{DEV_ACTION}/2025"]


def test_multipart_upload_and_media_types(client, keys):
    body = (HEADER + f"{ENV_ACTION},2025,10,,\n").encode()
    upload = client.post(
        IMPORT,
        files={"file": ("suivi.csv", body, "application/vnd.ms-excel")},
        headers=auth(keys.env),
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["created"] == 1
    spreadsheet = client.post(
        IMPORT,
        files={
            "file": (
                "suivi.xlsx",
                b"PK\x03\x04",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        headers=auth(keys.env),
    )
    assert spreadsheet.status_code == 415
    as_json = client.post(IMPORT, json={"rows": []}, headers=auth(keys.env))
    assert as_json.status_code == 415
    assert "text/csv" in as_json.json()["detail"]


def test_size_limit(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, import_max_bytes=200))) as small:
        body = HEADER + "".join(f"{ENV_ACTION},{2024 + i % 20},10,,{'x' * 20}\n" for i in range(20))
        response = post_csv(small, body, keys.env)
        assert response.status_code == 413
        upload = small.post(
            IMPORT, files={"file": ("big.csv", body.encode(), "text/csv")}, headers=auth(keys.env)
        )
        assert upload.status_code == 413


def test_header_and_garbage(client, keys):
    missing = post_csv(client, "code,annee\nE1.1.1,2025\n", keys.admin)
    assert missing.status_code == 422
    assert "trackable_code" in missing.json()["errors"][0]["message"]
    assert post_csv(client, b"", keys.admin).status_code == 422
    garbage = post_csv(client, b"\x00\xff\xfe\x89PNG\r\n\x1a\n", keys.admin)
    assert garbage.status_code == 422


def test_cli_import(cli_env, tmp_path, client):
    path = tmp_path / "suivi.csv"
    path.write_text(HEADER + f"{ENV_ACTION},2025,33,,\n", encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(cli_app, ["import-progress", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 reports would be created" in dry.output
    done = runner.invoke(cli_app, ["import-progress", str(path)])
    assert done.exit_code == 0, done.output
    assert client.get(f"/api/v1/actions/{ENV_ACTION}").json()["progress"] == 33
    path.write_text(HEADER + f"{ENV_ACTION},2025,333,,\n", encoding="utf-8")
    refused = runner.invoke(cli_app, ["import-progress", str(path)])
    assert refused.exit_code == 1
    assert "line 2, column progress: 333 is outside 0–100" in refused.output
