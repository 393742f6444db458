"""Boussole's benchmark: ``.venv/bin/python bench/run.py [--quick] [--out FILE]``.

Not part of the test suite. It prepares databases (the real plan with ``boussole demo --scale 1``
and ``--scale 100``, on SQLite and on a throw-away PostgreSQL server), serves each with
``boussole serve`` (uvicorn, 1 and 2 workers), loads it from this separate process with ``wrk``
and prints markdown tables: requests per second, p50 and p99 latency, errors, and for every read
route the same response bytes served by a bare Starlette app under the same uvicorn settings
(``bench/bare.py``), with the ratio Boussole / bare. It also measures the tree right after a write
(cold), concurrent PUTs of yearly progress, a 10,000-row CSV import, ``boussole export``,
``boussole seed`` and the servers' peak RSS, and checks the targets of docs/benchmarks.md.

On each server it also runs the work no kept answer can serve (``bench/varied.py``, issue 19):
``/actions`` pages all different, their throughput as a ratio to the same server's ``/healthz``,
the tree right after each kind of write, and varied reads while 4 clients write.

The whole run takes about 16 minutes on an idle two-core machine (docs/benchmarks.md).
``--quick``: SQLite only, one worker, 2-second runs.
``--varied-only``: only the runs of ``bench/varied.py`` (no stored answers, bare app, import).
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import varied as varied_runs  # noqa: E402
from tests.databases import ThrowAwayPostgres  # noqa: E402

PYTHON = sys.executable
CONNECTIONS = 16
THREADS = 2
COLD_LOOPS = 15
IMPORT_ROWS = 10_000

#: The read routes, by name: (path, send If-None-Match with the current ETag).
ACTIONS_QUERY = "/api/v1/actions?status=in_progress&directorate=DEMO-ENV&q=developpement&limit=50"
READS: dict[str, tuple[str, bool]] = {
    "tree (If-None-Match, 304)": ("/api/v1/tree", True),
    "tree (200)": ("/api/v1/tree", False),
    "dashboard/summary (If-None-Match, 304)": ("/api/v1/dashboard/summary", True),
    "dashboard/summary (200)": ("/api/v1/dashboard/summary", False),
    "actions, filtered and searched": (ACTIONS_QUERY, False),
    "open-data/progress.csv": ("/api/v1/open-data/progress.csv", False),
}

#: wrk's summary as one JSON line; ``span``: what a script sets there (bench/varied.py: how far
#: into its file of queries the run went).
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d, "max_us": %d, "span": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max, span and span() or 0))
end
"""

PUT_LUA = """
local codes = {%(codes)s}
local headers = {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}
local n = 0
setup = function(thread) thread:set("offset", math.random(#codes)) end
request = function()
  n = n + 1
  local code = codes[((n + (offset or 0)) %% #codes) + 1]
  local body = string.format('{"progress": %%d, "comment": "bench"}', n %% 101)
  return wrk.format("PUT", "/api/v1/actions/" .. code .. "/progress/2044", headers, body)
end
"""


# --- The machine ---------------------------------------------------------------------------------


def machine(postgres: ThrowAwayPostgres | None) -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    info = {
        "nproc": str(os.cpu_count()),
        "CPU": cpu,
        "memory": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "wrk": _output(["wrk", "--version"]).splitlines()[0].split(" [")[0],
        "load average at the start (1, 5, 15 min)": _load_average(),
    }
    if postgres is not None:
        info["PostgreSQL"] = _output([str(postgres.bin / "postgres"), "--version"]).strip()
    return info


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _output(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout or done.stderr


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("wrk is missing: apt-get install wrk")
    print("--- installing wrk from the Debian packages", file=sys.stderr)
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


# --- Databases and the command line --------------------------------------------------------------


def cli(url: str, *args: str) -> tuple[float, str]:
    """Run ``boussole ARGS`` on the database ``url``; its wall time and standard output."""
    env = os.environ | {"BOUSSOLE_DATABASE_URL": url, "BOUSSOLE_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "app.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"boussole {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


@dataclass
class Database:
    backend: str
    scale: int
    url: str
    token: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def prepare(backend: str, scale: int, url: str) -> Database:
    """Migrate, seed (timed, at scale 1), fill with the demo (timed) and make an admin token."""
    database = Database(backend, scale, url)
    database.timings["db upgrade"] = cli(url, "db", "upgrade")[0]
    if scale == 1:
        database.timings["seed (the real plan)"] = cli(url, "seed")[0]
        database.timings["seed, in-process (parse, write, commit)"] = seed_in_process(url)
    database.timings[f"demo --scale {scale}"] = cli(url, "demo", "--scale", str(scale))[0]
    database.token = cli(url, "token", "create", "--name", "bench", "--role", "admin")[1]
    database.token = database.token.strip().splitlines()[-1]
    return database


SEED_TIMER = """
import sys, time
from app.core.config import get_settings
from app.core.db import make_engine, session_scope
from app.tooling import seed
settings = get_settings()
engine = make_engine(sys.argv[1])
started = time.perf_counter()
document = seed.parse_plan(settings.seed_file)
communes = seed.parse_communes(settings.communes_file)
with session_scope(engine) as session:
    seed.apply_seed(session, document, communes)
print(time.perf_counter() - started)
"""


def seed_in_process(url: str) -> float:
    """The seed's own time, without the interpreter's start-up and imports: on a fresh database
    (its rows created)."""
    fresh = url.replace("bench_1", "bench_seed")
    if fresh.startswith("postgresql"):
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "bench_seed"'))
        admin.dispose()
    cli(fresh, "db", "upgrade")
    done = subprocess.run(  # noqa: S603
        [PYTHON, "-c", SEED_TIMER, fresh],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}.db"


def postgres_url(server: ThrowAwayPostgres, name: str) -> str:
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server.url).set(database=name).render_as_string(hide_password=False)


# --- Servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def peak_rss_mib(pid: int) -> tuple[float, float]:
    """The largest peak RSS (VmHWM) of the server's processes, and their sum, in MiB."""
    peaks = []
    for process in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{process}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return (max(peaks), sum(peaks)) if peaks else (0.0, 0.0)


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Start a server in its own process group, wait for it to answer, stop it afterwards."""
    with log.open("ab") as stream:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=PROJECT_ROOT,
            env=os.environ | env,
            stdout=stream,
            stderr=stream,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/healthz")  # any answer will do (the bare app has no such route)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: see {log}") from None
                time.sleep(0.2)
        yield process.pid
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def boussole_server(database: Database, workers: int, port: int, log: Path) -> Any:
    return server(
        [PYTHON, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
        {"BOUSSOLE_DATABASE_URL": database.url, "BOUSSOLE_HOST": "127.0.0.1"},
        port,
        log,
    )


def bare_server(manifest: Path, workers: int, port: int, log: Path) -> Any:
    return server(
        [PYTHON, "-m", "bench.bare", "--port", str(port), "--workers", str(workers)],
        {"BENCH_BARE_MANIFEST": str(manifest)},
        port,
        log,
    )


# --- Load -----------------------------------------------------------------------------------------


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    span: int = 0


def wrk(
    port: int,
    target: str,
    seconds: int,
    scripts: Path,
    *,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    env: dict[str, str] | None = None,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> Load:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(script or scripts / "report.lua"),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(  # noqa: S603
        [*command, f"http://127.0.0.1:{port}{target}"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | (env or {}),
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no report:\n{done.stdout}\n{done.stderr}")
    report = json.loads(line.removeprefix("BENCH "))
    return Load(
        requests_per_second=report["requests"] / (report["duration_us"] / 1e6),
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=report["errors"] + report["status_errors"],
        requests=report["requests"],
        span=report["span"],
    )


def get(port: int, target: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", target, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.headers, body


def cold_tree(port: int, token: str, codes: list[str], loops: int) -> list[float]:
    """Milliseconds of a GET /tree right after a write, ``loops`` times, on one connection."""
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    timings = []
    for loop in range(loops):
        connection.request(
            "PUT",
            f"/api/v1/actions/{codes[loop % len(codes)]}/progress/2044",
            body=json.dumps({"progress": loop % 101, "comment": "cold"}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        assert response.status in (200, 201), response.status
        started = time.perf_counter()
        connection.request("GET", "/api/v1/tree")
        response = connection.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    connection.close()
    return timings


def import_csv(port: int, token: str, codes: list[str]) -> tuple[float, dict[str, Any]]:
    """Seconds to POST a 10,000-row CSV of yearly progress (updates of existing reports)."""
    lines = ["trackable_code,year,progress,comment"]
    for row in range(IMPORT_ROWS):
        code, year = codes[row % len(codes)], 2024 + row // len(codes)
        lines.append(f"{code},{year},{(row * 7) % 101},import bench")
    body = ("\r\n".join(lines) + "\r\n").encode()
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request(
        "POST",
        "/api/v1/progress/import",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    response = connection.getresponse()
    report = json.loads(response.read())
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"import refused: {response.status} {report}")
    return elapsed, report


def action_codes(port: int, limit: int) -> list[str]:
    codes: list[str] = []
    while len(codes) < limit:
        page = json.loads(get(port, f"/api/v1/actions?limit=200&offset={len(codes)}")[2])
        codes += [item["code"] for item in page["items"]]
        if len(codes) >= page["total"]:
            break
    return codes[:limit]


# --- One configuration ----------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    scale: int
    workers: int
    reads: dict[str, tuple[Load, Load]] = field(default_factory=dict)
    put: Load | None = None
    cold_ms: list[float] = field(default_factory=list)
    rss_max_mib: float = 0.0
    rss_total_mib: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    varied: varied_runs.Varied | None = None


def measure(
    database: Database,
    workers: int,
    seconds: int,
    work: Path,
    demo: varied_runs.Demo,
    *,
    stored: bool = True,
) -> Result:
    """The runs on one server; without ``stored``, only those of bench/varied.py."""
    result = Result(database.backend, database.scale, workers)
    name = f"{database.backend}-{database.scale}-{workers}"
    port = free_port()
    manifest: dict[str, dict[str, str]] = {}
    boussole: dict[str, Load] = {}
    print(f"--- {name}: Boussole", file=sys.stderr)
    with boussole_server(database, workers, port, work / f"{name}.log") as pid:
        codes = action_codes(port, 10_000)
        put_script = work / f"{name}-put.lua"
        put_script.write_text(
            PUT_LUA % {"codes": ", ".join(f'"{c}"' for c in codes[:2000]), "token": database.token}
            + REPORT_LUA
        )
        for number, (label, (target, conditional)) in enumerate(READS.items() if stored else ()):
            status, headers, body = get(port, target)
            assert status == 200, (target, status)
            etag = headers["ETag"]
            # One file per route (not per target: the 304 and 200 runs share theirs).
            file = work / f"{name}-{number}.body"
            file.write_bytes(body)
            manifest[target] = {
                "file": str(file),
                "media_type": headers["Content-Type"],
                "etag": etag,
            }
            result.sizes[label] = len(body)
            sent = {"If-None-Match": etag} if conditional else {}
            wrk(port, target, 1, work, headers=sent)  # warm-up: every worker, every cache
            boussole[label] = wrk(port, target, seconds, work, headers=sent)
            print(f"    {label}: {boussole[label]}", file=sys.stderr)
        if stored:
            result.cold_ms = cold_tree(port, database.token, codes, COLD_LOOPS)
            result.put = wrk(port, "/", seconds, work, script=put_script)
            print(f"    PUT: {result.put}", file=sys.stderr)
        print(f"--- {name}: varied requests, writes and the tree after them", file=sys.stderr)
        result.varied = varied_runs.measure(
            wrk,
            port,
            database.token,
            demo,
            seconds,
            work,
            name=name,
            put_script=put_script,
            connections=CONNECTIONS,
            threads=THREADS,
        )
        result.rss_max_mib, result.rss_total_mib = peak_rss_mib(pid)
    if not stored:
        return result
    manifest_file = work / f"{name}-manifest.json"
    manifest_file.write_text(json.dumps(manifest))
    print(f"--- {name}: bare Starlette", file=sys.stderr)
    with bare_server(manifest_file, workers, port, work / f"{name}-bare.log"):
        for label, (target, conditional) in READS.items():
            sent = {"If-None-Match": manifest[target]["etag"]} if conditional else {}
            bare = wrk(port, target, seconds, work, headers=sent)
            result.reads[label] = (boussole[label], bare)
    return result


def timed_import_and_export(database: Database, work: Path) -> None:
    """The 10,000-row import (through the API) and `boussole export`, at scale 100."""
    port = free_port()
    with boussole_server(database, 1, port, work / f"import-{database.backend}.log"):
        codes = action_codes(port, IMPORT_ROWS)
        elapsed, report = import_csv(port, database.token, codes)
    database.timings[f"import of {IMPORT_ROWS:,} CSV rows (API)"] = elapsed
    assert report["rows"] == IMPORT_ROWS, report
    folder = work / f"export-{database.backend}"
    database.timings["boussole export (whole open data)"] = cli(
        database.url, "export", str(folder)
    )[0]


# --- Report ---------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def report(
    info: dict[str, str], databases: list[Database], results: list[Result], seconds: int
) -> str:
    out = ["## Machine", "", "| | |", "| --- | --- |"]
    out += [f"| {key} | {value} |" for key, value in info.items()]
    out += [
        "",
        f"wrk: {THREADS} threads, {CONNECTIONS} connections, {seconds} s per run (after a 1 s "
        "warm-up), on the same machine as the server; no Accept-Encoding (no gzip).",
        "",
        "## Read routes: Boussole and the bare stack (the same bytes)",
        "",
        "| backend | scale | workers | route | bytes | req/s | p50 ms | p99 ms | errors "
        "| bare req/s | bare p50 ms | Boussole / bare |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        for label, (mine, bare) in r.reads.items():
            ratio = mine.requests_per_second / bare.requests_per_second
            out.append(
                f"| {r.backend} | {r.scale} | {r.workers} | {label} | {r.sizes[label]:,} "
                f"| {mine.requests_per_second:,.0f} | {_ms(mine.p50_ms)} | {_ms(mine.p99_ms)} "
                f"| {mine.errors} | {bare.requests_per_second:,.0f} | {_ms(bare.p50_ms)} "
                f"| {ratio:.0%} |"
            )
    if not any(r.reads for r in results):
        out += ["", "Not run (`--varied-only`)."]
    out += [
        "",
        "## Writes, the tree right after a write, memory",
        "",
        f"PUT /api/v1/actions/{{code}}/progress/2044 by an admin token, {CONNECTIONS} "
        f"connections; tree after a write: {COLD_LOOPS} × (PUT, then GET /api/v1/tree) on one "
        "connection. Peak RSS: VmHWM of the server's processes (largest one; all together).",
        "",
        "| backend | scale | workers | PUT req/s | PUT p50 ms | PUT p99 ms | PUT errors "
        "| tree after a write p50 ms | max ms | peak RSS MiB (largest) | (all) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        writes = "— | — | — | — | — | —"  # --varied-only: the memory alone
        if r.put is not None:
            writes = (
                f"{r.put.requests_per_second:,.0f} | {_ms(r.put.p50_ms)} | {_ms(r.put.p99_ms)} "
                f"| {r.put.errors} | {_ms(statistics.median(r.cold_ms))} | {_ms(max(r.cold_ms))}"
            )
        out.append(
            f"| {r.backend} | {r.scale} | {r.workers} | {writes} "
            f"| {r.rss_max_mib:.0f} | {r.rss_total_mib:.0f} |"
        )
    out += [
        "",
        "## Commands (wall time, Python start-up included)",
        "",
        "| backend | scale | what | seconds |",
        "| --- | --- | --- | --- |",
    ]
    for d in databases:
        out += [f"| {d.backend} | {d.scale} | {k} | {v:.2f} |" for k, v in d.timings.items()]
    out += ["", "## Targets (scale 100, one worker)", ""]
    out += targets(databases, results)
    out += varied_runs.report(results, seconds, CONNECTIONS)
    out += varied_runs.targets(results)
    return "\n".join(out) + "\n"


def targets(databases: list[Database], results: list[Result]) -> list[str]:
    lines = ["| backend | target | measured | met |", "| --- | --- | --- | --- |"]

    def row(backend: str, target: str, measured: str, met: bool) -> None:
        lines.append(f"| {backend} | {target} | {measured} | {'yes' if met else '**no**'} |")

    for r in results:
        if r.scale != 100 or r.workers != 1 or r.put is None:
            continue
        for label, (mine, bare) in r.reads.items():
            if label.startswith(("tree", "dashboard")):
                ratio = mine.requests_per_second / bare.requests_per_second
                row(r.backend, f"{label} ≥ 50 % of bare", f"{ratio:.0%}", ratio >= 0.5)
        cold = statistics.median(r.cold_ms)
        row(r.backend, "tree after a write p50 < 150 ms", f"{cold:.0f} ms", cold < 150)
        actions = r.reads["actions, filtered and searched"][0]
        row(
            r.backend,
            "/actions filtered p99 < 30 ms",
            f"{actions.p99_ms:.1f} ms",
            actions.p99_ms < 30,
        )
        assert r.put is not None
        row(
            r.backend,
            f"PUT progress p99 < 25 ms, {CONNECTIONS} clients, no error",
            f"{r.put.p99_ms:.1f} ms, {r.put.errors} errors",
            r.put.p99_ms < 25 and r.put.errors == 0,
        )
        row(r.backend, "peak RSS < 300 MB", f"{r.rss_max_mib:.0f} MiB", r.rss_max_mib < 300)
    for d in databases:
        for key, limit in (
            (f"import of {IMPORT_ROWS:,} CSV rows (API)", 3.0),
            ("boussole export (whole open data)", 5.0),
            ("seed (the real plan)", 2.0),
            ("seed, in-process (parse, write, commit)", 2.0),
        ):
            if key in d.timings:
                value = d.timings[key]
                row(d.backend, f"{key} < {limit:g} s", f"{value:.2f} s", value < limit)
    return lines


# --- Main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, one worker, 2 s runs")
    parser.add_argument("--out", type=Path, help="Also write the markdown report to this file")
    parser.add_argument("--backends", default="sqlite,postgresql", help="Comma-separated")
    parser.add_argument("--scales", default="1,100", help="Comma-separated")
    parser.add_argument("--workers", default="1,2", help="Comma-separated")
    parser.add_argument("--seconds", type=int, default=5, help="Length of each wrk run")
    parser.add_argument(
        "--varied-only",
        action="store_true",
        help="Only the runs of bench/varied.py (no stored answers, bare app, import)",
    )
    args = parser.parse_args()
    backends = ["sqlite"] if args.quick else args.backends.split(",")
    scales = [int(s) for s in args.scales.split(",")]
    worker_counts = [1] if args.quick else [int(w) for w in args.workers.split(",")]
    seconds = 2 if args.quick else args.seconds
    ensure_wrk()
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="boussole-bench-"))
    (work / "report.lua").write_text(REPORT_LUA)
    postgres = ThrowAwayPostgres() if "postgresql" in backends else None
    try:
        info = machine(postgres)
        databases: list[Database] = []
        results: list[Result] = []
        for backend in backends:
            for scale in scales:
                print(f"--- preparing {backend}, scale {scale}", file=sys.stderr)
                name = f"bench_{scale}"
                if backend == "sqlite":
                    url = sqlite_url(work, name)
                else:
                    assert postgres is not None
                    url = postgres_url(postgres, name)
                databases.append(prepare(backend, scale, url))
        for database in databases:
            demo = varied_runs.read_demo(database.url)
            for workers in worker_counts:
                results.append(
                    measure(database, workers, seconds, work, demo, stored=not args.varied_only)
                )
            if database.scale == 100 and not args.varied_only:
                timed_import_and_export(database, work)
        markdown = report(info, databases, results, seconds)
        markdown += (
            f"\nWhole run: {(time.monotonic() - started) / 60:.1f} minutes; load average at the "
            f"end: {_load_average()}.\n"
        )
        print(markdown)
        if args.out:
            args.out.write_text(markdown)
    finally:
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
