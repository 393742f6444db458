"""Real API processes for the tests that need more than one client or process: uvicorn serving
``app.main:create_app`` on a free loopback port, stopped at the end even on failure."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.core.config import PROJECT_ROOT

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class RunningApi:
    client: httpx.Client
    process: subprocess.Popen[bytes]
    url: str

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def api_process(
    db_url: str,
    log: Path,
    workers: int = 1,
    env: dict[str, str] | None = None,
    *,
    serve: bool = False,
) -> Iterator[RunningApi]:
    """A uvicorn process serving the API on a free port; stopped on exit, even on failure.
    ``serve``: started as `boussole serve` (with its protocol, timeouts and shutdown settings)
    rather than as a bare uvicorn."""
    port = free_port()
    environment = {**os.environ, "BOUSSOLE_DATABASE_URL": db_url, **(env or {})}
    if serve:
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers)]
    else:
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
        command += ["--workers", str(workers)]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield RunningApi(client, process, url)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_live(clients: list[httpx.Client], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(zip(clients, logs, strict=True))
    while waiting:
        client, log = waiting[0]
        try:
            if client.get("/healthz", timeout=1).status_code == 200:
                waiting.pop(0)
                continue
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
