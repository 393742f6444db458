"""More clients than the server has threads or connections, slow clients, and SIGTERM under load,
against a real `boussole serve` process (on SQLite, and on PostgreSQL with
BOUSSOLE_TEST_BACKEND=postgresql).

Before: 41 concurrent anonymous PUTs hung the process for good (every worker thread waiting on the
SQLite writer lock, taken before the token was checked), and 100 concurrent writes on PostgreSQL
answered 80 × 500 (the connection pool exhausted)."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.test_concurrency import make_admin_token
from tests.servers import RunningApi, api_process, wait_until_live

#: Every request must be answered within this many seconds, whatever the load.
ANSWER_WITHIN = 15.0
#: Statuses a write may answer under load (503: saturated, retry after Retry-After).
WRITE_STATUSES = {200, 201, 409, 412, 503}
SETTINGS = {
    "BOUSSOLE_QUEUE_TIMEOUT": "5",
    "BOUSSOLE_REQUEST_HEADER_TIMEOUT": "1",
    "BOUSSOLE_REQUEST_BODY_TIMEOUT": "1",
    "BOUSSOLE_GRACEFUL_SHUTDOWN_TIMEOUT": "3",
    "BOUSSOLE_LOG_LEVEL": "WARNING",
}


@dataclass
class Served:
    api: RunningApi
    token: str
    actions: list[str]


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[Served]:
    token = make_admin_token(db_url)
    log = tmp_path / "api.log"
    with api_process(db_url, log, env=SETTINGS, serve=True) as api:
        wait_until_live([api.client], [log])
        listed = api.client.get("/api/v1/actions", params={"limit": 200}).json()["items"]
        yield Served(api, token, [item["code"] for item in listed])


@dataclass
class Outcome:
    kind: str
    target: str
    value: float | None
    status: int
    seconds: float


async def _send(client: httpx.AsyncClient, kind: str, method: str, target: str, **kw) -> Outcome:
    started = time.monotonic()
    response = await client.request(method, target, **kw)
    value = kw.get("json", {}).get("progress") if "json" in kw else None
    return Outcome(kind, target, value, response.status_code, time.monotonic() - started)


#: /healthz every 100 ms from a process of its own (this one is busy sending the storm): one line
#: per answer, its status and seconds.
HEALTH_WATCHER = """
import sys, time, httpx
with httpx.Client(base_url=sys.argv[1], timeout=30) as client:
    while True:
        started = time.monotonic()
        status = client.get("/healthz").status_code
        print(status, round(time.monotonic() - started, 4), flush=True)
        time.sleep(0.1)
"""


@contextmanager
def health_watched(url: str) -> Iterator[list[tuple[int, float]]]:
    """/healthz asked throughout the block; the list of (status, seconds) is filled at its end."""
    answers: list[tuple[int, float]] = []
    watcher = subprocess.Popen(
        [sys.executable, "-c", HEALTH_WATCHER, url], stdout=subprocess.PIPE, text=True
    )
    try:
        time.sleep(0.3)  # its first answers come before the load
        yield answers
    finally:
        watcher.terminate()
        output, _ = watcher.communicate(timeout=10)
    for line in output.splitlines():
        status, seconds = line.split()
        answers.append((int(status), float(seconds)))


async def _storm(served: Served, *, anonymous: int, authenticated: int) -> list[Outcome]:
    url = served.api.url
    limits = httpx.Limits(max_connections=anonymous + authenticated + 10)
    async with httpx.AsyncClient(base_url=url, timeout=ANSWER_WITHIN, limits=limits) as client:
        requests = []
        for i in range(anonymous):
            code = served.actions[i % len(served.actions)]
            target = f"/api/v1/actions/{code}/progress/{2024 + i % 21}"
            requests.append(_send(client, "anonymous", "PUT", target, json={"progress": 1}))
        for i in range(authenticated):
            code = served.actions[i % len(served.actions)]
            target = f"/api/v1/actions/{code}/progress/{2024 + i // len(served.actions)}"
            body = {"progress": round(10 + i * 0.25, 2), "comment": f"charge {i}"}
            headers = {"Authorization": f"Bearer {served.token}"}
            requests.append(
                _send(client, "authenticated", "PUT", target, json=body, headers=headers)
            )
        outcomes = await asyncio.gather(*requests)
    return list(outcomes)


def test_hundreds_of_concurrent_writers_are_all_answered_and_nothing_acknowledged_is_lost(
    served: Served,
):
    with health_watched(served.api.url) as health:
        outcomes = asyncio.run(_storm(served, anonymous=200, authenticated=200))
    slowest_health = max(seconds for _, seconds in health)
    print(f"/healthz during the storm: {len(health)} answers, slowest {slowest_health:.3f} s")
    assert len(health) >= 3
    assert {status for status, _ in health} == {200}
    assert slowest_health < 5

    statuses = Counter((o.kind, o.status) for o in outcomes)
    slowest = max(o.seconds for o in outcomes)
    print(f"statuses: {dict(statuses)}; slowest answer {slowest:.2f} s")
    assert slowest < ANSWER_WITHIN
    assert {o.status for o in outcomes if o.kind == "anonymous"} == {401}
    written = [o for o in outcomes if o.kind == "authenticated"]
    assert {o.status for o in written} <= WRITE_STATUSES
    acknowledged = [o for o in written if o.status in (200, 201)]
    assert len(acknowledged) >= len(written) // 2, statuses  # saturation is the exception
    # Every acknowledged write is there afterwards, with its value.
    for outcome in acknowledged:
        report = served.api.client.get(outcome.target)
        assert report.status_code == 200, outcome
        assert report.json()["progress"] == outcome.value
    # And the server still serves as before.
    assert served.api.client.get("/api/v1/actions").status_code == 200


def test_a_saturated_server_answers_503_with_retry_after_at_once(db_url: str, tmp_path: Path):
    token = make_admin_token(db_url)
    log = tmp_path / "api.log"
    # One request at a time, none queued: the second of two simultaneous writes is refused.
    tight = {**SETTINGS, "BOUSSOLE_MAX_IN_FLIGHT": "1", "BOUSSOLE_MAX_QUEUED": "0"}
    with api_process(db_url, log, env=tight, serve=True) as api:
        wait_until_live([api.client], [log])
        served = Served(api, token, ["E1.1.1", "E1.1.2", "E2.3.2"])
        outcomes = asyncio.run(_storm(served, anonymous=0, authenticated=30))
    refused = [o for o in outcomes if o.status == 503]
    assert refused, "30 simultaneous writes with room for one never saturated the server"
    assert {o.status for o in outcomes} <= WRITE_STATUSES
    assert max(o.seconds for o in refused) < 5


def test_anonymous_uploads_are_refused_before_their_body_is_read(served: Served):
    def rss_kib() -> int:
        status = Path(f"/proc/{served.api.process.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
        )

    before = rss_kib()
    body = b"trackable_code,year,progress\n" + b"E1.1.1,2025,10\n" * (5 * 1024 * 1024 // 16)

    async def upload() -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=served.api.url, timeout=30, limits=limits) as client:
            headers = {"Content-Type": "text/csv"}
            answers = await asyncio.gather(
                *(
                    client.post("/api/v1/progress/import", content=body, headers=headers)
                    for _ in range(40)
                )
            )
        return [a.status_code for a in answers]

    assert set(asyncio.run(upload())) == {401}
    grown_mib = (rss_kib() - before) / 1024
    print(f"40 anonymous 5 MiB uploads: the server grew by {grown_mib:.1f} MiB")
    assert grown_mib < 40  # 40 bodies held would be 200 MiB


def _raw(served: Served, request: bytes) -> bytes:
    """Sends ``request`` on a connection of its own, then nothing; returns all it got back."""
    host, port = served.api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_a_client_slow_to_send_its_headers_is_cut_off(served: Served):
    started = time.monotonic()
    answer = _raw(served, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never ends its headers
    assert answer == b""  # the connection was closed
    assert time.monotonic() - started < 4  # header timeout: 1 s
    # A connection that sends nothing at all is closed as well.
    started = time.monotonic()
    assert _raw(served, b"") == b""
    assert time.monotonic() - started < 4


def test_a_client_slow_to_send_its_body_gets_408(served: Served):
    headers = (
        b"PUT /api/v1/actions/E1.1.1/progress/2025 HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: Bearer {served.token}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    started = time.monotonic()
    answer = _raw(served, headers + b'{"progress"')  # 11 of 100 bytes, then nothing
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < 4  # body timeout: 1 s
    assert served.api.client.get("/api/v1/actions/E1.1.1/progress/2025").status_code == 404


def test_sigterm_stops_the_server_under_load_within_its_graceful_timeout(served: Served):
    async def storm_then_terminate() -> None:
        storm = asyncio.create_task(_storm_quietly(served))
        await asyncio.sleep(0.3)
        served.api.process.send_signal(signal.SIGTERM)
        await storm

    started = time.monotonic()
    asyncio.run(storm_then_terminate())
    served.api.process.wait(timeout=15)
    stopped_after = time.monotonic() - started
    print(f"stopped {stopped_after:.2f} s after SIGTERM under load")
    assert stopped_after < 3 + 5  # graceful timeout 3 s, plus the process's own exit
    assert served.api.process.returncode is not None


async def _storm_quietly(served: Served) -> None:
    """200 authenticated writes whose outcome does not matter (the server is being stopped)."""
    limits = httpx.Limits(max_connections=210)
    async with httpx.AsyncClient(base_url=served.api.url, timeout=10, limits=limits) as client:
        headers = {"Authorization": f"Bearer {served.token}"}

        async def write(i: int) -> None:
            code = served.actions[i % len(served.actions)]
            target = f"/api/v1/actions/{code}/progress/2030"
            with suppress(httpx.HTTPError):  # cut off by the shutdown: expected
                await client.put(target, json={"progress": 5}, headers=headers)

        await asyncio.gather(*(write(i) for i in range(200)))


def test_serve_reads_its_timeouts_from_the_settings():
    # The settings the tests above rely on are the ones `boussole serve` passes to uvicorn.
    from app.core.config import get_settings
    from app.core.server import HeaderTimeoutProtocol, uvicorn_options

    get_settings.cache_clear()
    os.environ["BOUSSOLE_GRACEFUL_SHUTDOWN_TIMEOUT"] = "7"
    try:
        options = uvicorn_options()
    finally:
        del os.environ["BOUSSOLE_GRACEFUL_SHUTDOWN_TIMEOUT"]
        get_settings.cache_clear()
    assert options["http"] is HeaderTimeoutProtocol
    assert options["timeout_graceful_shutdown"] == 7
    assert options["proxy_headers"] is False
