"""Admission: how many requests of one process use the database at once, and what the others do.

The contract (every database session a request opens goes through ``Gate.enter``):

- at most ``capacity`` requests hold a session at once, and the connection pool is sized to it, so
  no request ever waits for a connection inside a worker thread. Such a wait is what hung the
  server for good: the threads all blocked waiting, while the requests holding the connections (or
  SQLite's writer lock) needed a free thread to finish;
- a writer first takes one of ``writers`` writer slots (SQLite: one, it has one writer; PostgreSQL:
  a few, all writers queue on the revision row anyway), then a session slot: readers never queue
  behind waiting writers;
- every wait happens on the event loop, never in a thread, and is bounded: at most ``max_queued``
  requests wait at once and none longer than ``timeout`` seconds. Beyond either, the request is
  answered 503 with Retry-After at once (``ServiceUnavailableError``) rather than piling up.
"""

import asyncio
import math
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.core.errors import ServiceUnavailableError


class _Slots:
    """A semaphore of ``size`` slots, one per event loop (a process serves from one loop; tests
    start a loop per client, and an asyncio semaphore may not be shared between loops)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.size)
        return semaphore


class Gate:
    def __init__(self, *, capacity: int, writers: int, max_queued: int, timeout: float) -> None:
        self.capacity = capacity
        self.max_queued = max_queued
        self.timeout = timeout
        self._sessions = _Slots(capacity)
        self._writers = _Slots(writers)
        #: Requests waiting for a slot now (all loops together).
        self.queued = 0

    @property
    def retry_after(self) -> int:
        """Seconds a refused client should wait: about one turn of the queue."""
        return max(1, math.ceil(self.timeout / 2))

    @asynccontextmanager
    async def enter(self, *, writing: bool) -> AsyncIterator[None]:
        deadline = time.monotonic() + self.timeout
        taken: list[asyncio.Semaphore] = []
        try:
            if writing:
                taken.append(await self._take(self._writers.semaphore(), deadline, "écritures"))
            taken.append(await self._take(self._sessions.semaphore(), deadline, "requêtes"))
            yield
        finally:
            for semaphore in reversed(taken):
                semaphore.release()

    async def _take(
        self, semaphore: asyncio.Semaphore, deadline: float, who: str
    ) -> asyncio.Semaphore:
        if not semaphore.locked():
            await semaphore.acquire()  # a free slot: no wait
            return semaphore
        if self.queued >= self.max_queued:
            raise ServiceUnavailableError(
                f"Le service est saturé ({self.queued} {who} en attente) : réessayez dans un "
                "instant.",
                retry_after=self.retry_after,
            )
        self.queued += 1
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await semaphore.acquire()
        except TimeoutError:
            raise ServiceUnavailableError(
                f"Le service est saturé ({self.timeout:g} s d'attente sans tour) : réessayez dans "
                "un instant.",
                retry_after=self.retry_after,
            ) from None
        finally:
            self.queued -= 1
        return semaphore
