"""What the pure ASGI middlewares share: they handle HTTP requests and pass on, untouched,
anything else (lifespan, websockets) and the methods they leave alone."""

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """A pure ASGI middleware (streaming-safe: nothing buffered here). ``handle`` receives the
    HTTP requests whose method is not in ``passed_methods``; everything else goes straight on to
    ``app``. Subclasses taking more arguments call ``super().__init__(app)``."""

    #: The methods passed on without ``handle`` (none by default).
    passed_methods: frozenset[str] = frozenset()

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in self.passed_methods:
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
