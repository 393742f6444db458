"""Operations: the health probes, request ids, the JSON request log and `boussole serve`.

Everything goes through real HTTP (TestClient, or a real uvicorn for `serve`) on real databases.
An unreachable database is made for real too: on SQLite, a directory stands where the database file
should be; on PostgreSQL, the URL names a closed port, later opened by a TCP forwarder to the
server.
"""

import logging
import os
import re
import select
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from app.core import migrations
from app.core.config import PROJECT_ROOT, Settings
from app.core.logging import configure_logging
from app.main import create_app
from tests.conftest import make_client
from tests.helpers import access_lines, json_lines, problem

SECRET = "secret-token-123"
ACCESS_FIELDS = {"time", "level", "request_id", "method", "path", "status", "duration_ms"}


# --- helpers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class _Pipe(socketserver.BaseRequestHandler):
    server: "TcpForwarder"

    def handle(self) -> None:
        with socket.create_connection(self.server.target) as upstream:
            peers = {self.request: upstream, upstream: self.request}
            while True:
                readable, _, _ = select.select(list(peers), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)


class TcpForwarder(socketserver.ThreadingTCPServer):
    """Listens on 127.0.0.1:port and pipes every connection to ``target``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.target = target
        super().__init__(("127.0.0.1", port), _Pipe)
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


@contextmanager
def database_outage(db_url: str, folder: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A URL on which ``db_url``'s database cannot be reached, and a function bringing it back."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = folder / "boussole.db"
        path.mkdir()  # a directory where the database file should be: SQLite cannot open it

        def restore_file() -> None:
            path.rmdir()
            shutil.copy(url.database or "", path)

        yield f"sqlite:///{path}", restore_file
        return
    port = free_port()  # nothing listens there: connections are refused
    forwarders: list[TcpForwarder] = []

    def open_port() -> None:
        forwarders.append(TcpForwarder(port, (url.host or "127.0.0.1", url.port or 5432)))

    try:
        yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False), open_port
    finally:
        for forwarder in forwarders:
            forwarder.close()


# --- health probes ----------------------------------------------------------------------------


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_probes_are_at_the_root_and_documented(client: TestClient) -> None:
    assert client.get("/api/v1/healthz").status_code == 404
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/healthz", "/readyz"):
        operation = paths[path]["get"]
        assert operation["tags"] == ["operations"]
        assert operation["description"]
    assert "503" in paths["/readyz"]["get"]["responses"]


def test_readyz_ready_on_the_migrated_database(client: TestClient) -> None:
    head = migrations.head_revision()
    assert head is not None
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"] == "reachable"
    assert body["revision"] == body["head"] == head


def test_the_service_loads_alembic_only_for_its_readiness_check() -> None:
    """Alembic (7 MB of every server's memory) is read by ``/readyz`` alone."""
    code = (
        "import sys; from app.main import create_app; create_app(); print('alembic' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert loaded.stdout.strip() == "False"


def test_readyz_503_on_an_older_revision_then_200_after_upgrade(empty_db_url: str) -> None:
    head = migrations.head_revision()
    with make_client(empty_db_url) as client:
        assert client.get("/readyz").status_code == 200

        migrations.downgrade(empty_db_url, "-1")
        body = problem(client.get("/readyz"), 503, "not-ready")
        assert body["database"] == "reachable"
        assert body["head"] == head
        assert body["revision"] != head
        assert body["detail"] == (
            f"La base de données est à la révision {body['revision']}, la dernière migration est "
            f"{head} : lancez « boussole db upgrade »."
        )

        migrations.downgrade(empty_db_url, "base")
        body = problem(client.get("/readyz"), 503, "not-ready")
        assert body["revision"] is None
        assert "à la révision aucune" in body["detail"]

        migrations.upgrade(empty_db_url)
        response = client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["revision"] == head
        client.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_readyz_503_while_the_database_is_unreachable_then_200(db_url: str, tmp_path: Path) -> None:
    with database_outage(db_url, tmp_path) as (url, bring_back), make_client(url) as client:
        response = client.get("/readyz")
        body = problem(response, 503, "not-ready")
        assert body["database"] == "unreachable"
        assert body["detail"].startswith("Base de données injoignable")
        assert body["revision"] is None
        # Where the database lives stays out of the answer.
        location = make_url(url)
        assert str(location.database) not in response.text
        assert str(location.port) not in response.text
        assert client.get("/healthz").status_code == 200  # alive, just not ready

        bring_back()
        response = client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ready"
        client.app.state.engine.dispose()  # type: ignore[attr-defined]


# --- request ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("request_id", ["abc-123", "trace.42_X", "a" * 64])
def test_a_sane_request_id_is_echoed(client: TestClient, request_id: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id", ["", "a" * 65, "with space", "semi;colon", "slash/ed", f"Bearer {SECRET}"]
)
def test_an_odd_request_id_is_replaced(client: TestClient, request_id: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": request_id})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_every_response_gets_a_new_request_id(client: TestClient) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/readyz"),
        client.get("/no/such/route"),
        client.get("/api/v1/actions", params={"limit": 0}),  # 422
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 422]
    ids = [r.headers["X-Request-ID"] for r in responses]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_an_unhandled_error_answers_500_with_the_request_id_and_is_logged(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(Settings(database_url=db_url))

    def broken() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/broken", broken)
    capsys.readouterr()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken", headers={"X-Request-ID": "req-500"})
    assert response.headers["X-Request-ID"] == "req-500"
    body = problem(response, 500, "internal-error")
    assert (body["title"], body["request_id"]) == ("Erreur interne", "req-500")
    assert "req-500" in body["detail"]
    assert "boom" not in response.text
    [line] = access_lines(capsys.readouterr().err)
    assert (line["status"], line["level"], line["request_id"]) == (500, "ERROR", "req-500")
    app.state.engine.dispose()


def test_an_api_read_while_the_revision_cannot_be_read_answers_500_with_the_request_id(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/plan").status_code == 200  # kept by the replay
        source = app.state.revisions

        async def unreachable(_scope: object) -> None:
            raise OSError("database unreachable")

        monkeypatch.setattr(type(source), "__call__", lambda _self, scope: unreachable(scope))
        capsys.readouterr()
        response = client.get("/api/v1/plan", headers={"X-Request-ID": "req-db"})
    assert problem(response, 500, "internal-error")["request_id"] == "req-db"
    assert "unreachable" not in response.text
    [line] = access_lines(capsys.readouterr().err)
    assert (line["status"], line["request_id"]) == (500, "req-db")
    app.state.engine.dispose()


# --- the request log --------------------------------------------------------------------------


def test_one_json_line_per_request_and_no_credentials(
    client: TestClient, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # The test client's own logger (httpx) prints full URLs: it is not the service's log.
    caplog.set_level(logging.WARNING, logger="httpx")
    capsys.readouterr()
    secret_headers = {"Authorization": f"Bearer {SECRET}", "X-Request-ID": "trace-1"}
    responses = [
        client.get(f"/readyz?token={SECRET}", headers=secret_headers),
        client.get("/healthz", headers={"Authorization": f"Bearer {SECRET}"}),
        client.get("/api/v1/actions/E9.9.9", params={"access_token": SECRET}),
    ]
    output = capsys.readouterr().err

    lines = access_lines(output)
    assert len(lines) == len(responses)
    for line, response in zip(lines, responses, strict=True):
        assert set(line) >= ACCESS_FIELDS
        assert line["request_id"] == response.headers["X-Request-ID"]
        assert line["method"] == "GET"
        assert line["status"] == response.status_code
        assert line["level"] == "INFO"
        assert isinstance(line["duration_ms"], float | int)
        assert line["duration_ms"] >= 0
        assert datetime.fromisoformat(line["time"]).tzinfo is not None
    assert [line["path"] for line in lines] == ["/readyz", "/healthz", "/api/v1/actions/E9.9.9"]
    assert lines[0]["request_id"] == "trace-1"
    assert [line["status"] for line in lines] == [200, 200, 404]
    # Every line printed is JSON, and none carries the credentials, the header or the query.
    assert json_lines(output)
    for forbidden in (SECRET, "Authorization", "authorization", "Bearer", "token="):
        assert forbidden not in output


def test_log_level_setting(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert Settings(database_url=db_url, log_level="debug").log_level == "DEBUG"
    with pytest.raises(ValidationError):
        Settings(database_url=db_url, log_level="chatty")
    capsys.readouterr()
    app = create_app(Settings(database_url=db_url, log_level="WARNING"))
    try:
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
        # Request lines are INFO, below WARNING: nothing is logged.
        assert access_lines(capsys.readouterr().err) == []
    finally:
        app.state.engine.dispose()
        configure_logging("INFO")


# --- boussole serve ---------------------------------------------------------------------------


def test_serve_runs_workers_and_logs_json_only(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "BOUSSOLE_DATABASE_URL": db_url, "BOUSSOLE_WORKERS": "2"}
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        response = httpx.get(
            f"{base}/readyz?token={SECRET}",
            headers={"X-Request-ID": "served-1", "Authorization": f"Bearer {SECRET}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        assert response.headers["X-Request-ID"] == "served-1"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    output = log_path.read_text()
    lines = json_lines(output)  # uvicorn's own messages are JSON too
    served = [line for line in access_lines(output) if line["request_id"] == "served-1"]
    assert len(served) == 1
    assert (served[0]["path"], served[0]["status"]) == ("/readyz", 200)
    # Two worker processes, each announcing itself; no uvicorn access log ("GET /x HTTP/1.1" 200).
    workers = {line["message"] for line in lines if line["message"].startswith("Started server")}
    assert len(workers) == 2, output
    assert "HTTP/1.1" not in output
    assert SECRET not in output
