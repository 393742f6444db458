"""HTTP caching from the database's revision counter, compression, CORS and the change feed."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.core.config import Settings
from app.main import create_app
from app.revision.http_cache import RevisionSource
from tests.conftest import ENV_ACTION, QueryCounter, auth, count_queries
from tests.helpers import access_lines


def test_etag_304_and_a_new_etag_after_any_write(client, keys):
    first = client.get("/api/v1/tree")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"r')
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "GMT" in first.headers["Last-Modified"]
    again = client.get("/api/v1/tree", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    # Any route shares the revision: a dashboard polling another route also gets 304s.
    assert client.get("/api/v1/plan", headers={"If-None-Match": etag}).status_code == 304

    write = client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2025",
        json={"progress": 5},
        headers=auth(keys.admin),
    )
    assert write.status_code == 201
    assert "no-cache" not in write.headers.get("Cache-Control", "")  # writes are not cached
    after = client.get("/api/v1/tree", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    assert after.json()["engagements"][1]["axes"][2]["actions"][1]["progress"] == 5


def test_version_etags_keep_working_with_if_match(client, keys):
    read = client.get(f"/api/v1/actions/{ENV_ACTION}")
    etag = read.headers["ETag"]
    assert etag.startswith('"1.r')
    ok = client.patch(
        f"/api/v1/actions/{ENV_ACTION}",
        json={"status": "in_progress"},
        headers={**auth(keys.env), "If-Match": etag},
    )
    assert ok.status_code == 200
    stale = client.patch(
        f"/api/v1/actions/{ENV_ACTION}",
        json={"status": "blocked"},
        headers={**auth(keys.env), "If-Match": etag},
    )
    assert stale.status_code == 412
    assert (
        client.get(f"/api/v1/actions/{ENV_ACTION}", headers={"If-None-Match": etag}).status_code
        == 200
    )


def test_history_is_private_to_caches(client):
    response = client.get(f"/api/v1/actions/{ENV_ACTION}/history")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response.headers["Vary"]


def test_large_responses_are_compressed(client):
    response = client.get("/api/v1/tree", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.json()["plan"]["siren"] == "200042190"  # decoded transparently
    small = client.get("/api/v1/communes/59172", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def _cors_client(db_url: str, origins: list[str]) -> TestClient:
    return TestClient(create_app(Settings(database_url=db_url, cors_origins=origins)))


def test_cors_allows_configured_origins_only(db_url):
    with _cors_client(db_url, ["https://tableau.example.org"]) as client:
        allowed = client.get("/api/v1/plan", headers={"Origin": "https://tableau.example.org"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://tableau.example.org"
        assert "ETag" in allowed.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in allowed.headers
        preflight = client.options(
            "/api/v1/actions/E1.1.1",
            headers={
                "Origin": "https://tableau.example.org",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "Authorization, If-Match",
            },
        )
        assert preflight.status_code == 200
        assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
        other = client.get("/api/v1/plan", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers


def test_cors_wildcard_never_comes_with_credentials(db_url):
    with _cors_client(db_url, ["*"]) as client:
        response = client.get("/api/v1/plan", headers={"Origin": "https://any.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_change_feed_pages_lose_and_repeat_nothing(client, keys):
    everything = client.get("/api/v1/changes", params={"limit": 1000}).json()
    seeded = len(everything["items"])
    assert seeded > 100  # the seed's own creations
    assert everything["has_more"] is False
    for year in (2024, 2025, 2026):
        client.put(
            f"/api/v1/actions/{ENV_ACTION}/progress/{year}",
            json={"progress": year - 2020},
            headers=auth(keys.admin),
        )
    client.patch(
        f"/api/v1/actions/{ENV_ACTION}", json={"status": "in_progress"}, headers=auth(keys.env)
    )

    seen, since, pages = [], 0, 0
    while True:
        page = client.get("/api/v1/changes", params={"since": since, "limit": 7}).json()
        seen += page["items"]
        since, pages = page["next"], pages + 1
        if not page["has_more"]:
            break
    cursors = [item["cursor"] for item in seen]
    assert cursors == sorted(set(cursors))
    assert len(seen) == seeded + 5
    assert pages == -(-len(seen) // 7)
    # The action's new status is also its latest report's (one status: docs in README).
    assert [(c["entity"], c["code"], c["change"]) for c in seen[-5:]] == [
        ("progress_report", f"{ENV_ACTION}/2024", "create"),
        ("progress_report", f"{ENV_ACTION}/2025", "create"),
        ("progress_report", f"{ENV_ACTION}/2026", "create"),
        ("action", ENV_ACTION, "update"),
        ("progress_report", f"{ENV_ACTION}/2026", "update"),
    ]
    assert set(seen[0]) == {"cursor", "at", "entity", "code", "change"}  # no actor, no before/after
    tail = client.get("/api/v1/changes", params={"since": since}).json()
    assert tail == {"items": [], "next": since, "has_more": False}
    assert client.get("/api/v1/changes", params={"limit": 1001}).status_code == 422


def test_a_database_restored_to_an_older_revision_never_answers_a_wrong_304(client, engine):
    etag = client.get("/api/v1/plan").headers["ETag"]
    # Another database (a restored dump) at the same revision number, reached at another time.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE revision SET changed_at = :moment WHERE id = 1"),
            {"moment": datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)},
        )
    response = client.get("/api/v1/plan", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert response.headers["Last-Modified"] == "Thu, 02 Jan 2031 03:04:05 GMT"


def test_anonymous_answers_are_kept_until_the_next_write(client, keys):
    first = client.get("/api/v1/tree")
    # Kept: the second answer costs at most the revision's query (on SQLite it is read on a
    # connection of its own, outside the engine's pool and events).
    kept = count_queries(client, "/api/v1/tree")
    assert kept <= 1
    again = client.get("/api/v1/tree")
    assert (again.content, again.headers["ETag"]) == (first.content, first.headers["ETag"])
    # With a token the route runs (what it shows may depend on the token).
    assert count_queries_with(client, "/api/v1/tree", auth(keys.env)) > kept
    client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2025",
        json={"progress": 9},
        headers=auth(keys.admin),
    )
    after = client.get("/api/v1/tree")
    assert after.headers["ETag"] != first.headers["ETag"]
    assert after.json()["engagements"][1]["axes"][2]["actions"][1]["progress"] == 9


def count_queries_with(client: TestClient, path: str, headers: dict[str, str]) -> int:
    counter = QueryCounter()
    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def test_replayed_answers_are_the_stack_s_own_with_a_request_id_and_a_log_line_each(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    first = client.get("/api/v1/dashboard/summary", headers={"X-Request-ID": "first"})
    capsys.readouterr()
    replayed = client.get("/api/v1/dashboard/summary", headers={"X-Request-ID": "second"})
    assert replayed.content == first.content
    # Every header the chain set comes back (security, validators), but the request id is new.
    assert {k: v for k, v in replayed.headers.items() if k != "x-request-id"} == {
        k: v for k, v in first.headers.items() if k != "x-request-id"
    }
    assert replayed.headers["X-Content-Type-Options"] == "nosniff"
    assert (first.headers["X-Request-ID"], replayed.headers["X-Request-ID"]) == ("first", "second")
    [line] = access_lines(capsys.readouterr().err)
    assert (line["path"], line["status"], line["request_id"]) == (
        "/api/v1/dashboard/summary",
        200,
        "second",
    )
    # A 304 is replayed too, with the headers the chain gave it.
    etag = first.headers["ETag"]
    not_modified = [
        client.get("/api/v1/dashboard/summary", headers={"If-None-Match": etag}) for _ in range(2)
    ]
    assert [r.status_code for r in not_modified] == [304, 304]
    assert not_modified[1].headers["X-Frame-Options"] == "DENY"
    assert not_modified[1].headers["ETag"] == etag
    assert not_modified[0].headers["X-Request-ID"] != not_modified[1].headers["X-Request-ID"]
    # Reading nothing but the revision, on a connection of its own (outside the engine).
    assert count_queries(client, "/api/v1/dashboard/summary") == 0


def test_replayed_answers_depend_on_origin_host_and_compression(db_url: str) -> None:
    with _cors_client(db_url, ["https://tableau.example.org"]) as client:
        allowed = {"Origin": "https://tableau.example.org"}
        for _ in range(2):
            assert (
                client.get("/api/v1/plan", headers=allowed).headers["Access-Control-Allow-Origin"]
                == "https://tableau.example.org"
            )
            assert "Access-Control-Allow-Origin" not in client.get("/api/v1/plan").headers
        # Links are absolute: another host name gets its own answer.
        for host in ("data.example.org", "opendata.example.net", "data.example.org"):
            links = client.get("/api/v1/open-data", headers={"Host": host}).json()
            assert links["datapackage"].startswith(f"http://{host}/")
        for _ in range(2):
            assert (
                client.get("/api/v1/tree", headers={"Accept-Encoding": "gzip"}).headers[
                    "Content-Encoding"
                ]
                == "gzip"
            )
            plain = client.get("/api/v1/tree", headers={"Accept-Encoding": "identity"})
            assert "Content-Encoding" not in plain.headers
            assert plain.json()["plan"]["siren"] == "200042190"


def test_progress_writes_keep_the_structure_stamp_and_other_writes_move_it(
    client: TestClient, keys: Any, engine: Engine
) -> None:
    def stamps() -> tuple[int, int]:
        with engine.connect() as connection:
            value, structure = connection.execute(
                text("SELECT value, structure_value FROM revision")
            ).one()
        return value, structure

    client.get("/api/v1/tree")
    revision, structure = stamps()
    put = client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2025",
        json={"progress": 40},
        headers=auth(keys.admin),
    )
    assert put.status_code == 201
    assert stamps() == (revision + 1, structure)
    # The tree after a progress write reads the progress again, not the structure or indicators.
    after_progress = count_queries(client, "/api/v1/tree")
    tree = client.get("/api/v1/tree").json()
    assert tree["engagements"][1]["axes"][2]["actions"][1]["progress"] == 40

    renamed = client.patch(
        f"/api/v1/actions/{ENV_ACTION}", json={"title": "Autonomie"}, headers=auth(keys.admin)
    )
    assert renamed.status_code == 200
    assert stamps() == (revision + 2, structure + 1)
    after_rename = count_queries(client, "/api/v1/tree")
    assert after_rename > after_progress
    action = client.get("/api/v1/tree").json()["engagements"][1]["axes"][2]["actions"][1]
    assert (action["title"], action["progress"]) == ("Autonomie", 40)

    value = client.put(
        "/api/v1/indicators/IND-AUTONOMIE-ENERGETIQUE/values/2025",
        json={"value": 12},
        headers=auth(keys.env),
    )
    assert value.status_code == 201
    assert stamps() == (revision + 3, structure + 2)


def test_concurrent_requests_share_a_revision_read_never_older_than_their_arrival(
    engine: Engine,
) -> None:
    source = RevisionSource(engine)
    if engine.dialect.name == "postgresql":
        assert source.read_async is not None  # read on the event loop, not in a worker thread

    def bump() -> None:
        with engine.begin() as connection:
            connection.execute(text("UPDATE revision SET value = value + 1 WHERE id = 1"))

    async def scenario() -> None:
        first = await source._shared_read()
        bump()  # committed before the next requests arrive: they must all see it
        together = await asyncio.gather(*(source._shared_read() for _ in range(20)))
        assert {stamp[0] for stamp in together} == {first[0] + 1}
        # A request cancelled while it waits cancels nobody else's read.
        waiters = [asyncio.ensure_future(source._shared_read()) for _ in range(5)]
        await asyncio.sleep(0)
        waiters[0].cancel()
        done = await asyncio.gather(*waiters[1:])
        assert {stamp[0] for stamp in done} == {first[0] + 1}
        # Per request, through the scope: read once, then handed over.
        scope: dict[str, Any] = {}
        assert await source(scope) == done[0]
        bump()
        assert await source(scope) == done[0]
        assert (await source({}))[0] == first[0] + 2

    try:
        asyncio.run(scenario())
    finally:
        source.close()


def test_the_tree_after_progress_writes_reads_only_what_the_audit_trail_names(
    client: TestClient, keys: Any
) -> None:
    def action(tree: dict[str, Any], engagement: int, axis: int, index: int) -> Any:
        return tree["engagements"][engagement]["axes"][axis]["actions"][index]["progress"]

    before = client.get("/api/v1/tree").json()
    assert action(before, 1, 2, 1) is None  # ENV_ACTION, no report yet
    put = client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2024",
        json={"progress": 12},
        headers=auth(keys.admin),
    )
    assert put.status_code == 201
    assert action(client.get("/api/v1/tree").json(), 1, 2, 1) == 12
    # A later year is the latest; an earlier one changes nothing shown.
    for year, value in ((2026, 30), (2025, 99)):
        client.put(
            f"/api/v1/actions/{ENV_ACTION}/progress/{year}",
            json={"progress": value},
            headers=auth(keys.admin),
        )
    assert action(client.get("/api/v1/tree").json(), 1, 2, 1) == 30
    # The CSV import writes with bulk statements: its audit entries name the trackables too.
    imported = client.post(
        "/api/v1/progress/import",
        content=f"trackable_code,year,progress\r\n{ENV_ACTION},2027,55\r\n",
        headers={**auth(keys.admin), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    after = client.get("/api/v1/tree").json()
    assert action(after, 1, 2, 1) == 55
    # Every other node as it was (the rest of the kept progress is reused): E1 untouched, E2 moved.
    assert after["engagements"][0] == before["engagements"][0]
    assert after["engagements"][1]["rollup"]["progress"] > 0
    assert before["engagements"][1]["rollup"]["progress"] == 0
