"""The roll-ups of the whole live strategy tree, computed in memory from a fixed number of
queries, and kept per database revision (``by_revision``; the public tree itself is
``app.plan.tree``): until the next write, every request gets the same
objects without a query but the revision's.

The cache is keyed by the database's revision counter (value and time of the last bump; or one
of its narrower stamps, app.models.revision), read in the request's own transaction, so a cached
answer is never older than the data the request could see, and every API process sharing the
database agrees. Writing transactions never fill it (what they see may still roll back).

Incremental builds. ``remember`` keeps, per database and key, the last thing a reading session
built (at whatever revision), and ``previous`` hands it to the next build as its starting point:
the roll-ups are ``rollups.recompute``-d from the last ones, and the tree refreshed from the last
tree (app.plan.tree), when those were built on the same skeleton (``rollups.Shape.skeleton``).
What is remembered is shared and read-only; a build that cannot prove it starts from the same
skeleton builds whole."""

import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from app import revision
from app.audit import audit
from app.indicators import indicators as indicator_service
from app.trackables import rollups
from app.trackables.progress import PROGRESS_ENTITY, latest_progress

T = TypeVar("T")
_STAMPS = "boussole_revision_stamps"
_Entries = dict[Hashable, tuple[Hashable, Any]]
_cache: "weakref.WeakKeyDictionary[Engine, _Entries]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_gates: dict[tuple[int, Hashable], threading.Lock] = {}


def _stamps(session: Session) -> revision.Stamps | None:
    """The stamps this session reads (one query, once per session); None in a writing one."""
    if revision.is_writing(session):
        return None
    if _STAMPS not in session.info:
        session.info[_STAMPS] = revision.read_stamps(session.connection())
    stamps: revision.Stamps | None = session.info[_STAMPS]
    return stamps


def _kept(session: Session, key: Hashable, stamp: Hashable | None, build: Callable[[], T]) -> T:
    engine = session.get_bind()
    if stamp is None or not isinstance(engine, Engine):
        return build()
    with _lock:
        entries = _cache.setdefault(engine, {})
        gate = _gates.setdefault((id(engine), key), threading.Lock())
    # One build at a time per key: requests arriving during a build wait for it rather than all
    # building the same thing (as many copies in memory, the CPU shared between them).
    with gate:
        with _lock:
            hit = entries.get(key)
        if hit is not None and hit[0] == stamp:
            value: T = hit[1]
            return value
        value = build()
        with _lock:
            entries[key] = (stamp, value)
    return value


def by_revision(session: Session, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, or what it gave for ``key`` at the revision this session reads. The result is
    shared between requests: treat it as read-only."""
    stamps = _stamps(session)
    return _kept(session, key, stamps.revision if stamps else None, build)


def by_structure(session: Session, key: Hashable, build: Callable[[], T]) -> T:
    """Like ``by_revision``, for what only the structure stamp moves (what yearly progress cannot
    change): kept across progress writes."""
    stamps = _stamps(session)
    return _kept(session, ("structure", key), stamps.structure if stamps else None, build)


def computed(session: Session, year: int | None = None) -> tuple[rollups.TreeRows, rollups.Rollups]:
    """The live tree's rows and every roll-up: after a progress write, the audit trail's new
    entries and the latest progress of the trackables they name (four queries); after any other
    write, the structure too, and the indicators after theirs; none at the same revision. Only
    the roll-ups a change enters are computed again while the skeleton stays
    (``rollups.recompute``)."""
    year = year or indicator_service.this_year()

    def build() -> tuple[rollups.TreeRows, rollups.Rollups]:
        structure = by_structure(session, "rows", lambda: rollups.load_structure(session))
        shape = shape_of(session, structure)
        trajectories = _trajectory_counts(session, structure, shape, year)
        rows = rollups.TreeRows.of(structure, _latest_progress(session, shape.skeleton))
        last = previous(session, ("rollups", year))
        if isinstance(last, rollups.Computed) and (
            last.shape is shape or last.shape.skeleton == shape.skeleton
        ):
            result = rollups.recompute(rows, shape, trajectories, last)
        else:
            result = rollups.compute(rows, trajectories, shape)
        remember(session, ("rollups", year), rollups.Computed(shape, trajectories, rows, result))
        return rows, result

    return by_revision(session, ("rollups", year), build)


def shape_of(session: Session, structure: rollups.TreeStructure) -> rollups.Shape:
    """``rollups.Shape.of(structure)``, kept with the structure (``structure`` is the one
    ``computed`` gives at this session's revision)."""
    return by_structure(session, "shape", lambda: rollups.Shape.of(structure))


def _trajectory_counts(
    session: Session, structure: rollups.TreeStructure, shape: rollups.Shape, year: int
) -> rollups.TrajectoryCounts:
    """``rollups.trajectory_counts``, kept while neither the indicators stamp nor the skeleton
    moves: they read the indicators and which nodes contain which, never a title, a weight or a
    status, so the writes of those keep them (a third of the tree's rebuild after a title)."""
    stamps = _stamps(session)
    return _kept(
        session,
        ("indicators", "trajectories", year),
        (stamps.indicators, shape.skeleton) if stamps else None,
        lambda: rollups.trajectory_counts(session, structure, year),
    )


_previous: "weakref.WeakKeyDictionary[Engine, dict[Hashable, Any]]" = weakref.WeakKeyDictionary()


def previous(session: Session, key: Hashable) -> Any:
    """What was last ``remember``-ed for ``key`` by a reading session of this database, at any
    revision (None if nothing): the base an incremental build starts from. Read-only, and never
    trusted blindly: the caller checks it was built on the structure it has (the very objects
    ``by_structure`` keeps, or the same ``rollups.Shape.skeleton``), whatever the revision."""
    engine = session.get_bind()
    with _lock:
        return _previous.get(engine, {}).get(key) if isinstance(engine, Engine) else None


def remember(session: Session, key: Hashable, value: Any) -> None:
    """Keep ``value`` as ``previous(key)``, unless this session writes (what it sees may still
    roll back)."""
    engine = session.get_bind()
    if _stamps(session) is not None and isinstance(engine, Engine):
        with _lock:
            _previous.setdefault(engine, {})[key] = value


@dataclass(frozen=True)
class _KeptProgress:
    """Every trackable's latest progress as read at ``cursor`` (the audit trail's last id then;
    ``cursor_at`` its time, which tells this database from another one with the same ids), with
    the indicators stamp and the skeleton of the tree then."""

    indicators: revision.Stamp
    skeleton: tuple[Any, ...]
    cursor: int
    cursor_at: datetime | None
    progress: dict[int, tuple[int, float]]


_kept_progress: "weakref.WeakKeyDictionary[Engine, _KeptProgress]" = weakref.WeakKeyDictionary()


def _latest_progress(session: Session, skeleton: tuple[Any, ...]) -> dict[int, tuple[int, float]]:
    """``progress.latest_progress`` of every trackable, read again only for the trackables whose
    reports the audit trail shows written since the last time (every report write is audited
    with its trackable, and audit ids grow in commit order: see app.models.revision), whatever
    else was written (a title, a status). All of it in a writing transaction, after a bulk load
    (which writes reports without audit entries: it moves the indicators stamp, as every stamp,
    and so do the indicators' own writes, rarer than reports) and when the tree's ``skeleton``
    changed (an archived or new trackable: an id the kept figures know must not be taken for
    another one)."""
    stamps = _stamps(session)
    engine = session.get_bind()
    if stamps is None or not isinstance(engine, Engine):
        return latest_progress(session)
    cursor, cursor_at = audit.last_entry(session=session)
    kept = _kept_progress.get(engine)
    if (
        kept is not None
        and kept.indicators == stamps.indicators
        and kept.skeleton == skeleton
        and kept.cursor <= cursor
        and audit.get_time(session=session, entry_id=kept.cursor) == kept.cursor_at
    ):
        changed = audit.get_trackables_written(
            session=session, entity=PROGRESS_ENTITY, after=kept.cursor, up_to=cursor
        )
        progress = kept.progress
        if changed:
            fresh = latest_progress(session, changed)
            progress = {t: p for t, p in progress.items() if t not in changed} | fresh
    else:
        progress = latest_progress(session)
    _kept_progress[engine] = _KeptProgress(stamps.indicators, skeleton, cursor, cursor_at, progress)
    return progress
