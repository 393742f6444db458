"""A database out of reach: every answer is the 503 of a database unavailable (problem+json with
Retry-After for the API, the French page for a browser), never a 500 — the revision read by the
HTTP cache's middleware and the token's look-up run outside the routes' error handlers — and
nothing of the database's address or user reaches the log. When it is back, the same app
answers again."""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.main import create_app
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import problem

MESSAGE = "La base de données est occupée ou injoignable : réessayez dans un instant."
#: A PostgreSQL server no one listens for (port 1 on loopback), with a user and password.
CLOSED_PORT = "postgresql+psycopg://agent_secret:mot-de-passe@127.0.0.1:1/boussole_absente"


def assert_unavailable(client: TestClient) -> None:
    """What an API reader, a browser and a writer get while the database is out of reach."""
    for path in ("/api/v1/plan", "/api/v1/tree", "/api/v1/actions/E1.1.1"):
        body = problem(client.get(path), 503, "service-unavailable")
        assert body["detail"] == MESSAGE and body["retry_after"] == 2
    answer = client.get("/api/v1/plan", headers={"If-None-Match": 'W/"r1t1"'})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    head = client.head("/api/v1/plan")
    assert head.status_code == 503 and head.headers["Retry-After"] == "2"
    # A signed-in person's read, and a write with a token (looked up before the route).
    cookie = {"Cookie": "boussole_session=quelconque"}
    problem(client.get("/api/v1/plan", headers=cookie), 503, "service-unavailable")
    token = {"Authorization": "Bearer un-jeton-quelconque"}
    write = client.post("/api/v1/actions", json={"title": "x", "axis": "E1.1"}, headers=token)
    problem(write, 503, "service-unavailable")
    # A browser gets the French page, without the plan's header (it is in the database).
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 503, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["Retry-After"] == "2"
    assert "Service momentanément indisponible" in page.text and "réessayez" in page.text
    admin = client.get("/admin/", headers={"Accept": "text/html", **cookie})
    assert admin.status_code == 503 and admin.headers["content-type"].startswith("text/html")


def assert_nothing_of_the_address_logged(caplog: pytest.LogCaptureFixture, url: str) -> None:
    parts = make_url(url)
    ours = [r for r in caplog.records if r.name.startswith(("app", "boussole", "uvicorn"))]
    assert any(r.getMessage() == "database unavailable: OperationalError" for r in ours)
    assert not any(r.exc_info for r in ours)  # no traceback: no 500
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    named = [parts.host, parts.username, parts.password, parts.database]
    for word in (w for w in named if w):
        assert word not in logged, word


@pytest.mark.parametrize("where", ["a SQLite file in a missing folder", "a PostgreSQL port closed"])
def test_an_app_whose_database_is_out_of_reach(
    where: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = f"sqlite:///{tmp_path / 'absent' / 'boussole.db'}" if "SQLite" in where else CLOSED_PORT
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert_unavailable(client)
    assert_nothing_of_the_address_logged(caplog, url)


@contextmanager
def gone(databases: SqliteDatabases | PostgresDatabases, url: str) -> Iterator[None]:
    """The database out of reach for a while, then back. PostgreSQL: its connections ended and
    the database renamed under the running app. SQLite: its folder moved away (a connection
    SQLite has open keeps reading the file, so the app must not have opened one yet)."""
    parts = make_url(url)
    if isinstance(databases, PostgresDatabases):
        name = parts.database
        with databases.admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{name}_ailleurs"'))
        try:
            yield
        finally:
            with databases.admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}_ailleurs" RENAME TO "{name}"'))
        return
    folder = Path(parts.database or "").parent
    away = folder.with_name(folder.name + "-ailleurs")
    os.rename(folder, away)
    try:
        yield
    finally:
        os.rename(away, folder)


def test_a_database_that_goes_away_and_comes_back(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    url = databases.clone(seeded_template)
    if isinstance(databases, SqliteDatabases):  # a folder of its own, to move away
        own = tmp_path / "base" / "boussole.db"
        own.parent.mkdir()
        os.rename(make_url(url).database or "", own)
        url = f"sqlite:///{own}"
    try:
        with TestClient(create_app(Settings(database_url=url))) as client:
            if isinstance(databases, PostgresDatabases):
                assert client.get("/api/v1/plan").status_code == 200  # connections open
            with gone(databases, url):
                assert_unavailable(client)
            for path in ("/api/v1/plan", "/"):
                assert client.get(path).status_code == 200, path
    finally:
        if isinstance(databases, PostgresDatabases):
            databases.drop(url)
    assert_nothing_of_the_address_logged(caplog, url)
