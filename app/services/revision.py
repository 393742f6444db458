"""Reading the revision counter (see app.models.revision; app.models.events bumps it)."""

from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlmodel import col

from app.models.revision import REVISION_ROW, Revision


def read(connection: Connection) -> tuple[int, datetime]:
    row = connection.execute(
        select(col(Revision.value), col(Revision.changed_at)).where(
            col(Revision.id) == REVISION_ROW
        )
    ).one()
    return int(row[0]), row[1]


def current(engine: Engine) -> tuple[int, datetime]:
    """The revision, read on its own: one statement, no transaction around it."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return read(connection)
