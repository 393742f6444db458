"""Database engine and sessions.

The schema itself is created only by the Alembic migrations (``boussole db upgrade``).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from app.core.errors import NotFoundError


def _prepare_sqlite_file(url: str) -> None:
    """Create the folder of a SQLite file database (``./var/`` by default) if it is missing."""
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


#: Connections kept open per process by default; the API sizes its pool to the requests it
#: admits at once (``BOUSSOLE_MAX_IN_FLIGHT``, see app.core.admission).
POOL_SIZE = 20
#: Seconds a statement waits for a lock (SQLite's busy timeout, PostgreSQL's lock_timeout) or a
#: connection for the pool, by default, before it fails (answered 503) rather than waiting on.
LOCK_TIMEOUT = 5.0

#: Execution option naming how a SQLite transaction begins; writers ask for "IMMEDIATE".
SQLITE_BEGIN = "sqlite_begin"


def _configure_sqlite(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    # The driver's own implicit BEGIN is turned off: _begin_sqlite emits it (SQLAlchemy's recipe).
    dbapi_connection.isolation_level = None
    # Foreign keys are off by default in SQLite; WAL lets readers run beside one writer, and the
    # busy timeout makes concurrent writers wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
    # WAL with synchronous=NORMAL: a commit writes the log without waiting for the disk (the
    # database stays consistent; a power loss may undo the last commits, a crash of the process
    # cannot). PostgreSQL is the production database.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    # A writer takes the write lock when it begins (BEGIN IMMEDIATE), so that it waits its turn
    # (busy timeout) rather than failing when it upgrades a stale read snapshot mid-transaction.
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # a lone read (the revision counter): no transaction around it
    connection.exec_driver_sql(f"BEGIN {options.get(SQLITE_BEGIN, 'DEFERRED')}")


def make_engine(
    url: str, *, echo: bool = False, pool_size: int = POOL_SIZE, lock_timeout: float = LOCK_TIMEOUT
) -> Engine:
    """An engine whose every wait is bounded by ``lock_timeout`` seconds: for a connection of
    the pool, for SQLite's writer lock, for a PostgreSQL row lock."""
    timeout_ms = max(1, int(lock_timeout * 1000))
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False},
            # As many pooled connections as requests use the database at once: beyond the pool,
            # each request would open (and set up) a connection, then close it.
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=lock_timeout,
        )
        event.listen(engine, "connect", partial(_configure_sqlite, busy_timeout_ms=timeout_ms))
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max(1, pool_size // 4),
        pool_timeout=lock_timeout,
        connect_args={"options": f"-c lock_timeout={timeout_ms}", "connect_timeout": 10},
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll back otherwise."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def engine_scope(url: str) -> Iterator[Engine]:
    """An engine for one piece of work (a command of the command line), closed after it."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def database_scope(url: str) -> Iterator[Session]:
    """One unit of work (``session_scope``) on an engine of its own (``engine_scope``)."""
    with engine_scope(url) as engine, session_scope(engine) as session:
        yield session


T = TypeVar("T")


def found(row: T | None, entity: str, key: object) -> T:
    """``row``, read by its ``key``: a 404 naming ``entity`` when there is none."""
    if row is None:
        raise NotFoundError(entity, key)
    return row


def plain_rows(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """The rows of ``stmt`` (it selects columns, never entities) as plain tuples, read in the
    session's transaction without the ORM's work per row — for tables of hundreds of thousands of
    rows; what the session holds unwritten is flushed first, as Session.execute would. Each row
    becomes a tuple as it is read: the driver's rows are never all kept beside the tuples (the
    progress table at scale 100, 137,000 rows: a peak of 126 → 95 MB)."""
    if session.autoflush:
        session.flush()
    return list(map(tuple, session.connection().execute(stmt)))
