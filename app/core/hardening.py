"""Hardened edges: security headers on every response, a request body size limit, and a brake on
repeated failed authentications."""

import threading
import time
from collections import defaultdict, deque

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import BoussoleError

#: HTML pages load nothing from elsewhere; the API documentation pages load Swagger UI / ReDoc
#: from their CDN (FastAPI's defaults), and only those pages may.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "style-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
    "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; worker-src blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = (
                        DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP
                    )
                if scope["method"] not in ("GET", "HEAD") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """413 for a body larger than allowed — announced or actually sent — before any route reads
    it. ``limits`` gives larger allowances to some paths (the CSV import)."""

    def __init__(self, app: ASGIApp, default: int, limits: dict[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _too_large(send, limit)
                return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # Read the body first (it is bounded), so that an oversized one is refused before any
        # route starts parsing it; then hand it over as it came.
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > limit:
                await _too_large(send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"detail":"the request body is larger than {limit} bytes"}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class TooManyAttemptsError(BoussoleError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed authentications from this client: retry in {retry_after} s",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class FailedAuthLimiter:
    """At most ``attempts`` failed authentications per client in ``window`` seconds; beyond,
    the client is answered 429 with Retry-After until the oldest failure leaves the window.

    Kept in the process's memory: with several workers, each counts on its own, which still
    slows a guesser down by the same factor per process; tokens carry 256 random bits anyway."""

    def __init__(self, attempts: int = 10, window: float = 60.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, client: str, now: float) -> deque[float]:
        failures = self._failures[client]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[client]
        return failures

    def check(self, client: str) -> None:
        """Raise 429 if the client is currently blocked."""
        now = time.monotonic()
        with self._lock:
            failures = self._prune(client, now)
            if len(failures) >= self.attempts:
                raise TooManyAttemptsError(max(1, int(failures[0] + self.window - now) + 1))

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures[client].append(time.monotonic())
