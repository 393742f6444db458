"""Conditional GETs per RFC 9110 §13: If-None-Match (a tag list, ``*``, weak comparison) before
If-Modified-Since, 304 only in place of a 200, and the replay of kept answers agreeing with the
stack."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.revision.http_cache import (
    NAMED,
    SEND,
    STAR,
    UNMODIFIED,
    http_date_seconds,
    precondition,
    revision_needles,
)
from tests.conftest import ENV_ACTION, QueryCounter, Tokens, auth

#: The revision's time, pinned in the past (with microseconds: Last-Modified truncates them), so
#: a write always moves Last-Modified by whole seconds.
PINNED = datetime(2024, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)
PINNED_DATE = "Mon, 04 Mar 2024 05:06:07 GMT"
VALIDATORS = ("ETag", "Last-Modified", "Cache-Control", "Vary")


@pytest.fixture
def pinned(client: TestClient, engine: Engine, keys: Tokens) -> Iterator[TestClient]:
    """The client, the revision's time pinned after the tokens were made (a write)."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE revision SET changed_at = :moment"), {"moment": PINNED})
    yield client


def _date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _get(client: TestClient, path: str, **headers: str) -> httpx.Response:
    return client.get(path, headers=headers)


def _queries(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """The status of ``GET path`` and how many SQL statements answering it ran (0: replayed)."""
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        status = client.get(path, headers=headers).status_code
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return status, counter.count


def test_if_modified_since_gives_304_until_a_write_moves_the_revision(
    pinned: TestClient, keys: Tokens
) -> None:
    client = pinned
    full = _get(client, "/api/v1/plan")
    assert full.status_code == 200
    assert full.headers["Last-Modified"] == PINNED_DATE  # truncated to the second
    for since in (PINNED_DATE, _date(PINNED + timedelta(days=1)), _date(datetime.now(UTC))):
        response = _get(client, "/api/v1/plan", **{"If-Modified-Since": since})
        assert response.status_code == 304, since
        assert response.content == b""
        assert {h: response.headers[h] for h in VALIDATORS} == {
            h: full.headers[h] for h in VALIDATORS
        }
        assert "Content-Type" not in response.headers
    # Older than the revision: the full answer.
    earlier = _date(PINNED - timedelta(seconds=1))
    assert _get(client, "/api/v1/plan", **{"If-Modified-Since": earlier}).status_code == 200

    write = client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2025",
        json={"progress": 7},
        headers=auth(keys.admin),
    )
    assert write.status_code == 201
    after = _get(client, "/api/v1/plan", **{"If-Modified-Since": PINNED_DATE})
    assert after.status_code == 200
    assert after.headers["Last-Modified"] != PINNED_DATE
    again = _get(client, "/api/v1/plan", **{"If-Modified-Since": after.headers["Last-Modified"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "since",
    [
        "not a date",
        "",
        "Mon, 32 Mar 2024 05:06:07 GMT",
        # Later than the server's clock: ignored (RFC 9110 §13.1.3).
        _date(datetime.now(UTC) + timedelta(days=2)),
    ],
)
def test_an_invalid_or_future_if_modified_since_is_ignored(pinned: TestClient, since: str) -> None:
    for _ in range(2):  # and replayed alike
        response = _get(pinned, "/api/v1/plan", **{"If-Modified-Since": since})
        assert response.status_code == 200
        assert response.json()


def test_the_three_http_date_formats_are_read() -> None:
    seconds = int(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC).timestamp())
    for value in (
        b"Sun, 06 Nov 1994 08:49:37 GMT",
        b"Sunday, 06-Nov-94 08:49:37 GMT",
        b"Sun Nov  6 08:49:37 1994",
    ):
        assert http_date_seconds(value) == seconds, value
    assert http_date_seconds(b"yesterday") is None


def test_if_none_match_takes_precedence_over_if_modified_since(pinned: TestClient) -> None:
    client = pinned
    etag = _get(client, "/api/v1/plan").headers["ETag"]
    old = _date(PINNED - timedelta(days=1))
    # A matching tag: 304 although the date alone would give 200.
    matching = {"If-None-Match": etag, "If-Modified-Since": old}
    assert _get(client, "/api/v1/plan", **matching).status_code == 304
    # Another tag: 200 although the date alone would give 304.
    other = {"If-None-Match": 'W/"r1t1"', "If-Modified-Since": PINNED_DATE}
    for _ in range(2):
        assert _get(client, "/api/v1/plan", **other).status_code == 200


def test_if_none_match_lists_weak_comparison_and_star(pinned: TestClient, keys: Tokens) -> None:
    client = pinned
    full = _get(client, "/api/v1/plan")
    etag = full.headers["ETag"]
    assert etag.startswith('W/"')
    strong = etag.removeprefix("W/")
    for header in (strong, f'"nope", W/"other", {etag}', f'W/"x",{strong}', "*", " * "):
        for _ in range(2):  # the second replayed
            response = _get(client, "/api/v1/plan", **{"If-None-Match": header})
            assert response.status_code == 304, header
            assert response.content == b""
            assert response.headers["ETag"] == etag
            assert response.headers["Last-Modified"] == PINNED_DATE
    assert _get(client, "/api/v1/plan", **{"If-None-Match": '"nope", W/"r1t1"'}).status_code == 200

    # `*` with a version ETag: the 304 carries the route's own tag, as the 200 does.
    action = _get(client, f"/api/v1/actions/{ENV_ACTION}")
    star = _get(client, f"/api/v1/actions/{ENV_ACTION}", **{"If-None-Match": "*"})
    assert star.status_code == 304
    assert {h: star.headers[h] for h in VALIDATORS} == {h: action.headers[h] for h in VALIDATORS}

    client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2025",
        json={"progress": 3},
        headers=auth(keys.admin),
    )
    assert _get(client, "/api/v1/plan", **{"If-None-Match": etag}).status_code == 200
    # A representation still exists.
    assert _get(client, "/api/v1/plan", **{"If-None-Match": "*"}).status_code == 304


def test_only_a_200_becomes_a_304(pinned: TestClient) -> None:
    client = pinned
    for headers in ({"If-None-Match": "*"}, {"If-Modified-Since": PINNED_DATE}):
        for _ in range(2):
            missing = client.get("/api/v1/actions/NOPE9.9.9", headers=headers)
            assert missing.status_code == 404, headers
            assert missing.json()
            invalid = client.get("/api/v1/changes", params={"limit": 1001}, headers=headers)
            assert invalid.status_code == 422, headers


def test_the_replay_never_mixes_a_kept_200_and_a_kept_304(pinned: TestClient) -> None:
    client = pinned
    path = "/api/v1/dashboard/summary"
    requests: list[dict[str, str]] = [
        {},
        {"If-Modified-Since": PINNED_DATE},
        {"If-None-Match": "*"},
        {"If-Modified-Since": _date(PINNED - timedelta(seconds=1))},
        {"If-None-Match": '"nope"', "If-Modified-Since": PINNED_DATE},
    ]
    expected = [200, 304, 304, 200, 200]
    # Each kept by its first request, then replayed (no SQL statement), in any order.
    first = [_queries(client, path, headers) for headers in requests]
    assert [status for status, _ in first] == expected
    for round_ in (requests, requests[::-1]):
        replayed = [_queries(client, path, headers) for headers in round_]
        statuses = expected if round_ is requests else expected[::-1]
        assert replayed == [(status, 0) for status in statuses]


def test_precondition_decides_as_rfc_9110_orders_it() -> None:
    tag = "r5t1700000000000000"
    needles = revision_needles(tag)
    modified = 1_700_000_000
    now = time.time()
    date = b"Tue, 14 Nov 2023 22:13:20 GMT"  # = modified
    assert http_date_seconds(date) == modified
    assert precondition(b"", b"", needles, modified, now) == SEND
    assert precondition(f'W/"{tag}"'.encode(), b"", needles, modified, now) == NAMED
    assert precondition(f'"a", "{tag}"'.encode(), b"", needles, modified, now) == NAMED
    assert precondition(b"*", b"", needles, modified, now) == STAR
    assert precondition(b'"a"', date, needles, modified, now) == SEND
    assert precondition(b"", date, needles, modified, now) == UNMODIFIED
    assert precondition(b"", date, needles, modified + 1, now) == SEND
    assert precondition(b"", date, needles, modified, modified - 1) == SEND  # in the future
    assert precondition(b"", b"garbage", needles, modified, now) == SEND
