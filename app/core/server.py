"""The HTTP server's own defences, for ``boussole serve``: uvicorn's settings and its protocol with
a request-header timeout.

uvicorn bounds how long an idle keep-alive connection stays open, but not how long a client may
take to send a request's headers: a client sending them a byte at a time (or a connection that
sends nothing at all) would hold its connection forever. ``HeaderTimeoutProtocol`` closes a
connection whose request headers are not complete ``BOUSSOLE_REQUEST_HEADER_TIMEOUT`` seconds after
the connection opened or the previous response ended. The body's own timeout is the app's
(``BodySizeLimitMiddleware``, 408).
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.config import get_settings


class HeaderTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = get_settings().request_header_timeout
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # A request on a kept-alive connection: its headers are timed from the first byte.
        if self._header_timer is None:
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Idle between requests: uvicorn's keep-alive timeout closes the connection if nothing
        # comes; once something comes, on_message_begin times its headers.
        self._disarm_header_timer()


def uvicorn_options() -> dict[str, Any]:
    """What ``boussole serve`` passes to uvicorn besides host, port, workers and reload."""
    settings = get_settings()
    return {
        "http": HeaderTimeoutProtocol,
        # X-Forwarded-* are read by the app itself, from BOUSSOLE_TRUSTED_PROXIES only (uvicorn
        # would trust 127.0.0.1 by default).
        "proxy_headers": False,
        "timeout_graceful_shutdown": settings.graceful_shutdown_timeout,
        # Our request log replaces uvicorn's access log; our JSON handler replaces its config.
        "access_log": False,
        "log_config": None,
    }
