"""Reading the revision counter (see app.models.revision; app.models.events bumps it)."""

import threading
from datetime import datetime
from typing import Any, NamedTuple

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
    """Reads the revision on every request, as cheaply as the database allows.

    On SQLite each thread keeps a connection of its own, outside the pool, for this one
    statement (SQLite connections are cheap, and the file is local); on other databases a pooled
    connection is used, so that the server's connections stay bounded."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.own_connections = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._last: tuple[tuple[Any, Any], tuple[int, datetime]] | None = None

    def __call__(self) -> tuple[int, datetime]:
        if not self.own_connections:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                return read(conn)
        connection: Any = getattr(self._local, "connection", None)
        if connection is None:
            # Detached from the pool: set up like every connection (WAL, autocommit), kept by
            # this thread.
            pooled = self.engine.raw_connection()
            pooled.detach()
            connection = pooled.dbapi_connection
            self._local.connection = connection
        try:
            value, changed_at = connection.execute(_SQL).fetchone()
        except Exception:
            self._local.connection = None
            connection.close()
            raise
        # SQLite hands back the text SQLAlchemy wrote: ISO 8601, UTC. Parsed once per revision.
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
