"""Two API processes on one database: what one writes, the other serves at once.

Two real uvicorn processes (``app.main:create_app --factory``) share this test's own database
(one PostgreSQL database, or one SQLite file). Nothing is cached between requests: a write through
the first is read back through the second with its new version (ETag) as soon as it is answered,
and the If-Match check holds across processes.
"""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.auth import tokens
from app.core.db import make_engine, session_scope
from app.models import Directorate, Role, Trackable
from tests.servers import api_process, wait_until_live

ACTION = "E2.3.2"
START_TIMEOUT = 30.0


def version_of(response: httpx.Response) -> int:
    """The version an ETag carries: ``"2"``, or ``"2.r17"`` with the database's revision."""
    return int(response.headers["ETag"].strip('"').split(".")[0])


@pytest.fixture
def two_processes(db_url: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    logs = [tmp_path / "api-1.log", tmp_path / "api-2.log"]
    with ExitStack() as stack:
        first, second = (stack.enter_context(api_process(db_url, log)).client for log in logs)
        wait_until_live([first, second], logs)
        yield first, second


def test_a_write_through_one_process_is_served_by_the_other(
    db_url: str, two_processes: tuple[httpx.Client, httpx.Client]
) -> None:
    first, second = two_processes
    before = second.get(f"/api/v1/actions/{ACTION}")  # the second process has read it already
    assert before.status_code == 200, before.text
    assert (before.json()["status"], before.json()["progress"]) == ("planned", None)
    assert version_of(before) == 1

    # A directorate and an admin token made through the service layer while both processes run.
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            directorate = Directorate(code="ENV", name="Direction de l'environnement")
            session.add(directorate)
            session.flush()
            _, token = tokens.create(
                session=session, name="admin", role=Role.admin, directorate_codes=[]
            )
    finally:
        engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    assert second.get("/api/v1/directorates/ENV").status_code == 200

    patched = first.patch(
        f"/api/v1/actions/{ACTION}",
        json={"status": "in_progress"},
        headers={**headers, "If-Match": before.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    assert version_of(patched) == 2
    report = first.put(
        f"/api/v1/actions/{ACTION}/progress/2025", json={"progress": 30}, headers=headers
    )
    assert report.status_code == 201, report.text

    after = second.get(f"/api/v1/actions/{ACTION}")
    assert after.status_code == 200, after.text
    assert after.json()["status"] == "in_progress"
    assert (after.json()["progress"], after.json()["progress_year"]) == (30, 2025)
    assert version_of(after) == 2
    assert after.headers["ETag"] != before.headers["ETag"]
    progress = second.get(f"/api/v1/actions/{ACTION}/progress/2025", headers=headers)
    assert progress.status_code == 200, progress.text
    assert (progress.json()["progress"], progress.json()["reported_by"]) == (30, "admin")
    # Both processes now give the same answer, the list included.
    for path in (f"/api/v1/actions/{ACTION}", "/api/v1/actions?axis=E2.3&limit=200"):
        assert first.get(path).content == second.get(path).content

    # A write through the second process with the version read before is refused (412): the
    # If-Match check sees the first process's write.
    stale = second.patch(
        f"/api/v1/actions/{ACTION}",
        json={"status": "blocked"},
        headers={**headers, "If-Match": before.headers["ETag"]},
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["current_version"] == 2
    assert first.get(f"/api/v1/actions/{ACTION}").json()["status"] == "in_progress"

    # And the other way round: a write through the second is served by the first.
    patched_again = second.patch(
        f"/api/v1/actions/{ACTION}",
        json={"status": "delayed"},
        headers={**headers, "If-Match": after.headers["ETag"]},
    )
    assert patched_again.status_code == 200, patched_again.text
    again = first.get(f"/api/v1/actions/{ACTION}")
    assert (again.json()["status"], version_of(again)) == ("delayed", 3)
    # Read-your-writes, over and over, through either process: a write is answered only once it
    # is committed, so whoever reads next, wherever, sees it.
    for attempt in range(40):
        writer, reader = (first, second) if attempt % 2 else (second, first)
        report = writer.put(
            f"/api/v1/actions/{ACTION}/progress/2026", json={"progress": attempt}, headers=headers
        )
        assert report.status_code in (200, 201), report.text
        read = reader.get(f"/api/v1/actions/{ACTION}/progress/2026")
        assert (read.json()["progress"], version_of(read)) == (attempt, attempt + 1)

    # The database itself holds the third version.
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            trackable = session.exec(select(Trackable).where(Trackable.code == ACTION)).one()
            assert (trackable.version, trackable.status) == (3, "delayed")
    finally:
        engine.dispose()
