"""Who is calling, settled before a write does any other work.

``AuthenticationMiddleware`` runs ahead of the body limit, the JSON parsing and the routes: for a
write (any method but GET, HEAD, OPTIONS) the bearer token is looked up (one short read, admitted
by the ``Gate`` like any other) before a byte of the body is read and before any writer slot,
lock or transaction is taken, and a write to the API without a token is answered 401 at once.
A read is authenticated only if its route asks who is calling (``Authenticator.actor`` through
``app.api.deps``): public reads ignore tokens, as documented.

The brake on failed authentications (``FailedAuthLimiter``) counts failures per client address;
a client over the limit gets 429 for its *bad* tokens, while a valid token is always accepted, so
one guesser behind a shared proxy never locks out the colleagues behind the same address.
"""

import anyio.to_thread
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import tokens
from app.auth.tokens import Actor
from app.core.admission import Gate
from app.core.errors import (
    DATABASE_UNAVAILABLE,
    TOKEN_NEEDED,
    BoussoleError,
    UnauthorizedError,
    database_unavailable,
    error_response,
)
from app.core.hardening import FailedAuthLimiter, TooManyAttemptsError
from app.core.middleware import HttpMiddleware

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Where every write needs a token.
PROTECTED_PREFIX = "/api/"
#: Longer than any token this service makes: refused without a look-up.
MAX_TOKEN_LENGTH = 256

STATE_KEY = "actor"


def bearer_token(scope: Scope) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; None without one (other schemes too)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            text: str = value.decode("latin-1")
            scheme, _, credentials = text.partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
            return None
    return None


class Authenticator:
    """Looks up the caller of a request once, and keeps the answer in the request's state."""

    def __init__(self, *, engine: Engine, gate: Gate, limiter: FailedAuthLimiter) -> None:
        self.engine = engine
        self.gate = gate
        self.limiter = limiter

    async def actor(self, scope: Scope) -> Actor | None:
        """The caller; None for an anonymous one. 401 for an invalid or revoked token (429 once
        the client failed too often)."""
        state = scope.setdefault("state", {})
        if STATE_KEY not in state:
            state[STATE_KEY] = await self._authenticate(scope)
        actor: Actor | None = state[STATE_KEY]
        return actor

    async def _authenticate(self, scope: Scope) -> Actor | None:
        token = bearer_token(scope)
        if token is None:
            return None
        actor = None
        if len(token) <= MAX_TOKEN_LENGTH:
            async with self.gate.enter(writing=False):
                actor = await anyio.to_thread.run_sync(self._look_up, token)
        if actor is not None:
            return actor
        client = scope["client"][0] if scope.get("client") else "unknown"
        retry_after = self.limiter.failed(client)
        if retry_after is not None:
            raise TooManyAttemptsError(retry_after)
        raise UnauthorizedError("Jeton invalide ou révoqué.")

    def _look_up(self, token: str) -> Actor | None:
        with Session(self.engine) as session:
            return tokens.authenticate(session=session, token=token)


class AuthenticationMiddleware(HttpMiddleware):
    passed_methods = READ_METHODS

    def __init__(self, app: ASGIApp, *, authenticator: Authenticator) -> None:
        super().__init__(app)
        self.authenticator = authenticator

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            actor = await self.authenticator.actor(scope)
            if actor is None and scope["path"].startswith(PROTECTED_PREFIX):
                raise UnauthorizedError(TOKEN_NEEDED)
        except BoussoleError as error:
            await error_response(error, scope["path"])(scope, receive, send)
            return
        except DATABASE_UNAVAILABLE as error:
            # Outside the routes' error handlers: answered here as they would (503, Retry-After).
            await database_unavailable(error, scope["path"])(scope, receive, send)
            return
        await self.app(scope, receive, send)
