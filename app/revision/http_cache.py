"""HTTP caching of the public API: ETag and Last-Modified from the database's revision counter,
conditional GETs (RFC 9110 §13, see ``precondition``), Cache-Control per route, and anonymous
answers kept and replayed until the next write.

The revision is read *before* the route runs, so a response is never older than its ETag claims: a
write committed meanwhile only makes the next request miss. Since the counter lives in the
database, every API process sharing it agrees on the ETags and on what may be replayed.

Routes that return a resource's version as ETag (for If-Match) keep it, suffixed with the revision:
``"3.r17"``; If-Match reads the version before the dot.

One rule for people who sign in: a request carrying the session cookie (``SESSION_COOKIE``,
whatever its value, on any path) is never answered from the kept answers nor kept
(``ResponseReplay``), gets no validators, and its answer is ``Cache-Control: private, no-store``
(``HttpCacheMiddleware``): what a signed-in person sees is never stored, by us or by any cache on
the way. Anonymous answers stay public and kept as before. So are the answers about the reports
not yet published (``NEVER_STORED``), whoever asks.
"""

import asyncio
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any

import anyio
from sqlalchemy import Engine
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import DATABASE_UNAVAILABLE, database_unavailable
from app.core.logging import request_id_from
from app.core.middleware import HttpMiddleware
from app.core.security import carries_session_cookie
from app.revision import reader as revision

API_PREFIX = "/api/v1"
_REVISION_IN_TAG = re.compile(r'(?:^|[."])(r\d+t\d+)"')

#: Cache-Control by path prefix (first match wins); the rest of the public API revalidates.
CACHE_RULES: tuple[tuple[str, str], ...] = (
    (f"{API_PREFIX}/open-data", "public, max-age=300, must-revalidate"),
    (f"{API_PREFIX}/changes", "public, no-cache"),
)
DEFAULT_RULE = "public, no-cache"
#: The answer to any request carrying the session cookie.
SIGNED_IN_RULE = "private, no-store"
#: Answers that depend on the caller's token (token names shown to authenticated callers only)
#: must not be shared by caches.
PRIVATE_PATHS = re.compile(rf"/history$|/progress(/\d+)?$|^{API_PREFIX}/indicators/[^/]+$")


#: The answers about the reports not yet published (app.campaigns): the caller's only, so like a
#: signed-in person's, never stored and never validated by the revision (a 304 to a request that
#: names it would answer before the route checks the token).
NEVER_STORED = re.compile(rf"^{API_PREFIX}/pending-reports$|/progress/\d+/pending(/[a-z-]+)?$")


def _cache_control(path: str) -> str:
    if PRIVATE_PATHS.search(path):
        return "private, no-cache"
    for prefix, rule in CACHE_RULES:
        if path.startswith(prefix):
            return rule
    return DEFAULT_RULE


def revision_tag(number: int, changed_at: datetime) -> str:
    """``r<revision>t<microseconds of its time>``: the time tells apart two databases that
    reached the same number (one restored from an older dump), so a client never gets a wrong
    304 after a restore."""
    return f"r{number}t{int(changed_at.timestamp() * 1_000_000)}"


def revisions_named(if_none_match: str) -> set[str]:
    """The revision tags an If-None-Match header names (``W/"r17t…"``, ``"3.r17t…"``…)."""
    return set(_REVISION_IN_TAG.findall(if_none_match))


def revision_needles(tag: str) -> tuple[bytes, bytes, bytes]:
    """What an If-None-Match naming ``tag`` contains: for ``names_revision``."""
    raw = tag.encode()
    return raw + b'"', b'"' + raw + b'"', b"." + raw + b'"'


def names_revision(if_none_match: bytes, needles: tuple[bytes, bytes, bytes]) -> bool:
    """``tag in revisions_named(if_none_match)``, without a regular expression (per request)."""
    return (
        if_none_match.startswith(needles[0])
        or needles[1] in if_none_match
        or needles[2] in if_none_match
    )


#: What the conditional headers of a GET or HEAD decide (RFC 9110 §13.2.2), for a 200 answer:
#: send it (``SEND``); 304 at once, the route unrun (``NAMED``: If-None-Match names the revision,
#: which every route shares); 304 instead of the route's 200 (``STAR``: ``If-None-Match: *``, a
#: representation exists; ``UNMODIFIED``: If-Modified-Since not older than the revision's time).
SEND, NAMED, STAR, UNMODIFIED = 0, 1, 2, 3


@lru_cache(maxsize=256)
def http_date_seconds(value: bytes) -> int | None:
    """The seconds since the epoch an HTTP-date names (IMF-fixdate, RFC 850 or asctime; no zone is
    GMT), or None if it is none. Cached: polling clients send back the same Last-Modified."""
    try:
        moment = parsedate_to_datetime(value.decode("latin-1"))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return int(moment.timestamp())
    except (ValueError, OverflowError):
        return None


def precondition(
    if_none_match: bytes,
    if_modified_since: bytes,
    needles: tuple[bytes, bytes, bytes],
    modified: int,
    now: float,
) -> int:
    """What If-None-Match and If-Modified-Since decide (``SEND``, ``NAMED``, ``STAR`` or
    ``UNMODIFIED``) at the revision whose tag gave ``needles`` and whose time, in whole seconds,
    is ``modified``. If-None-Match takes precedence: when present, If-Modified-Since is ignored. Its
    comparison is weak (``W/"x"`` matches ``"x"``); a list matches if any of its tags does. An
    If-Modified-Since that is no date, or a date later than ``now``, is ignored. Bytes checks
    only, unless If-Modified-Since is present (its date parsed once per distinct value)."""
    if if_none_match:
        if names_revision(if_none_match, needles):
            return NAMED
        if if_none_match.strip() == b"*":
            return STAR
        return SEND
    if if_modified_since:
        since = http_date_seconds(if_modified_since)
        if since is not None and modified <= since <= now:
            return UNMODIFIED
    return SEND


@dataclass
class _Stored:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


#: What a kept answer depends on besides the revision: path, query string, Host (links are
#: absolute), Origin (CORS headers), gzip accepted, what the conditional headers decide
#: (``precondition``: 200 or 304).
StoreKey = tuple[str, bytes, bytes, bytes, bool, int]


class ResponseStore:
    """Answers of anonymous GETs kept for the revision they were made at: until the next write,
    the same bytes (compressed or not) go out without running the route again. Any write makes a
    new revision and so empties the store; the revision is read from the database on every
    request, so several processes never disagree."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 4 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._tag = ""
        self._entries: OrderedDict[StoreKey, _Stored] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, tag: str, key: StoreKey) -> _Stored | None:
        with self._lock:
            if tag != self._tag:
                return None
            stored = self._entries.get(key)
            if stored is not None:
                self._entries.move_to_end(key)
            return stored

    def put(self, tag: str, key: StoreKey, stored: _Stored) -> None:
        if len(stored.body) > self.max_entry:
            return
        with self._lock:
            if tag != self._tag:
                self._entries.clear()
                self._size = 0
                self._tag = tag
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= len(previous.body)
            self._entries[key] = stored
            self._size += len(stored.body)
            while self._size > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)


class RevisionSource:
    """The revision, read once per request by the outermost layer and handed to the inner ones
    through the request's scope."""

    def __init__(self, engine: Engine) -> None:
        self.read = revision.RevisionReader(engine)
        self.read_async = (
            revision.AsyncRevisionReader(engine) if engine.dialect.driver == "psycopg" else None
        )
        self._batch: _Batch | None = None

    def close(self) -> None:
        if self.read_async is not None:
            self.read_async.close()

    async def __call__(self, scope: Scope) -> tuple[int, datetime]:
        state = scope.setdefault("state", {})
        stamp: tuple[int, datetime] | None = state.get(_SCOPE_REVISION)
        if stamp is None:
            if self.read.local:
                # SQLite: one indexed read of a local file, a few microseconds; a hop to a worker
                # thread would cost ten times more.
                stamp = self.read()
            else:
                stamp = await self._shared_read()
            state[_SCOPE_REVISION] = stamp
        return stamp

    async def _shared_read(self) -> tuple[int, datetime]:
        """A network round trip, shared: the requests that arrive while a read runs all wait for
        the *next* one, which starts after they arrived, so none gets a revision older than its
        arrival (a client always sees a write it saw acknowledged)."""
        loop = asyncio.get_running_loop()
        batch = self._batch
        if batch is None or batch.loop is not loop:  # a new event loop (tests): start afresh
            batch = self._batch = _Batch(loop)
        # A future of its own: a request cancelled while waiting cancels nobody else's.
        waiter: asyncio.Future[tuple[int, datetime]] = loop.create_future()
        batch.waiting.append(waiter)
        if batch.reader is None:
            batch.reader = loop.create_task(self._read_for(batch))
        return await waiter

    async def _read_for(self, batch: "_Batch") -> None:
        try:
            while batch.waiting:
                served, batch.waiting = batch.waiting, []
                try:
                    if self.read_async is not None:
                        stamp = await self.read_async()
                    else:
                        stamp = await anyio.to_thread.run_sync(self.read)
                except Exception as error:
                    for waiter in served:
                        if not waiter.done():
                            waiter.set_exception(error)
                else:
                    for waiter in served:
                        if not waiter.done():
                            waiter.set_result(stamp)
        finally:
            batch.reader = None


@dataclass
class _Batch:
    loop: asyncio.AbstractEventLoop
    waiting: "list[asyncio.Future[tuple[int, datetime]]]" = field(default_factory=list)
    reader: "asyncio.Task[None] | None" = None


_SCOPE_REVISION = "boussole_revision"


class ResponseReplay:
    """A standard ASGI middleware, installed outside the others (``app.main``): an anonymous
    ``GET`` of the API is answered with the bytes the stack inside it gave to the same request at
    the same revision (status, headers, body; a new request id), logged like any other request,
    without running the inner middlewares or the route again. A middleware added after it runs
    before it, like any other.

    Only answers that depend on nothing but the key (see ``StoreKey``) are kept: no token, no
    session cookie, no request body; 200 and 304 only.

    Not an ``HttpMiddleware``: its hits are the cheapest answers of the service, and one coroutine
    less is 4 % of one (measured in-process: 9.3 -> 8.9 us a replayed 304)."""

    def __init__(
        self,
        app: ASGIApp,
        revisions: RevisionSource,
        log_request: Callable[[str, str, int, float, str], None],
        store: ResponseStore | None = None,
    ) -> None:
        self.app = app
        self.revisions = revisions
        self.log_request = log_request
        self.store = store if store is not None else ResponseStore()
        self._memo: tuple[tuple[int, datetime], str, tuple[bytes, bytes, bytes], int] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(API_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        host = origin = if_none_match = if_modified_since = b""
        request_id: str | None = None
        gzip = False
        for name, value in scope["headers"]:
            if name in _UNSHARED or (name == b"cookie" and carries_session_cookie(value)):
                await self.app(scope, receive, send)
                return
            if name == b"host":
                host = value
            elif name == b"origin":
                origin = value
            elif name == b"accept-encoding":
                gzip = b"gzip" in value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"if-modified-since":
                if_modified_since = value
            elif name == b"x-request-id":
                request_id = value.decode("latin-1")
        try:
            stamp = await self.revisions(scope)
        except Exception:
            # The database is unreachable: the whole stack answers (the HTTP cache's middleware
            # its 503, or the 500 handler with the request id; the request log records it).
            await self.app(scope, receive, send)
            return
        tag, needles, modified = self._tag(stamp)
        decided = SEND
        if if_none_match or if_modified_since:
            decided = precondition(if_none_match, if_modified_since, needles, modified, time.time())
        key: StoreKey = (scope["path"], scope.get("query_string", b""), host, origin, gzip, decided)
        stored = self.store.get(tag, key)
        if stored is None:
            await self.app(scope, receive, self._keeping(send, tag, key))
            return
        request_id = request_id_from(request_id)
        headers = [*stored.headers, (b"x-request-id", request_id.encode())]
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": stored.body})
        self.log_request("GET", scope["path"], stored.status, started, request_id)

    def _tag(self, stamp: tuple[int, datetime]) -> tuple[str, tuple[bytes, bytes, bytes], int]:
        """The revision's tag, what an If-None-Match naming it contains and its time in whole
        seconds (Last-Modified's), worked out once per revision, not per request."""
        memo = self._memo
        if memo is None or memo[0] != stamp:
            tag = revision_tag(*stamp)
            memo = self._memo = (stamp, tag, revision_needles(tag), int(stamp[1].timestamp()))
        return memo[1], memo[2], memo[3]

    def _keeping(self, send: Send, tag: str, key: StoreKey) -> Send:
        """``send``, keeping a copy of a 200 or 304 answer of at most ``max_entry`` bytes."""
        started: dict[str, Any] = {}
        chunks: list[bytes] = []
        kept = {"on": True, "size": 0}

        async def send_and_keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
                kept["on"] = message["status"] in (200, 304)
            elif message["type"] == "http.response.body" and kept["on"]:
                chunks.append(message.get("body", b""))
                kept["size"] += len(chunks[-1])
                if kept["size"] > self.store.max_entry:  # too large to keep: stop collecting
                    kept["on"] = False
                    chunks.clear()
                elif not message.get("more_body", False):
                    headers = [
                        (k, v) for k, v in started["headers"] if k.lower() not in _PER_REQUEST
                    ]
                    self.store.put(tag, key, _Stored(started["status"], headers, b"".join(chunks)))
            await send(message)

        return send_and_keep


#: A request with any of these is never answered from the store: what a route shows may depend on
#: the token, and a GET with a body is odd enough to go through every check.
_UNSHARED = frozenset((b"authorization", b"content-length", b"transfer-encoding"))
#: Response headers that belong to one request.
_PER_REQUEST = frozenset((b"x-request-id",))


#: The headers of a 200 a 304 made from it keeps (RFC 9110 §15.4.5); the outer middlewares add
#: their own (security, CORS, request id) to both alike.
_NOT_MODIFIED_KEEPS = frozenset(
    (b"etag", b"last-modified", b"cache-control", b"vary", b"content-location", b"expires", b"date")
)


class HttpCacheMiddleware(HttpMiddleware):
    """ETag, Last-Modified and Cache-Control on the API's answers of GET and HEAD, and the
    conditional requests of RFC 9110 §13 (``precondition``), from the revision
    ``RevisionSource`` reads (once per request). If-None-Match naming the revision answers 304 at
    once; ``If-None-Match: *`` and a holding If-Modified-Since turn the route's 200 (only a 200:
    never a 404 or an error) into a 304 with the same validators and no body."""

    def __init__(self, app: ASGIApp, revisions: RevisionSource) -> None:
        super().__init__(app)
        self.revisions = revisions

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if signed_in(scope) or NEVER_STORED.search(scope["path"]):
            await self.app(scope, receive, _private(send))
            return
        if scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            number, changed_at = await self.revisions(scope)
        except DATABASE_UNAVAILABLE as error:
            # Outside the routes' error handlers: answered here as they would (503, Retry-After).
            await database_unavailable(error, scope["path"])(scope, receive, send)
            return
        moment = changed_at.astimezone(UTC)
        tag = revision_tag(number, moment)
        last_modified = format_datetime(moment, usegmt=True)
        cache_control = _cache_control(scope["path"])
        request_headers = Headers(scope=scope)
        decided = precondition(
            request_headers.get("if-none-match", "").encode("latin-1"),
            request_headers.get("if-modified-since", "").encode("latin-1"),
            revision_needles(tag),
            int(moment.timestamp()),
            time.time(),
        )
        if decided == NAMED:
            headers = [
                (b"etag", f'W/"{tag}"'.encode()),
                (b"cache-control", cache_control.encode()),
                (b"vary", b"Authorization, Accept-Encoding"),
            ]
            headers.append((b"last-modified", last_modified.encode()))
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        not_modified = False

        async def send_with_validators(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                version = headers.get("etag")
                headers["ETag"] = f'"{version.strip(chr(34))}.{tag}"' if version else f'W/"{tag}"'
                headers["Last-Modified"] = last_modified
                headers["Cache-Control"] = cache_control
                headers["Vary"] = "Authorization, Accept-Encoding"
                if decided != SEND:
                    not_modified = True
                    message = {
                        "type": "http.response.start",
                        "status": 304,
                        "headers": [
                            (k, v) for k, v in headers.raw if k.lower() in _NOT_MODIFIED_KEEPS
                        ],
                    }
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return  # the 200's body: not sent
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, send_with_validators)


def signed_in(scope: Scope) -> bool:
    """Whether the request carries the session cookie (valid or not: no look-up here)."""
    return any(
        name == b"cookie" and carries_session_cookie(value) for name, value in scope["headers"]
    )


def _private(send: Send) -> Send:
    """``send``, with ``Cache-Control: private, no-store`` on the answer."""

    async def send_private(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)["Cache-Control"] = SIGNED_IN_RULE
        await send(message)

    return send_private
