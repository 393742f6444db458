"""The edges an attacker or a broken client reaches first: JSON the routes cannot answer with, the
failed-authentication brake and whose address it trusts, links built from a Host header, locks
held by someone else. Real database, real HTTP through TestClient (the process-level load and
slow-client tests are in tests/api/test_saturation.py)."""

import json
import sqlite3
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.db import make_engine
from app.core.hardening import FailedAuthLimiter, json_problem
from app.main import create_app
from tests.conftest import ENV_ACTION, auth
from tests.helpers import field_errors, problem

REPORT = f"/api/v1/actions/{ENV_ACTION}/progress/2025"
JSON = {"Content-Type": "application/json"}


def strict_loads(body: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in a JSON answer")

    return json.loads(body, parse_constant=refuse)


# --- JSON the routes could not answer with ------------------------------------------------------

BAD_BODIES = [
    ('{"progress": NaN}', ["body", "progress"], "finite_number"),
    ('{"progress": Infinity}', ["body", "progress"], "finite_number"),
    ('{"progress": -Infinity}', ["body", "progress"], "finite_number"),
    ('{"progress": 1e309}', ["body", "progress"], "finite_number"),
    ('{"progress": -1e400}', ["body", "progress"], "finite_number"),
    ('{"progress": 1' + "0" * 5000 + "}", ["body", "progress"], "finite_number"),
    ('{"progress": 10, "comment": "\\ud800"}', ["body", "comment"], "string_unicode"),
    ('{"progress": 10, "comment": "a\\udfffb"}', ["body", "comment"], "string_unicode"),
    ('{"progress": 10, "comment": "a\\u0000b"}', ["body", "comment"], "string_nul"),
    ('{"progress": 10, "\\ud800": 1}', ["body"], "string_unicode"),
    ('{"progress": 10, "budget": [1, 2, NaN]}', ["body", "budget", 2], "finite_number"),
    ('{"progress": ', ["body", 13], "json_invalid"),
    ("[" * 100_000, ["body"], "json_invalid"),
]


@pytest.mark.parametrize(("body", "loc", "kind"), BAD_BODIES, ids=[b[2] for b in BAD_BODIES])
def test_unanswerable_json_is_a_422_naming_the_place_and_writes_nothing(
    client, keys, body, loc, kind
):
    before = client.get(REPORT).status_code
    response = client.put(REPORT, content=body, headers={**JSON, **auth(keys.env)})
    strict_loads(response.text)
    (error,) = field_errors(response)
    assert error["loc"][: len(loc)] == loc
    assert error["type"] == kind
    assert client.get(REPORT).status_code == before == 404


def test_a_body_that_is_not_utf8_is_a_422(client, keys):
    response = client.put(
        REPORT, content=b'{"progress": 10, "comment": "\xe9"}', headers={**JSON, **auth(keys.env)}
    )
    (error,) = field_errors(response)
    assert error["detail"] == "le corps n'est pas du texte UTF-8 (octet 29)"


def test_well_formed_json_goes_through_unchanged(client, keys):
    body = '{"progress": 12.5, "comment": "Énergie — 50 % ✓ 𝄞"}'
    response = client.put(REPORT, content=body, headers={**JSON, **auth(keys.admin)})
    assert response.status_code == 201, response.text
    assert response.json()["comment"] == "Énergie — 50 % ✓ 𝄞"


def test_json_problem_accepts_what_json_allows():
    assert json_problem(b'{"a": [1, 2.5e10, -0.0, "x\\u00e9", {"b": null}]}') is None
    assert json_problem('{"a": "\u00e9"}'.encode()) is None
    assert json_problem(b"\xef\xbb\xbf{}") is None  # a BOM is not a problem


def test_validation_errors_echo_no_value_json_cannot_hold(client):
    # A query parameter FastAPI validates itself: the echoed input stays serialisable.
    response = client.get("/api/v1/actions", params={"limit": "NaN"})
    assert response.status_code == 422
    strict_loads(response.text)


# --- The brake on failed authentications --------------------------------------------------------


def test_forwarded_addresses_are_not_trusted_by_default(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, auth_failures_allowed=2))) as client:
        # Rotating X-Forwarded-For does not dodge the brake: the connection's address counts.
        statuses = [
            client.get(
                f"/api/v1/actions/{ENV_ACTION}/history",
                headers={**auth("bsl_guess"), "X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in range(4)
        ]
        assert statuses == [401, 401, 429, 429]


def test_forwarded_addresses_are_read_from_a_trusted_proxy_only(db_url, keys):
    settings = Settings(database_url=db_url, auth_failures_allowed=2, trusted_proxies="testclient")
    history = f"/api/v1/actions/{ENV_ACTION}/history"
    with TestClient(create_app(settings)) as client:

        def guess(address: str) -> int:
            headers = {**auth("bsl_guess"), "X-Forwarded-For": address}
            return client.get(history, headers=headers).status_code

        # Behind the proxy, each client counts on its own: one guesser does not block another.
        assert [guess("198.51.100.7") for _ in range(3)] == [401, 401, 429]
        assert guess("198.51.100.8") == 401
        # The guesser's colleague, behind the same address, with a valid token: served.
        valid = {**auth(keys.env), "X-Forwarded-For": "198.51.100.7"}
        assert client.get(history, headers=valid).status_code == 200


def test_a_valid_token_is_never_refused_for_others_failures(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, auth_failures_allowed=1))) as client:
        for _ in range(5):
            client.put(REPORT, json={"progress": 1}, headers=auth("bsl_guess"))
        assert client.put(REPORT, json={"progress": 1}, headers=auth("x")).status_code == 429
        good = client.put(REPORT, json={"progress": 30}, headers=auth(keys.admin))
        assert good.status_code == 201
        assert client.get(REPORT).json()["progress"] == 30


def test_the_brake_remembers_a_bounded_number_of_clients_for_a_bounded_time():
    limiter = FailedAuthLimiter(attempts=3, window=0.2, max_clients=100)
    for i in range(6_000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100
    # Each client keeps at most `attempts` times, however often it fails.
    for _ in range(1_000):
        limiter.failed("192.0.2.1")
    assert limiter.failed("192.0.2.1") is not None
    time.sleep(0.25)
    assert limiter.failed("192.0.2.1") is None  # the window passed: forgiven


# --- Links from the configured public URL -------------------------------------------------------


def test_links_come_from_the_public_url_not_the_host_header(db_url):
    settings = Settings(database_url=db_url, public_url="https://boussole.example.fr/suivi")
    with TestClient(create_app(settings)) as client:
        index = client.get("/api/v1/open-data", headers={"Host": "evil.example.com"})
        assert index.status_code == 200
        links = [index.json()["datapackage"], *(r["csv"] for r in index.json()["resources"])]
        assert all(link.startswith("https://boussole.example.fr/suivi/api/v1/") for link in links)
        assert "evil" not in index.text


def test_without_a_public_url_links_follow_the_request(client):
    index = client.get("/api/v1/open-data", headers={"Host": "boussole.localhost:8000"})
    assert index.json()["datapackage"].startswith("http://boussole.localhost:8000/api/v1/")


# --- Locks held by someone else -----------------------------------------------------------------


def test_a_write_lock_held_elsewhere_is_a_503_not_a_wait_without_end(db_url, keys):
    settings = Settings(database_url=db_url, queue_timeout=1)
    with TestClient(create_app(settings)) as client:
        holder = _hold_write_lock(db_url)
        try:
            started = time.monotonic()
            response = client.put(REPORT, json={"progress": 5}, headers=auth(keys.admin))
            waited = time.monotonic() - started
            # Reads go on meanwhile.
            assert client.get(f"/api/v1/actions/{ENV_ACTION}").status_code == 200
        finally:
            holder()
        body = problem(response, 503, "service-unavailable")
        assert body["detail"] == (
            "La base de données est occupée ou injoignable : réessayez dans un instant."
        )
        assert body["retry_after"] == int(response.headers["Retry-After"]) >= 1
        assert waited < 5
        # Once the lock is gone the write goes through.
        assert client.put(REPORT, json={"progress": 5}, headers=auth(keys.admin)).status_code == 201


def _hold_write_lock(db_url: str):
    """Another process's writer: holds the lock the API's writers need; returns its release."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        writer = sqlite3.connect(str(url.database), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        return writer.close
    engine = make_engine(db_url)
    connection = engine.connect()
    connection.execute(text("SELECT 1 FROM revision FOR UPDATE"))

    def release() -> None:
        connection.rollback()
        connection.close()
        engine.dispose()

    return release
