"""The runs no kept answer can serve (issue 19), run by ``bench/run.py`` on each server it starts.

Boussole replays an anonymous GET's answer until the next write (app.revision.http_cache) and
keeps the tree's roll-ups per revision (app.trackables.kept): a run repeating one request measures
that store, not the work. Here:

- **varied `/actions` pages**: wrk reads a file of query strings, every one different (offset over
  the whole list, sort, limit, and one to three of the list's filters — status, priority,
  directorate, engagement or axis, commune, search words taken from the titles), all drawn from
  the demo database itself; each run takes the next unused ones (``BENCH_START``), so no request
  repeats on a server, and the run says how many would have (none unless the file ran out);
- **`/healthz`** of the same server just before and just after, and every throughput as a ratio to
  their mean (the issue's targets are ratios: the machine's speed varies from day to day);
- **PUT progress** under 16 clients, spread over the first 2,000 actions;
- **the tree right after each kind of write** — a yearly progress PUT, a milestone PATCH (done
  toggled), an action's title PATCH — ``COLD_WRITES`` × (write, then GET /api/v1/tree) on one
  connection, each write naming another action or milestone;
- **mixed load**: varied `/actions` pages under 16 clients while 4 clients PUT progress over
  the first 2,000 actions, both runs at the same time.

Every write is an admin token's (the database's ``bench`` token).
"""

import json
import math
import random
import re
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

if TYPE_CHECKING:
    from bench.run import Load

#: Query strings generated per server (each server starts with an empty store of answers).
POOL = 40_000
COLD_WRITES = 30
#: Queries sent one at a time before the runs, to tell what the pages hold.
SAMPLE = 200
MIXED_WRITERS = 4
SORTS = ("code", "title", "-title", "progress", "-progress", "updated_at", "-updated_at")
#: The list filters of app/trackables/filters.py that the pages combine (engagement and axis are
#: one choice: an axis names its engagement).
FILTERS = ("status", "priority", "directorate", "engagement or axis", "commune", "q")

VARIED_LUA = """
-- Thread id sends queries[START + id + n * STEP], n = 0, 1, ...: no two requests of a run repeat,
-- nor two runs on one server (run.py's report gives span(), the end of what this run sent, and
-- the next run starts there).
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do queries[#queries + 1] = line end
local start = tonumber(os.getenv("BENCH_START"))
local step = tonumber(os.getenv("BENCH_STEP"))
local threads = {}
n = 0
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
request = function()
  local index = start + id + n * step
  n = n + 1
  return wrk.format("GET", queries[(index % #queries) + 1])
end
span = function()
  local most = 0
  for _, thread in ipairs(threads) do most = math.max(most, thread:get("n")) end
  return most * step
end
"""

#: A wrk run: (target, seconds, keyword arguments of run.py's ``wrk``) → its Load.
Wrk = Callable[..., "Load"]


# --- What the demo database holds ----------------------------------------------------------------


@dataclass
class Demo:
    """Real values of the database: those the list filters accept, the search words, the
    actions and milestones the writes name."""

    total: int
    values: dict[str, list[str]]
    words: list[str]
    titles: list[tuple[str, str]]
    milestones: list[tuple[int, bool]]


def read_demo(url: str) -> Demo:
    engine = create_engine(url)
    with engine.connect() as connection:

        def column(query: str) -> list[Any]:
            return [row[0] for row in connection.execute(text(query))]

        actions = (
            "FROM trackable WHERE kind = 'action' AND archived_at IS NULL "
            "AND (SELECT archived_at FROM axis WHERE axis.id = trackable.axis_id) IS NULL"
        )
        total = column(f"SELECT count(*) {actions}")[0]
        values = {
            "status": column(f"SELECT DISTINCT status {actions} ORDER BY status"),
            "priority": column(
                f"SELECT DISTINCT priority {actions} AND priority IS NOT NULL ORDER BY priority"
            ),
            "directorate": column("SELECT code FROM directorate ORDER BY code"),
            "engagement": column("SELECT code FROM engagement ORDER BY code"),
            "axis": column("SELECT code FROM axis ORDER BY code"),
            "commune": column(
                "SELECT DISTINCT insee_code FROM trackable_commune ORDER BY insee_code"
            ),
        }
        titles = [
            (row[0], row[1])
            for row in connection.execute(text(f"SELECT code, title {actions} ORDER BY code"))
        ]
        milestones = [
            (row[0], bool(row[1]))
            for row in connection.execute(
                text(
                    "SELECT milestone.id, milestone.done FROM milestone JOIN trackable "
                    "ON trackable.id = milestone.trackable_id WHERE trackable.kind = 'action' "
                    "ORDER BY milestone.id"
                )
            )
        ]
    engine.dispose()
    return Demo(total, values, search_words([title for _, title in titles]), titles, milestones)


def search_words(titles: list[str]) -> list[str]:
    """What people type: the titles' words of four letters or more, lower-cased (with their
    accents: the search folds them), some cut to their first letters."""
    words = set()
    for title in titles:
        for word in re.findall(r"[^\W\d_]{4,}", title.replace("[Démo]", "")):
            words.add(word.lower())
            words.add(word.lower()[:5])
    return sorted(words)


def varied_queries(demo: Demo, count: int, seed: int) -> list[str]:
    """``count`` different ``/api/v1/actions`` targets (fewer if the database cannot give as
    many): a third page through the whole list, the others filter it."""
    rng = random.Random(seed)  # noqa: S311 (a benchmark's draw, not a secret)
    choices = demo.values | {"q": demo.words}
    queries: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 20):
        if len(queries) == count:
            break
        params: dict[str, str | int] = {}
        limit = rng.choice((20, 50, 50, 100))
        if rng.random() < 0.35:
            offset = rng.randrange(max(1, demo.total - limit + 1))
        else:
            offset = limit * rng.choice((0, 0, 0, 0, 1, 2))
            for name in rng.sample(FILTERS, rng.choice((1, 1, 1, 2, 2, 3))):
                if name == "engagement or axis":
                    name = rng.choice(("engagement", "axis"))
                if choices[name]:
                    params[name] = rng.choice(choices[name])
        sort = rng.choice(SORTS)
        if sort != "code":
            params["sort"] = sort
        params |= {"limit": limit, "offset": offset}
        query = f"/api/v1/actions?{urlencode(params)}"
        if query not in seen:
            seen.add(query)
            queries.append(query)
    return queries


# --- The runs -------------------------------------------------------------------------------------


@dataclass
class Varied:
    """What one server gave."""

    healthz: list["Load"] = field(default_factory=list)
    pages: "Load | None" = None
    put: "Load | None" = None
    mixed_reads: "Load | None" = None
    mixed_writes: "Load | None" = None
    #: The tree right after each kind of write: milliseconds of each GET.
    cold: dict[str, list[float]] = field(default_factory=dict)
    queries: int = 0
    #: What a sample of the queries answered, one at a time: (items on the page, total).
    sample: list[tuple[int, int]] = field(default_factory=list)
    #: Requests of the varied runs beyond the file (repeats: 0 unless it ran out).
    repeated: int = 0

    @property
    def healthz_rps(self) -> float:
        return statistics.mean(load.requests_per_second for load in self.healthz)

    def ratio(self, load: "Load | None") -> float:
        return load.requests_per_second / self.healthz_rps if load else 0.0


class Pages:
    """The file of varied queries of one server, and how far its runs have used it."""

    def __init__(self, demo: Demo, file: Path, seed: int) -> None:
        self.queries = varied_queries(demo, POOL, seed)
        file.write_text("\n".join(self.queries) + "\n")
        self.file = file
        self.used = 0

    def take(self, count: int) -> list[str]:
        taken = self.queries[self.used : self.used + count]
        self.used += len(taken)
        return taken

    def env(self, threads: int) -> dict[str, str]:
        return {
            "BENCH_QUERIES": str(self.file),
            "BENCH_START": str(self.used),
            "BENCH_STEP": str(threads),
        }

    def consumed(self, load: "Load") -> None:
        self.used += load.span

    @property
    def repeated(self) -> int:
        """The requests sent beyond the file (from its start again: repeats)."""
        return max(0, self.used - len(self.queries))


def measure(
    wrk: Wrk,
    port: int,
    token: str,
    demo: Demo,
    seconds: int,
    work: Path,
    *,
    name: str,
    put_script: Path,
    connections: int,
    threads: int,
) -> Varied:
    """Every run of this module on the server at ``port``, its loads run by run.py's ``wrk``
    with ``connections`` and ``threads`` (the mixed load's writers aside); ``put_script`` is
    run.py's PUT run (PUTs of yearly progress spread over the first 2,000 actions)."""
    result = Varied()
    # The same draw on every server (each has its own store, empty when it starts).
    pages = Pages(demo, work / f"{name}-queries.txt", seed=19)
    result.queries = len(pages.queries)
    script = work / f"{name}-varied.lua"
    script.write_text(VARIED_LUA + (work / "report.lua").read_text())

    def varied(connections: int, threads: int, length: int) -> "Load":
        load = wrk(
            port,
            "/",
            length,
            work,
            script=script,
            env=pages.env(threads),
            connections=connections,
            threads=threads,
        )
        pages.consumed(load)
        return load

    varied(connections, threads, 1)  # warm-up: every worker, its connections and imports
    result.sample = sample(port, pages.take(SAMPLE))
    result.healthz.append(wrk(port, "/healthz", seconds, work))
    result.pages = varied(connections, threads, seconds)
    result.put = wrk(port, "/", seconds, work, script=put_script)
    result.healthz.append(wrk(port, "/healthz", seconds, work))
    with ThreadPoolExecutor(2) as pool:
        reads = pool.submit(varied, connections, threads, seconds)
        writes = pool.submit(
            wrk,
            port,
            "/",
            seconds,
            work,
            script=put_script,
            connections=MIXED_WRITERS,
            threads=1,
        )
        result.mixed_reads, result.mixed_writes = reads.result(), writes.result()
    result.repeated = pages.repeated
    result.cold = cold_trees(port, token, demo, COLD_WRITES)
    return result


def sample(port: int, queries: list[str]) -> list[tuple[int, int]]:
    """What the pages hold (items on the page, total), one request at a time: that the queries
    are answered (200), and how many are empty."""
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    found = []
    for query in queries:
        connection.request("GET", query)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {query}: {response.status} {body[:300]!r}")
        page = json.loads(body)
        found.append((len(page["items"]), page["total"]))
    connection.close()
    return found


def _write(connection: HTTPConnection, token: str, method: str, path: str, body: Any) -> None:
    connection.request(
        method,
        path,
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    answer = response.read()
    if response.status not in (200, 201):
        raise RuntimeError(f"{method} {path} refused: {response.status} {answer[:300]!r}")


def cold_trees(port: int, token: str, demo: Demo, loops: int) -> dict[str, list[float]]:
    """For each kind of write, ``loops`` × (the write, then GET /api/v1/tree): the GETs'
    milliseconds. Each write names another action or milestone."""
    # Actions far apart in the list, so that the writes do not all touch one axis.
    stride = max(1, len(demo.titles) // loops)
    actions = demo.titles[::stride][:loops]
    milestones = demo.milestones[:: max(1, len(demo.milestones) // loops)][:loops]
    writes: dict[str, list[tuple[str, str, Any]]] = {
        "progress": [
            (
                "PUT",
                f"/api/v1/actions/{code}/progress/2044",
                {"progress": n % 101, "comment": "cold"},
            )
            for n, (code, _) in enumerate(actions)
        ],
        "milestone": [
            ("PATCH", f"/api/v1/milestones/{number}", {"done": not done})
            for number, done in milestones
        ],
        "title": [
            ("PATCH", f"/api/v1/actions/{code}", {"title": f"{title} ({time.time_ns() % 10**6})"})
            for code, title in actions
        ],
    }
    timings: dict[str, list[float]] = {}
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    for kind, requests in writes.items():
        timings[kind] = []
        for method, path, body in requests:
            _write(connection, token, method, path, body)
            started = time.perf_counter()
            connection.request("GET", "/api/v1/tree")
            response = connection.getresponse()
            response.read()
            timings[kind].append((time.perf_counter() - started) * 1000)
            assert response.status == 200, response.status
    connection.close()
    # The next server's writes toggle them back: each is a change.
    toggled = {number for number, _ in milestones}
    demo.milestones = [(n, done != (n in toggled)) for n, done in demo.milestones]
    return timings


# --- Report ---------------------------------------------------------------------------------------


def p99(values: list[float]) -> float:
    """The nearest-rank 99th percentile (of fewer than 100 values: the largest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _load(load: "Load | None", ratio: float) -> str:
    assert load is not None
    return (
        f"{load.requests_per_second:,.0f} | {ratio:.2f} | {_ms(load.p50_ms)} | {_ms(load.p99_ms)} "
        f"| {load.errors}"
    )


def _drawn(v: Varied) -> str:
    empty = sum(1 for items, _ in v.sample if items == 0) / max(1, len(v.sample))
    items = statistics.mean(items for items, _ in v.sample) if v.sample else 0.0
    total = statistics.mean(total for _, total in v.sample) if v.sample else 0.0
    return (
        f"{v.queries:,} drawn, {v.repeated} repeated, {empty:.0%} empty, {items:.0f} items "
        f"of {total:.0f}"
    )


def report(results: list[Any], seconds: int, connections: int) -> list[str]:
    """The sections of the report about these runs; ``results`` are run.py's (``.varied``)."""
    measured = [r for r in results if r.varied is not None]
    if not measured:
        return []
    out = [
        "",
        "## Work no kept answer can serve (issue 19)",
        "",
        "Varied `/actions` pages: every request a different query string (offset over the whole "
        "list, sort, limit, one to three filters among status, priority, directorate, engagement "
        f"or axis, commune, search words of the titles), {connections} connections, {seconds} s. "
        f"PUT progress: {connections} connections over the first 2,000 actions. Mixed: the "
        f"varied pages ({connections} connections) while {MIXED_WRITERS} connections PUT progress, "
        "at the same time. Ratio: req/s ÷ the same server's `/healthz` req/s (mean of the runs "
        "just before and just after).",
        "",
        "| backend | scale | workers | run | req/s | ÷ /healthz | p50 ms | p99 ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in measured:
        v: Varied = r.varied
        rows = [
            ("/healthz (before · after)", None),
            ("varied /actions pages", v.pages),
            ("PUT progress", v.put),
            ("mixed: varied pages", v.mixed_reads),
            (f"mixed: PUT progress ({MIXED_WRITERS} clients)", v.mixed_writes),
        ]
        for label, load in rows:
            if load is None:
                figures = " · ".join(f"{h.requests_per_second:,.0f}" for h in v.healthz)
                errors = sum(h.errors for h in v.healthz)
                cells = f"{figures} | 1 | {_ms(v.healthz[0].p50_ms)} | {_ms(v.healthz[0].p99_ms)}"
                out.append(
                    f"| {r.backend} | {r.scale} | {r.workers} | {label} | {cells} | {errors} |"
                )
            else:
                out.append(
                    f"| {r.backend} | {r.scale} | {r.workers} | {label} "
                    f"| {_load(load, v.ratio(load))} |"
                )
    out += [
        "",
        "Per server: query strings drawn; requests beyond them (repeats: 0 unless the file ran "
        f"out); of {SAMPLE} of them sent one at a time before the runs, the empty pages and the "
        "mean items per page and matching actions: "
        + "; ".join(f"{r.backend} {r.scale} × {r.workers}: {_drawn(r.varied)}" for r in measured)
        + ".",
        "",
        "### The tree right after a write",
        "",
        f"{COLD_WRITES} × (the write by an admin token, then GET /api/v1/tree) on one connection, "
        "each write naming another action or milestone: progress = PUT of a yearly report, "
        "milestone = PATCH of a milestone's done flag, title = PATCH of an action's title. p99: "
        f"nearest rank (of {COLD_WRITES} values, the largest).",
        "",
        "| backend | scale | workers | write | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in measured:
        for kind, timings in r.varied.cold.items():
            out.append(
                f"| {r.backend} | {r.scale} | {r.workers} | {kind} "
                f"| {_ms(statistics.median(timings))} | {_ms(p99(timings))} |"
            )
    return out


def targets(results: list[Any]) -> list[str]:
    """The targets of issue 19, checked at scale 100, one worker (or, without a scale-100 run,
    at the largest scale measured, flagged as not the target's scale)."""
    measured = [r for r in results if r.varied is not None and r.workers == 1]
    if not measured:
        return []
    top = max(r.scale for r in measured)
    out = [
        "",
        f"## Targets of issue 19 (scale {top}, one worker)",
        "",
    ]
    if top != 100:
        out += ["Not at scale 100: these lines are indicative only.", ""]
    out += ["| backend | target | measured | met |", "| --- | --- | --- | --- |"]

    def row(backend: str, target: str, measured: str, met: bool) -> None:
        out.append(f"| {backend} | {target} | {measured} | {'yes' if met else '**no**'} |")

    for r in measured:
        if r.scale != top:
            continue
        v: Varied = r.varied
        assert v.pages is not None and v.put is not None
        ratio = v.ratio(v.pages)
        row(
            r.backend,
            "varied /actions pages ≥ 0.15 × /healthz, p99 < 100 ms, no error",
            f"{ratio:.3f} ×, {_ms(v.pages.p99_ms)} ms, {v.pages.errors} errors",
            ratio >= 0.15 and v.pages.p99_ms < 100 and v.pages.errors == 0,
        )
        ratio = v.ratio(v.put)
        put = f"{ratio:.3f} ×, {_ms(v.put.p99_ms)} ms, {v.put.errors} errors"
        if r.backend == "sqlite":
            row(
                r.backend,
                "PUT progress ≥ 0.15 × /healthz, p99 < 80 ms, no error",
                put,
                ratio >= 0.15 and v.put.p99_ms < 80 and v.put.errors == 0,
            )
        else:
            row(
                r.backend,
                "PUT progress p99 < 100 ms, no error",
                put,
                v.put.p99_ms < 100 and v.put.errors == 0,
            )
        for kind, limit in (("progress", 50), ("title", 150)):
            median = statistics.median(v.cold[kind])
            row(
                r.backend,
                f"tree right after a {kind} write p50 < {limit} ms",
                f"{_ms(median)} ms",
                median < limit,
            )
        if v.repeated:
            row(r.backend, "no repeated request", f"{v.repeated} repeated", False)
    return out
