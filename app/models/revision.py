"""The database's revision counter: bumped once by every transaction that writes.

HTTP caching derives its ETags from it (so they stay right when several API processes share one
database), and since a writer holds the counter's row until it commits, writes are numbered in
commit order — which is what lets the change feed page without losing entries.

Its second stamp, ``structure_value`` and ``structure_changed_at``, moves with every writing
transaction except those that write yearly progress and milestones only: what they cannot change
(the tree's structure, the indicators) is kept by it across those writes (app.trackables.kept).

Its third, ``indicators_value`` and ``indicators_changed_at``, moves only with the transactions
that write the indicators' tables (indicators, their targets, values and links) and with bulk
loads, which move every stamp: what reads the indicators alone and the tree's skeleton (the
tree's trajectory counts) is kept by it across every other write — a title, a weight, a status.
"""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from app.models.base import UtcDateTime, utcnow

REVISION_ROW = 1


class Revision(SQLModel, table=True):
    id: int = Field(default=REVISION_ROW, primary_key=True)
    value: int = Field(default=0, sa_type=BigInteger)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    structure_value: int = Field(default=0, sa_type=BigInteger)
    structure_changed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    indicators_value: int = Field(default=0, sa_type=BigInteger)
    indicators_changed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
