"""Crash safety: a server killed (SIGKILL) in the middle of a large CSV import leaves none of that
import's rows behind, and serves normally once restarted."""

import sqlite3
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.auth import tokens
from app.core.db import make_engine, session_scope
from app.models import Role
from tests.conftest import seed_database
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import scaled_plan
from tests.servers import api_process, wait_until_live


@pytest.fixture
def large_db(
    databases: SqliteDatabases | PostgresDatabases,
    empty_template: str,
    tmp_path: Path,
) -> str:
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(scaled_plan(10), allow_unicode=True), encoding="utf-8")
    return databases.template(
        "crash",
        lambda url: seed_database(url, plan_file),
        base=empty_template,
    )


def writer_is_busy(url: str, wal_floor: int) -> bool:
    """True once a write transaction holds the database and has written into it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        wal = Path(f"{path}-wal")
        if not wal.exists() or wal.stat().st_size <= wal_floor:
            return False
        lite = sqlite3.connect(path, timeout=0)
        try:
            lite.execute("BEGIN IMMEDIATE")
            lite.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            lite.close()
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as probe:
        try:
            probe.execute("SELECT value FROM revision WHERE id = 1 FOR UPDATE NOWAIT")
            return False
        except psycopg.errors.LockNotAvailable:
            return True


def count_reports(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM progress_report")).scalar_one()
    engine.dispose()
    return int(count)


def test_sigkill_in_the_middle_of_an_import_leaves_nothing(large_db, tmp_path):
    engine = make_engine(large_db)
    with session_scope(engine) as session:
        token = tokens.create(session=session, name="crash", role=Role.admin, directorate_codes=[])[
            1
        ]
    engine.dispose()
    plan = scaled_plan(10)
    codes = [
        action["code"]
        for engagement in plan["engagements"]
        for axis in engagement["axes"]
        for action in axis["actions"]
    ]
    rows = [f"{code},{year},{(year - 2023) * 4}" for code in codes for year in range(2024, 2045)]
    body = ("trackable_code,year,progress\n" + "\n".join(rows) + "\n").encode()
    assert len(rows) == 590 * 21  # long enough to be killed while it writes
    wal_path = Path(f"{make_url(large_db).database}-wal")
    wal_floor = (wal_path.stat().st_size if wal_path.exists() else 0) + 32 * 1024

    log = tmp_path / "api.log"
    outcome: dict[str, object] = {}
    with api_process(large_db, log) as api:
        wait_until_live([api.client], [log])

        def send() -> None:
            try:
                outcome["response"] = api.client.post(
                    "/api/v1/progress/import",
                    content=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
                )
            except httpx.TransportError as exc:
                outcome["error"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 30
        while not writer_is_busy(large_db, wal_floor):
            assert time.monotonic() < deadline, "the import never started writing"
            assert sender.is_alive(), f"the import ended before the kill: {outcome}"
            time.sleep(0.002)
        api.kill()
        sender.join(timeout=30)
    assert "error" in outcome, f"the import was answered before the kill: {outcome}"

    assert count_reports(large_db) == 0
    log = tmp_path / "api-after.log"
    with api_process(large_db, log) as api:
        wait_until_live([api.client], [log])
        assert api.client.get("/readyz").status_code == 200
        assert api.client.get("/api/v1/actions", params={"year": 2030}).json()["total"] == 0
        again = api.client.put(
            "/api/v1/actions/E1.1.1/progress/2025",
            json={"progress": 12},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert again.status_code == 201
    assert count_reports(large_db) == 1
