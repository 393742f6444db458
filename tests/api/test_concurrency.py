"""Concurrent writers against real API processes: no lost update, no 5xx."""

import multiprocessing
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, func, select

from app.auth import tokens
from app.core.db import make_engine, session_scope
from app.models import AuditEntry, Role
from tests.servers import RunningApi, api_process, wait_until_live

ACTION = "E2.3.2"
REPORT = f"/api/v1/actions/{ACTION}/progress/2025"


def make_admin_token(db_url: str) -> str:
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            return tokens.create(
                session=session, name="load", role=Role.admin, directorate_codes=[]
            )[1]
    finally:
        engine.dispose()


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[RunningApi]:
    log = tmp_path / "api.log"
    with api_process(db_url, log, workers=2) as api:
        wait_until_live([api.client], [log])
        yield api


def audit_entries(db_url: str, key: str) -> int:
    engine = make_engine(db_url)
    with Session(engine) as session:
        count = session.scalar(
            select(func.count(col(AuditEntry.id))).where(col(AuditEntry.entity_key) == key)
        )
    engine.dispose()
    return count or 0


def race(
    url: str, headers: dict[str, str], *, expected: int | None, values: list[int]
) -> list[int]:
    """Every value PUT at once by its own client, all with ``If-Match: expected`` (none when
    ``expected`` is None)."""
    barrier = threading.Barrier(len(values))
    statuses: list[int] = []
    lock = threading.Lock()

    def write(value: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            barrier.wait()
            sent = headers if expected is None else {**headers, "If-Match": f'"{expected}"'}
            response = client.put(REPORT, json={"progress": value}, headers=sent)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=write, args=(value,)) for value in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_twenty_clients_with_the_same_if_match_one_wins_per_version(db_url, server):
    token = make_admin_token(db_url)
    headers = {"Authorization": f"Bearer {token}"}
    created = server.client.put(REPORT, json={"progress": 1}, headers=headers)
    assert created.status_code == 201
    version = 1
    for round_number in range(3):
        values = [10 * round_number + i for i in range(20)]
        statuses = race(server.url, headers, expected=version, values=values)
        assert sorted(statuses) == [200] + [412] * 19, statuses
        version += 1
        assert server.client.get(REPORT).json()["version"] == version
    # One audit entry for the creation and one per successful update, none for the 57 refusals.
    assert audit_entries(db_url, f"{ACTION}/2025") == 1 + 3


def test_twenty_clients_without_if_match_are_all_written_one_after_the_other(db_url, server):
    # Each reads the report before the revision's lock (app.trackables.progress.write); those
    # whose read another writer made stale write again under the lock: no error, nothing lost.
    token = make_admin_token(db_url)
    headers = {"Authorization": f"Bearer {token}"}
    assert server.client.put(REPORT, json={"progress": 1}, headers=headers).status_code == 201
    statuses = race(server.url, headers, expected=None, values=list(range(20, 40)))
    assert statuses == [200] * 20, statuses
    report = server.client.get(REPORT).json()
    assert report["version"] == 21
    assert report["progress"] in range(20, 40)
    assert audit_entries(db_url, f"{ACTION}/2025") == 21


def _load(url: str, token: str, codes: list[str], seconds: float, results: Any) -> None:
    """One client process: writes increasing progress to its own reports, reads between."""
    acknowledged: dict[str, float] = {}
    errors = 0
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    value = 0.0
    with httpx.Client(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            for code in codes:
                value = min(100.0, value + 0.5)
                path = f"/api/v1/actions/{code}/progress/2026"
                response = client.put(path, json={"progress": value}, headers=headers)
                if response.status_code >= 500:
                    errors += 1
                elif response.status_code in (200, 201):
                    acknowledged[code] = value
                for read in (
                    "/api/v1/tree",
                    f"/api/v1/actions/{code}",
                    "/api/v1/dashboard/summary",
                ):
                    if client.get(read).status_code >= 500:
                        errors += 1
    results.put((acknowledged, errors))


def test_mixed_load_from_several_processes_loses_nothing(db_url, server):
    token = make_admin_token(db_url)
    partitions = [["E1.1.1", "E1.2.1"], ["E2.1.1", "E2.2.1"], ["E3.1.1", "E3.2.1"]]
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=_load, args=(server.url, token, codes, 3.0, results))
        for codes in partitions
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert sum(errors for _, errors in outcomes) == 0
    acknowledged = {code: value for found, _ in outcomes for code, value in found.items()}
    assert len(acknowledged) == 6
    for code, value in acknowledged.items():
        stored = server.client.get(f"/api/v1/actions/{code}/progress/2026").json()["progress"]
        assert stored == value, code
