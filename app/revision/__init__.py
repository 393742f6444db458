"""The revision counter and everything kept per revision.

- ``counter``: the write side and its contract (read its docstring): ``touch``, ``is_writing``,
  and the guard that makes a write skipping the contract fail loudly (``RevisionContractError``).
  Importing this package registers the guard's listeners; every domain package
  (``app.plan``, ``app.trackables``…) imports it, so every
  writer of the application runs under it.
- ``reader``: the read side, on every request (``read``, ``read_stamps``, the readers of the HTTP
  cache).
- ``http_cache``: ETags and Last-Modified from the revision, 304s, Cache-Control per route, and
  the anonymous answers kept and replayed until the next write.
"""

from app.revision.counter import RevisionContractError, is_writing, touch
from app.revision.reader import (
    AsyncRevisionReader,
    RevisionReader,
    Stamp,
    Stamps,
    read,
    read_stamps,
)

__all__ = [
    "AsyncRevisionReader",
    "RevisionContractError",
    "RevisionReader",
    "Stamp",
    "Stamps",
    "is_writing",
    "read",
    "read_stamps",
    "touch",
]
