"""Hardened edges: security headers, body size limit, a brake on failed authentications."""

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ENV_ACTION, auth
from tests.helpers import problem


def test_security_headers_everywhere(client, keys):
    for response in (
        client.get("/api/v1/plan"),
        client.get("/api/v1/actions/E9.9.9"),
        client.patch(f"/api/v1/actions/{ENV_ACTION}", json={"status": "x"}, headers=auth(keys.env)),
        client.get("/healthz"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
    write = client.patch(f"/api/v1/actions/{ENV_ACTION}", json={}, headers=auth(keys.env))
    assert write.headers["Cache-Control"] == "no-store"
    docs = client.get("/docs")
    assert "frame-ancestors 'none'" in docs.headers["Content-Security-Policy"]


def test_no_internal_detail_in_error_bodies(client, keys):
    # A write that the database itself refuses (a duplicate code) reaches the client as a
    # clean 409, with no SQL in it.
    first = client.post(
        "/api/v1/directorates", json={"code": "RH", "name": "RH"}, headers=auth(keys.admin)
    )
    assert first.status_code == 201
    again = client.post(
        "/api/v1/directorates", json={"code": "RH", "name": "RH"}, headers=auth(keys.admin)
    )
    assert problem(again, 409, "conflict")
    assert "INSERT" not in again.text and "Traceback" not in again.text


def test_request_bodies_are_bounded(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, max_body_bytes=2048))) as client:
        big = {"description": "x" * 5000}
        response = client.patch(f"/api/v1/actions/{ENV_ACTION}", json=big, headers=auth(keys.env))
        assert problem(response, 413, "payload-too-large")["detail"] == (
            "Le corps de la requête dépasse la limite de 2048 octets."
        )

        def chunks():  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b"x" * 1000

        streamed = client.patch(
            f"/api/v1/actions/{ENV_ACTION}",
            content=chunks(),
            headers={**auth(keys.env), "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413
        small = client.patch(
            f"/api/v1/actions/{ENV_ACTION}", json={"status": "in_progress"}, headers=auth(keys.env)
        )
        assert small.status_code == 200
        # The CSV import has its own, larger allowance.
        csv_body = "trackable_code,year,progress\n" + f"{ENV_ACTION},2025,10\n" * 1 + "#" * 3000
        imported = client.post(
            "/api/v1/progress/import",
            content=csv_body,
            headers={**auth(keys.env), "Content-Type": "text/csv"},
        )
        assert imported.status_code != 413


def test_repeated_failed_authentications_are_slowed_down(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, auth_failures_allowed=3))) as client:
        url = f"/api/v1/actions/{ENV_ACTION}"
        for _ in range(3):
            assert client.patch(url, json={}, headers=auth("bsl_guess")).status_code == 401
        blocked = client.patch(url, json={}, headers=auth("bsl_guess"))
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1
        # A valid token from the same address is never refused: the brake is on failures only,
        # so a guesser never locks out the colleagues behind the same proxy.
        assert client.patch(url, json={}, headers=auth(keys.env)).status_code == 200
        assert client.patch(url, json={}, headers=auth("bsl_guess")).status_code == 429
        # Anonymous reads are not affected.
        assert client.get(url).status_code == 200
