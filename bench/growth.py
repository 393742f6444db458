"""Cost against size (issue 19, item 3): ``.venv/bin/python bench/growth.py [--out FILE]``.

Not part of the test suite. For each backend and scale (``--scales``, default 1, 10, 100 and 1,000
on PostgreSQL, up to 100 on SQLite), a fresh database is filled by ``boussole demo --scale N`` and
served by ``boussole serve`` (one worker). One request at a time — this measures what a request
costs at that size, not throughput (``bench/run.py`` does that) —:

- the tree: the first ``GET /api/v1/tree`` of the server (a whole build), then the tree right
  after a progress write and right after a title change (median of ``LOOPS`` each);
- a varied ``/actions`` page: median and p90 of ``PAGES`` pages, all different
  (``bench/varied.varied_queries``: filters, sorts, search words, offsets across the list);
- a ``PUT`` of yearly progress: median of ``PUTS``, each on another action;
- ``boussole export`` of the whole open data: wall time of the command;
- the server's peak RSS (VmHWM) once all of that is done.

It prints a markdown table, with the size of each database (trackables, yearly reports).
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench import varied as varied_runs  # noqa: E402
from bench.run import (  # noqa: E402
    Database,
    boussole_server,
    cli,
    free_port,
    machine,
    peak_rss_mib,
    postgres_url,
    prepare,
    sqlite_url,
)
from tests.databases import ThrowAwayPostgres  # noqa: E402

LOOPS = 10
PAGES = 200
PUTS = 100


@dataclass
class Growth:
    backend: str
    scale: int
    trackables: int
    reports: int
    demo_s: float
    tree_first_ms: float
    tree_after_progress_ms: float
    tree_after_title_ms: float
    page_p50_ms: float
    page_p90_ms: float
    put_p50_ms: float
    export_s: float
    rss_mib: float


def _request(
    connection: HTTPConnection, method: str, path: str, token: str = "", body: object = None
) -> float:
    """Milliseconds of one request (its answer read whole); refuses anything but a success."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    connection.request(
        method, path, body=None if body is None else json.dumps(body), headers=headers
    )
    response = connection.getresponse()
    answer = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status not in (200, 201):
        raise RuntimeError(f"{method} {path}: {response.status} {answer[:300]!r}")
    return elapsed


def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        trackables = connection.execute(text("SELECT count(*) FROM trackable")).scalar_one()
        reports = connection.execute(text("SELECT count(*) FROM progress_report")).scalar_one()
    engine.dispose()
    return int(trackables), int(reports)


def measure(database: Database, work: Path) -> Growth:
    demo = varied_runs.read_demo(database.url)
    queries = varied_runs.varied_queries(demo, PAGES, seed=database.scale)
    stride = max(1, len(demo.titles) // (2 * LOOPS + PUTS))
    actions = demo.titles[::stride]
    port = free_port()
    log = work / f"growth-{database.backend}-{database.scale}.log"
    with boussole_server(database, 1, port, log) as pid:
        connection = HTTPConnection("127.0.0.1", port, timeout=600)
        first = _request(connection, "GET", "/api/v1/tree")
        after_progress, after_title = [], []
        for n, (code, title) in enumerate(actions[:LOOPS]):
            _request(
                connection,
                "PUT",
                f"/api/v1/actions/{code}/progress/2044",
                database.token,
                {"progress": n, "comment": "growth"},
            )
            after_progress.append(_request(connection, "GET", "/api/v1/tree"))
            _request(
                connection,
                "PATCH",
                f"/api/v1/actions/{code}",
                database.token,
                {"title": f"{title} ({n})"},
            )
            after_title.append(_request(connection, "GET", "/api/v1/tree"))
        pages = sorted(_request(connection, "GET", query) for query in queries)
        puts = [
            _request(
                connection,
                "PUT",
                f"/api/v1/actions/{code}/progress/2043",
                database.token,
                {"progress": n % 101, "comment": "growth"},
            )
            for n, (code, _) in enumerate(actions[LOOPS : LOOPS + PUTS])
        ]
        connection.close()
        rss, _ = peak_rss_mib(pid)
    export_s = cli(database.url, "export", str(work / f"export-{database.backend}"))[0]
    trackables, reports = _counts(database.url)
    return Growth(
        backend=database.backend,
        scale=database.scale,
        trackables=trackables,
        reports=reports,
        demo_s=database.timings[f"demo --scale {database.scale}"],
        tree_first_ms=first,
        tree_after_progress_ms=statistics.median(after_progress),
        tree_after_title_ms=statistics.median(after_title),
        page_p50_ms=statistics.median(pages),
        page_p90_ms=pages[int(len(pages) * 0.9) - 1],
        put_p50_ms=statistics.median(puts),
        export_s=export_s,
        rss_mib=rss,
    )


def report(info: dict[str, str], rows: list[Growth]) -> str:
    lines = [
        "| backend | scale | trackables | reports | demo s | tree, first ms | tree after "
        "progress ms | tree after title ms | varied page p50 ms | p90 ms | PUT p50 ms | export s "
        "| peak RSS MiB |",
        "| --- " + "| ---: " * 12 + "|",
    ]
    for r in rows:
        lines.append(
            f"| {r.backend} | {r.scale:,} | {r.trackables:,} | {r.reports:,} | {r.demo_s:.1f} "
            f"| {r.tree_first_ms:.0f} | {r.tree_after_progress_ms:.1f} "
            f"| {r.tree_after_title_ms:.0f} | {r.page_p50_ms:.1f} | {r.page_p90_ms:.1f} "
            f"| {r.put_p50_ms:.1f} | {r.export_s:.1f} | {r.rss_mib:.0f} |"
        )
    head = ", ".join(f"{k}: {v}" for k, v in info.items())
    return f"Machine: {head}\n\n" + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="Also write the markdown table to this file")
    parser.add_argument("--postgresql", default="1,10,100,1000", help="Scales on PostgreSQL")
    parser.add_argument("--sqlite", default="1,10,100", help="Scales on SQLite ('' for none)")
    args = parser.parse_args()
    plan = [("postgresql", int(s)) for s in args.postgresql.split(",") if s] + [
        ("sqlite", int(s)) for s in args.sqlite.split(",") if s
    ]
    work = Path(tempfile.mkdtemp(prefix="boussole-growth-"))
    postgres = ThrowAwayPostgres() if any(b == "postgresql" for b, _ in plan) else None
    started = time.monotonic()
    try:
        info = machine(postgres)
        rows = []
        for backend, scale in plan:
            print(f"--- {backend}, scale {scale}", file=sys.stderr)
            name = f"bench_{scale}"  # bench.run.prepare seeds "bench_seed" beside "bench_1"
            if backend == "sqlite":
                url = sqlite_url(work, name)
            else:
                assert postgres is not None
                url = postgres_url(postgres, name)
            rows.append(measure(prepare(backend, scale, url), work))
            print(report(info, rows), file=sys.stderr)
        markdown = report(info, rows)
        markdown += f"\nWhole run: {(time.monotonic() - started) / 60:.1f} minutes.\n"
        print(markdown)
        if args.out:
            args.out.write_text(markdown)
    finally:
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
