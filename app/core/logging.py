"""Structured logs: one JSON object per line, and one line per HTTP request.

``configure_logging`` sends every record (the application's, uvicorn's) to standard error as JSON.
``RequestLogMiddleware`` gives each request an id — the caller's ``X-Request-ID`` when it is a sane
token, a new one otherwise — returns it in the ``X-Request-ID`` response header and logs the request
once it is answered: time, level, request_id, method, path (never the query string), status and
duration_ms. Request headers are never logged, so neither are credentials; nor is the last part of
a path that is a one-time secret (``SECRET_PATHS``: an invitation link's token).
"""

import json
import logging
import re
import secrets
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from app.core.errors import InternalError, error_response
from app.core.middleware import HttpMiddleware

REQUEST_ID_HEADER = "X-Request-ID"
ACCESS_LOGGER = "boussole.access"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Paths whose last part is a secret (the pages' invitation links): logged as ``/invitation/…``.
SECRET_PATHS = ("/invitation/",)

#: The id of the request being served, added to every record logged while it is served.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured duplicate of the message
}

access_logger = logging.getLogger(ACCESS_LOGGER)


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, the fields given
    with ``extra=``, the request id when there is one, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class JsonLogHandler(logging.Handler):
    """Writes formatted records to the *current* ``sys.stderr`` (so captures and redirections made
    after configuration are honoured), one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def configure_logging(level: str = "INFO") -> None:
    """Log every record at ``level`` or above as JSON on standard error. Safe to call again (every
    app built by ``create_app``, every uvicorn worker calls it): the handler is replaced."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, JsonLogHandler):
            root.removeHandler(handler)
    handler = JsonLogHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Uvicorn's messages go through the same handler; its access log is replaced by ours.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
    uvicorn_access.disabled = True
    # Records carry no thread or process names here (the JSON line shows neither): not computed.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Alembic announces its dialect each time /readyz reads the revision: not worth a line.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def request_id_from(value: str | None) -> str:
    """The caller's request id if it is a sane token (at most 64 of ``A-Za-z0-9._-``), else a new
    one, so that nothing odd (newlines, secrets pasted by mistake, huge values) is echoed."""
    if value is not None and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return secrets.token_hex(16)


class RequestLogMiddleware(HttpMiddleware):
    """Pure ASGI middleware (streaming-safe, no request body buffering): request id in and out,
    one access log line per HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None
        )
        request_id = request_id_from(incoming)
        # Kept on the request's state too, for the 500 handler, which runs outside this middleware.
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status: int | None = None

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            # No response started: the app failed (or never answered), the server answers 500.
            log_request(scope["method"], scope["path"], status or 500, started, request_id)
            request_id_var.reset(token)


def log_request(method: str, path: str, status: int, started: float, request_id: str) -> None:
    """The access log line of one request (``started``: its ``time.perf_counter()``). The record
    is made and handled directly: ``Logger.log`` would also look for the calling source line,
    which the JSON line does not show, on every request."""
    level = logging.ERROR if status >= 500 else logging.INFO
    if not access_logger.isEnabledFor(level):
        return
    if path.startswith(SECRET_PATHS):
        path = path[: path.index("/", 1) + 1] + "…"
    record = access_logger.makeRecord(
        ACCESS_LOGGER,
        level,
        "",
        0,
        "%s %s %s",
        (method, path, status),
        None,
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    access_logger.handle(record)


async def _internal_error(request: Request, _exc: Exception) -> Response:
    # Starlette answers unhandled errors outside every middleware: the id is added here. The
    # exception is still raised to the server afterwards, which logs its traceback.
    request_id = getattr(request.state, "request_id", None) or request_id_from(None)
    error = InternalError(
        "Erreur interne du service : elle est journalisée sous l'identifiant "
        f"{request_id}, à donner à l'équipe qui l'exploite.",
        request_id=request_id,
    )
    response = error_response(error, request.url.path)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def install_request_logging(app: FastAPI) -> None:
    app.add_middleware(RequestLogMiddleware)
    app.add_exception_handler(Exception, _internal_error)
