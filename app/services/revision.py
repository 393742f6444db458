"""Reading the revision counter (see app.models.revision; app.models.events bumps it)."""

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

import psycopg
from sqlalchemy import Connection, Engine, select
from sqlmodel import col

from app.models.base import as_utc
from app.models.revision import REVISION_ROW, Revision

_SQL = "SELECT value, changed_at FROM revision WHERE id = 1"  # REVISION_ROW


assert REVISION_ROW == 1  # the statement above names it


Stamp = tuple[int, datetime]


class Stamps(NamedTuple):
    """The revision, and the structure stamp (which progress-only writes leave alone)."""

    revision: Stamp
    structure: Stamp


def read(connection: Connection) -> Stamp:
    row = connection.execute(
        select(col(Revision.value), col(Revision.changed_at)).where(
            col(Revision.id) == REVISION_ROW
        )
    ).one()
    return int(row[0]), row[1]


def read_stamps(connection: Connection) -> Stamps:
    row = connection.execute(
        select(
            col(Revision.value),
            col(Revision.changed_at),
            col(Revision.structure_value),
            col(Revision.structure_changed_at),
        ).where(col(Revision.id) == REVISION_ROW)
    ).one()
    return Stamps((int(row[0]), row[1]), (int(row[2]), row[3]))


class RevisionReader:
    """Reads the revision on every request, as cheaply as the database allows: on a connection
    of its own, outside the engine's pool (no checkout, no liveness ping, no transaction).

    On SQLite each thread keeps one (SQLite connections are cheap, the file is local, and the
    read takes microseconds on the event loop itself). On PostgreSQL the process keeps one, used
    by one read at a time (``app.core.caching.RevisionSource`` has concurrent requests share a
    read rather than queue for it); it is opened again after a failure."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.local = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._shared: Any = None
        self._shared_lock = threading.Lock()
        self._last: tuple[tuple[Any, Any], Stamp] | None = None

    def _connect(self) -> Any:
        # Detached from the pool, set up like every connection by the engine's events.
        pooled = self.engine.raw_connection()
        pooled.detach()
        connection: Any = pooled.dbapi_connection
        if not self.local:
            connection.autocommit = True
        return connection

    def __call__(self) -> Stamp:
        if self.local:
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = self._connect()
            value, changed_at = self._read(
                connection, lambda: setattr(self._local, "connection", None)
            )
        else:
            with self._shared_lock:
                if self._shared is None:
                    self._shared = self._connect()
                value, changed_at = self._read(
                    self._shared, partial(setattr, self, "_shared", None)
                )
        # Parsed once per revision (SQLite hands back the text SQLAlchemy wrote: ISO 8601, UTC).
        last = self._last
        if last is not None and last[0] == (value, changed_at):
            return last[1]
        moment = (
            changed_at if isinstance(changed_at, datetime) else datetime.fromisoformat(changed_at)
        )
        stamp = as_utc(moment)
        assert stamp is not None
        self._last = ((value, changed_at), (int(value), stamp))
        return int(value), stamp

    @staticmethod
    def _read(connection: Any, forget: Callable[[], None]) -> tuple[Any, Any]:
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(_SQL)
                row: tuple[Any, Any] = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:
            forget()
            connection.close()
            raise
        return row


class AsyncRevisionReader:
    """PostgreSQL through psycopg: the revision read on the event loop itself, on a connection of
    its own (a worker thread's hop cost twice the round trip). One read at a time: see
    ``app.core.caching.RevisionSource``, which has concurrent requests share one."""

    def __init__(self, engine: Engine) -> None:
        _args, self._connect_args = engine.dialect.create_connect_args(engine.url)
        self._connection: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last: tuple[tuple[Any, Any], Stamp] | None = None

    async def __call__(self) -> Stamp:
        loop = asyncio.get_running_loop()
        if self._connection is not None and (self._loop is not loop or self._connection.closed):
            self.close()  # opened on another event loop (tests start one per client), or broken
        if self._connection is None:
            self._connection = await psycopg.AsyncConnection.connect(
                **self._connect_args, autocommit=True
            )
            self._loop = loop
        try:
            cursor = await self._connection.execute(_SQL)
            row = await cursor.fetchone()
        except Exception:
            self.close()
            raise
        assert row is not None
        value, changed_at = row
        last = self._last
        if last is not None and last[0] == (value, changed_at):
            return last[1]
        stamp = as_utc(changed_at)
        assert stamp is not None
        self._last = ((value, changed_at), (int(value), stamp))
        return int(value), stamp

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # Synchronous, so it works whichever event loop opened the connection.
            connection.pgconn.finish()
