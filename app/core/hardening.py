"""Hardened edges: security headers on every response, a request body size limit, and per-client
brakes (``ClientLimiter``): on repeated failed authentications, on sign-ins begun."""

import asyncio
import json
import math
import threading
import time
from collections import OrderedDict, deque
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import (
    InvalidInputError,
    PayloadTooLargeError,
    ProblemHTTPException,
    RequestTimeoutError,
    TooManyRequestsError,
    error_response,
)
from app.core.middleware import HttpMiddleware
from app.core.validation_messages import TEXT_WITH_NUL, TEXT_WITH_SURROGATE

#: The methods whose requests no route reads a body of.
BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: HTML pages load nothing from elsewhere. The API documentation pages (app.api.docs) load
#: Swagger UI and ReDoc from the service too; ReDoc adds <style> elements as it draws
#: (styled-components) and runs its search in a blob: worker, which only those pages may.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
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


def too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"Le corps de la requête dépasse la limite de {limit} octets.")


class BodyTooLargeError(ProblemHTTPException):
    """Raised from ``receive`` when a body passes its limit: an HTTPException, so that whoever is
    reading (FastAPI's body parsing, a form, a stream) lets it through to the 413 answer."""

    def __init__(self, limit: int) -> None:
        super().__init__(too_large(limit))


class BodyTimeoutError(ProblemHTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            RequestTimeoutError(f"Le corps de la requête n'est pas arrivé en {seconds:g} s.")
        )


class BodySizeLimitMiddleware(HttpMiddleware):
    """413 for a body larger than allowed — announced or actually sent — and 408 for one not sent
    in time, raised from ``receive`` as the body streams in: nothing is buffered here, and whoever
    reads the body stops at the limit. ``limits`` gives larger allowances to some paths (the CSV
    import)."""

    passed_methods = BODILESS_METHODS  # no route reads the body of a read

    def __init__(
        self, app: ASGIApp, *, default: int, limits: dict[str, int], timeout: float
    ) -> None:
        super().__init__(app)
        self.default = default
        self.limits = limits
        self.timeout = timeout

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope["path"], self.default)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await error_response(too_large(limit), scope["path"])(scope, receive, send)
                return
        received = 0
        deadline = time.monotonic() + self.timeout

        async def limited_receive() -> Message:
            nonlocal received, deadline
            try:
                remaining = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
                async with asyncio.timeout(remaining):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeoutError(self.timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
                if not message.get("more_body", False):
                    # The whole body is in: later receives wait for a disconnect (a streaming
                    # answer listens for it), without limit.
                    deadline = math.inf
            return message

        await self.app(scope, limited_receive, send)


class StrictJSONMiddleware(HttpMiddleware):
    """Reads a JSON request body once, strictly, before FastAPI does: numbers must be finite
    (no NaN, Infinity, or 1e309), strings must hold no NUL and no unpaired surrogate, and the
    body must be UTF-8 JSON. Anything else is a 422 naming where the problem is, as the
    validation errors do (a problem with one item in ``errors``), instead of a 500 (a NaN cannot
    be echoed back in JSON) or an undocumented 400. Well-formed bodies are handed on as they
    came."""

    passed_methods = BODILESS_METHODS

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except ProblemHTTPException as error:  # too large, or too slow (BodySizeLimitMiddleware)
            await error_response(error.error, scope["path"])(scope, receive, send)
            return
        body = b"".join(chunks)
        problem = json_problem(body) if body.strip() else None
        if problem is not None:
            loc, message_text, kind = problem
            refusal = InvalidInputError(loc, message_text, kind)
            await error_response(refusal, scope["path"])(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


class _NonFinite:
    """A NaN or infinite number met while parsing, kept to be reported with its place."""

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_float(text: str) -> float | _NonFinite:
    number = float(text)
    return number if math.isfinite(number) else _NonFinite(text)


def _parse_int(text: str) -> int | _NonFinite:
    # Python reads integers of any length; past 4,300 digits it refuses. Nothing of ours is a
    # number of 20 digits, so a longer one is reported rather than parsed.
    return int(text) if len(text) <= 20 else _NonFinite(text[:20] + "…")


def json_problem(body: bytes) -> tuple[list[str | int], str, str] | None:
    """Where and what the first problem of a JSON body is (loc, message in French, type); None if
    none."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return (
            ["body"],
            f"le corps n'est pas du texte UTF-8 (octet {error.start})",
            "json_invalid",
        )
    try:
        document = json.loads(
            text, parse_constant=_NonFinite, parse_float=_parse_float, parse_int=_parse_int
        )
    except json.JSONDecodeError as error:
        where = f"ligne {error.lineno}, colonne {error.colno}"
        return (
            ["body", error.pos],
            f"JSON illisible ({where}) : {_json_syntax(error.msg)}",
            "json_invalid",
        )
    except RecursionError:
        return ["body"], "JSON trop profondément imbriqué", "json_invalid"
    # Walk without recursion: a body may nest deeper than Python's stack.
    stack: list[tuple[list[str | int], object]] = [(["body"], document)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, _NonFinite):
            return loc, f"doit être un nombre fini, pas {value.text}", "finite_number"
        if isinstance(value, str):
            if "\x00" in value:
                return loc, TEXT_WITH_NUL, "string_nul"
            if not _encodable(value):
                return loc, TEXT_WITH_SURROGATE, "string_unicode"
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key or not _encodable(key):
                    return loc, "les noms de champs doivent être du texte simple", "string_unicode"
                stack.append(([*loc, key], item))
        elif isinstance(value, list):
            stack.extend(([*loc, index], item) for index, item in enumerate(value))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: The messages of Python's JSON parser, in French.
_JSON_SYNTAX = {
    "Expecting value": "une valeur est attendue",
    "Expecting property name enclosed in double quotes": (
        "un nom de champ entre guillemets droits est attendu"
    ),
    "Expecting ':' delimiter": "« : » est attendu",
    "Expecting ',' delimiter": "« , » est attendu",
    "Extra data": "du texte suit la fin du document",
    "Unterminated string starting at": "un texte n'est pas terminé",
    "Invalid control character at": "caractère de contrôle dans un texte",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Illegal trailing comma before end of object": "virgule en trop avant la fin de l'objet",
    "Illegal trailing comma before end of array": "virgule en trop avant la fin de la liste",
}


def _json_syntax(message: str) -> str:
    return _JSON_SYNTAX.get(message, "syntaxe invalide")


class TooManyAttemptsError(TooManyRequestsError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Trop d'authentifications échouées depuis ce client : réessayez dans {retry_after} s.",
            retry_after,
        )


class ClientLimiter:
    """At most ``attempts`` events per client in ``window`` seconds (``hit`` records one);
    beyond, the client is answered 429 with Retry-After until the oldest of its last
    ``attempts`` events leaves the window (an event refused counts too: a flood stays refused).

    At most ``max_clients`` clients are remembered (the least recently counted forgotten first)
    and each keeps at most ``attempts`` times, so memory stays bounded whatever addresses a flood
    comes from. Kept in the process's memory: with several workers, each counts on its own."""

    def __init__(self, attempts: int = 10, window: float = 60.0, max_clients: int = 10_000) -> None:
        self.attempts = attempts
        self.window = window
        self.max_clients = max_clients
        self._times: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._times)

    def blocked(self, client: str) -> int | None:
        """The seconds to wait if the client is over the limit now (nothing recorded): for a
        check made before the work, where a password is verified (app.auth.credentials)."""
        now = time.monotonic()
        with self._lock:
            times = self._times.get(client)
            if times is None:
                return None
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) < self.attempts:
                return None
            return max(1, int(times[0] + self.window - now) + 1)

    def hit(self, client: str) -> int | None:
        """Record an event; the seconds to wait (for a 429) if the client is over the limit."""
        now = time.monotonic()
        with self._lock:
            times = self._times.pop(client, None) or deque(maxlen=self.attempts)
            while times and times[0] <= now - self.window:
                times.popleft()
            over = len(times) >= self.attempts
            times.append(now)
            self._times[client] = times  # now the most recent
            while len(self._times) > self.max_clients:
                self._times.popitem(last=False)
            if over:
                return max(1, int(times[0] + self.window - now) + 1)
            return None


class FailedAuthLimiter(ClientLimiter):
    """At most ``attempts`` failed authentications per client in ``window`` seconds; beyond,
    the client's failures are answered 429 with Retry-After (``ClientLimiter``). Only failures
    are counted and only failures are refused: a valid token is never turned away because others
    failed from the same address."""

    def failed(self, client: str) -> int | None:
        """Record a failure; the seconds to wait (for a 429) if the client is over the limit."""
        return self.hit(client)


class PublicUrlMiddleware:
    """Every request is seen as addressed to the configured public base URL (scheme, host, port
    and path prefix): absolute links (``url_for``) and redirects are built from it, never from
    a Host header the client chose."""

    def __init__(self, app: ASGIApp, *, public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"BOUSSOLE_PUBLIC_URL must be an http(s) URL, not {public_url!r}")
        self.scheme = parts.scheme
        self.host = parts.netloc.encode("idna")
        self.server = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        self.root_path = parts.path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = dict(scope)
            scope["scheme"] = self.scheme
            scope["server"] = self.server
            scope["headers"] = [
                *((name, value) for name, value in scope["headers"] if name != b"host"),
                (b"host", self.host),
            ]
            if self.root_path:
                scope["root_path"] = self.root_path
        await self.app(scope, receive, send)
