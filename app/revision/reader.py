"""Reading the revision counter: on every request (the HTTP cache, the tree), once per
revision parsed; see app.revision for the contract."""

import asyncio
import threading
from datetime import datetime
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
    """The revision, the structure stamp (which progress-only writes leave alone) and the
    indicators stamp (which only writes of the indicators move): app.models.revision."""

    revision: Stamp
    structure: Stamp
    indicators: Stamp


#: The revision's columns, then the structure stamp's and the indicators stamp's, of the
#: counter's one row.
_REVISION = (col(Revision.value), col(Revision.changed_at))
_STRUCTURE = (col(Revision.structure_value), col(Revision.structure_changed_at))
_INDICATORS = (col(Revision.indicators_value), col(Revision.indicators_changed_at))
_THE_ROW = col(Revision.id) == REVISION_ROW


def read(connection: Connection) -> Stamp:
    row = connection.execute(select(*_REVISION).where(_THE_ROW)).one()
    return int(row[0]), row[1]


def read_stamps(connection: Connection) -> Stamps:
    row = connection.execute(select(*_REVISION, *_STRUCTURE, *_INDICATORS).where(_THE_ROW)).one()
    return Stamps((int(row[0]), row[1]), (int(row[2]), row[3]), (int(row[4]), row[5]))


class _Parsed:
    """The stamp of a raw ``(value, changed_at)`` row, parsed once per revision rather than once
    per request (SQLite hands back the text SQLAlchemy wrote: ISO 8601, UTC)."""

    def __init__(self) -> None:
        self._last: tuple[tuple[Any, Any], Stamp] | None = None

    def __call__(self, value: Any, changed_at: Any) -> Stamp:
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


class RevisionReader:
    """Reads the revision on every request, as cheaply as the database allows.

    On SQLite each thread keeps a connection of its own, outside the engine's pool (SQLite
    connections are cheap, the file is local: the read takes microseconds, on the event loop
    itself). PostgreSQL through psycopg has ``AsyncRevisionReader``; any other database a pooled
    connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.local = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._parsed = _Parsed()

    def __call__(self) -> Stamp:
        if not self.local:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                return read(conn)
        connection: Any = getattr(self._local, "connection", None)
        if connection is None:
            # Detached from the pool: set up like every connection (WAL, autocommit), kept by
            # this thread.
            pooled = self.engine.raw_connection()
            pooled.detach()
            connection = self._local.connection = pooled.dbapi_connection
        try:
            value, changed_at = connection.execute(_SQL).fetchone()
        except Exception:
            self._local.connection = None
            connection.close()
            raise
        return self._parsed(value, changed_at)


class AsyncRevisionReader:
    """PostgreSQL through psycopg: the revision read on the event loop itself, on a connection of
    its own (a worker thread's hop cost twice the round trip). One read at a time: see
    ``app.revision.http_cache.RevisionSource``, which has concurrent requests share one."""

    def __init__(self, engine: Engine) -> None:
        _args, self._connect_args = engine.dialect.create_connect_args(engine.url)
        self._connection: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._parsed = _Parsed()

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
        return self._parsed(*row)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # Synchronous, so it works whichever event loop opened the connection.
            connection.pgconn.finish()
