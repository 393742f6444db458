"""The revision counter (app.models.revision): read by every request, taken by every write.

The contract. A transaction that writes any table of the models (all but ``revision`` itself and
the tables no reader of the data sees, marked ``info={"revision": False}``: who signs in, their
sessions, app.models.accounts):

1. takes the revision before its first write: the ORM's flushes do (``before_flush``); Core
   statements need ``touch(session)`` (or ``touch(connection)``) first. ``structure=False`` when
   it writes yearly progress reports, milestones and audit entries alone (the structure stamp
   stays), and ``bulk_load=True`` for a load of whole data sets (demo, restore, a dump's rows in
   tests). The indicators stamp moves by itself, at the first write of an indicators' table (any
   statement; a bulk load moves it at once);
2. records, in the same transaction, an audit entry for every progress report, milestone and
   indicator value it writes (``app.audit.audit.record``): the entry's ``entity`` is the
   table's name and it names the row's trackable (``trackable_id``) or, for an indicator value,
   the indicator (``entity_key`` "CODE/…"). The tree re-reads only the trackables these entries
   name (app.trackables.kept); a bulk load is exempt, its structure stamp makes readers reload all.

The guard raises ``RevisionContractError``:

- per statement (``before_execute``, every engine): an INSERT, UPDATE or DELETE on a table of the
  models (ORM flush, Core statement or ``text()``) in a transaction that has not taken the
  revision, or that kept the structure stamp while writing more than progress, milestones and
  audit;
- at commit (``before_commit``, every Session): progress reports, milestones or indicator values
  written without their audit entries (each ORM row's trackable or indicator; for Core
  statements, an entry of the table at least). Audit entries count from the INSERTs' parameters.

What was taken and written is kept per transaction on its connection (reset at BEGIN, COMMIT,
ROLLBACK; a savepoint's rollback undoes its part): a few set operations per write statement, two
type checks per read. Outside the guard: driver SQL (``exec_driver_sql``), lightweight
``sa.table()`` handles (the migrations' data steps), and the audit rule on a Connection outside
any Session (restore, a bulk load).
"""

import re
import weakref
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine, Table, TextClause, event, update
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlmodel import SQLModel

from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.campaigns import PendingReport
from app.models.indicators import Indicator, IndicatorLink, IndicatorTarget, IndicatorValue
from app.models.revision import REVISION_ROW, Revision
from app.models.tracking import Milestone, ProgressReport

# --- Taking the revision, and the guard ----------------------------------------------------------


class RevisionContractError(RuntimeError):
    """A write that breaks the contract above: a bug in the code that wrote, never the caller's."""


_TABLE: Any = Revision.__table__  # type: ignore[attr-defined]
_REVISION_TABLE = str(Revision.__tablename__)
#: What a progress-only transaction writes: anything else also moves the structure stamp. A
#: pending report (a draft saved, submitted, sent back) is none of the tree's either, nor a
#: milestone (nothing kept by the structure stamp reads them: app.trackables.kept).
_PROGRESS_ONLY = (ProgressReport, Milestone, PendingReport, AuditEntry)
_PROGRESS_TABLES = frozenset(str(model.__tablename__) for model in _PROGRESS_ONLY)
#: The rows whose writes need an audit entry, by model; the entry's ``entity`` is the table.
_AUDITED = {
    model: str(model.__tablename__) for model in (ProgressReport, Milestone, IndicatorValue)
}
_AUDITED_TABLES = frozenset(_AUDITED.values())
#: The tables whose writes move the indicators stamp too (app.models.revision).
_INDICATOR_TABLES = frozenset(
    str(model.__tablename__)
    for model in (Indicator, IndicatorTarget, IndicatorValue, IndicatorLink)
)
_VALUE_ENTITY = _AUDITED[IndicatorValue]
_AUDIT_TABLE = str(AuditEntry.__tablename__)
#: ``INSERT INTO t``, ``UPDATE t``, ``DELETE FROM t`` at the start of a ``text()`` statement.
_TEXT_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`]?(\w+)",
    re.IGNORECASE,
)
#: The session's connection of its current transaction (see ``_remember_connection``).
_CONNECTION = "boussole_revision_connection"


@dataclass(slots=True)
class _Transaction:
    """What one transaction took and wrote, kept on its connection."""

    value: int | None = None  # the revision taken, None before
    structure: bool = False  # the structure stamp moved too
    indicators: bool = False  # and the indicators stamp
    bulk_load: bool = False
    #: Audited tables written, by any statement; audit entries inserted, as (entity, subject):
    #: the trackable id, or the indicator code of an indicator value's entry.
    written: set[str] = field(default_factory=set)
    audited: set[tuple[str, Any]] = field(default_factory=set)
    #: Audited ORM rows flushed, as (entity, trackable id or indicator id).
    required: set[tuple[str, Any]] = field(default_factory=set)
    #: What was true at each savepoint still open, innermost last.
    saved: list["_Transaction"] = field(default_factory=list)

    def copy(self) -> "_Transaction":
        return _Transaction(
            self.value,
            self.structure,
            self.indicators,
            self.bulk_load,
            set(self.written),
            set(self.audited),
            set(self.required),
        )


_transactions: "weakref.WeakKeyDictionary[Connection, _Transaction]" = weakref.WeakKeyDictionary()


def _taken(connection: Connection) -> _Transaction:
    state = _transactions.get(connection)
    if state is None:
        state = _transactions[connection] = _Transaction()
    return state


def _take(connection: Connection, *, structure: bool, bulk_load: bool) -> _Transaction:
    structure = structure or bulk_load
    state = _transactions.get(connection)
    if state is None or state.value is None:
        now = utcnow()
        values: dict[str, Any] = {"value": _TABLE.c.value + 1, "changed_at": now}
        if structure:
            values |= {"structure_value": _TABLE.c.structure_value + 1, "structure_changed_at": now}
        if bulk_load:
            values |= _indicators_moved(now)
        # Executed first: the statement may begin the transaction, which starts a new record.
        value = connection.execute(
            update(_TABLE)
            .where(_TABLE.c.id == REVISION_ROW)
            .values(values)
            .returning(_TABLE.c.value)
        ).scalar_one()
        state = _taken(connection)
        state.value, state.structure, state.indicators = value, structure, bulk_load
    else:
        if structure and not state.structure:
            connection.execute(
                update(_TABLE)
                .where(_TABLE.c.id == REVISION_ROW)
                .values(structure_value=_TABLE.c.structure_value + 1, structure_changed_at=utcnow())
            )
            state.structure = True
        if bulk_load and not state.indicators:
            _move_indicators(connection, state)
    state.bulk_load = state.bulk_load or bulk_load
    return state


def _indicators_moved(now: Any) -> dict[str, Any]:
    """The indicators stamp's columns, moved (app.models.revision)."""
    return {"indicators_value": _TABLE.c.indicators_value + 1, "indicators_changed_at": now}


def _move_indicators(connection: Connection, state: _Transaction) -> None:
    """Move the indicators stamp, once per transaction (which holds the revision already)."""
    connection.execute(
        update(_TABLE).where(_TABLE.c.id == REVISION_ROW).values(_indicators_moved(utcnow()))
    )
    state.indicators = True


def touch(target: Session | Connection, *, structure: bool = True, bulk_load: bool = False) -> int:
    """Take the revision once in this transaction (again only to move the structure stamp) and
    return it. The row lock taken here is held until commit, so writers pass it one at a time,
    in commit order (see app.models.revision): take it before reading what the write depends on,
    unless the write checks under the lock that what it read is still there — a versioned row's
    UPDATE does (``app.models.base.versioned``), as the yearly report's write does to hold the
    lock for its writes only (``app.trackables.progress.write``).

    ``structure=False``: this transaction writes yearly progress reports (published or pending),
    milestones and their audit entries only. ``bulk_load=True``: it loads whole data sets (demo,
    restore) whose progress reports, milestones and indicator values need no audit entry each;
    the structure stamp moves."""
    connection = target.connection() if isinstance(target, Session) else target
    value = _take(connection, structure=structure, bulk_load=bulk_load).value
    assert value is not None
    return value


def is_writing(session: Session) -> bool:
    """Whether this session's transaction has taken the revision (and so may write)."""
    connection = session.info.get(_CONNECTION)
    state = _transactions.get(connection) if connection is not None else None
    return state is not None and state.value is not None


def _unrevised(table: Any) -> bool:
    """A table no reader of the data sees: its writes need not take the revision."""
    return table is not None and table.info.get("revision") is False


@event.listens_for(Session, "before_flush")
def _take_for_flush(session: Session, _context: Any, _instances: Any) -> None:
    # At the first flush that writes; the structure stamp too unless only progress (reports,
    # milestones) is written.
    structure = written = False
    required = []
    for row in chain(session.new, session.dirty, session.deleted):
        if _unrevised(getattr(row, "__table__", None)):
            continue
        written = True
        kind = type(row)
        if kind in _AUDITED:
            subject = row.indicator_id if kind is IndicatorValue else row.trackable_id
            required.append((_AUDITED[kind], subject))
        if not isinstance(row, _PROGRESS_ONLY):
            structure = True
    if written:
        _take(session.connection(), structure=structure, bulk_load=False).required.update(required)


@event.listens_for(Engine, "before_execute")
def _check_write(
    connection: Connection, statement: Any, multiparams: Any, params: Any, _options: Any
) -> None:
    if isinstance(statement, UpdateBase):
        table = statement.table
        if not isinstance(table, Table) or table.metadata is not SQLModel.metadata:
            return
        name = table.name
    elif isinstance(statement, TextClause):
        match = _TEXT_WRITE.match(statement.text)
        name = match.group(1).lower() if match else ""
        if name not in SQLModel.metadata.tables:
            return
    else:
        return
    if name == _REVISION_TABLE or _unrevised(SQLModel.metadata.tables[name]):
        return
    state = _transactions.get(connection)
    if state is None or state.value is None:
        raise RevisionContractError(
            f"a write to {name} before the revision was taken in this transaction: call "
            "app.revision.touch() before Core statements (ORM flushes take it)"
        )
    if not state.structure and name not in _PROGRESS_TABLES:
        raise RevisionContractError(
            f"a write to {name} in a transaction that took the revision with structure=False "
            "(progress reports, milestones and audit entries only): touch() with structure=True"
        )
    if name in _INDICATOR_TABLES and not state.indicators:
        _move_indicators(connection, state)
    if name in _AUDITED_TABLES:
        state.written.add(name)
    elif name == _AUDIT_TABLE and isinstance(statement, Insert | TextClause):
        rows = multiparams or [params]
        values = getattr(statement, "_values", None)
        if values:  # insert(...).values(...): what it binds, with the parameters
            bound = {getattr(k, "key", k): getattr(v, "value", v) for k, v in values.items()}
            rows = [{**row, **bound} for row in rows]
        for row in rows:
            entity = row.get("entity")
            if entity in _AUDITED_TABLES:
                subject = (
                    str(row.get("entity_key", "")).split("/", 1)[0]
                    if entity == _VALUE_ENTITY
                    else row.get("trackable_id")
                )
                state.audited.add((entity, subject))


@event.listens_for(Session, "after_begin")
def _remember_connection(session: Session, _transaction: Any, connection: Connection) -> None:
    session.info[_CONNECTION] = connection


@event.listens_for(Session, "after_transaction_end")
def _forget_connection(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTION, None)


@event.listens_for(Session, "before_commit")
def _check_audit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release: the transaction goes on
    session.flush()  # what the commit would flush, checked with the rest
    connection = session.info.get(_CONNECTION)
    state = _transactions.get(connection) if connection is not None else None
    if state is None or state.value is None or state.bulk_load:
        return
    missing = []
    for entity, subject in state.required:
        key, of = subject, "trackable"
        if entity == _VALUE_ENTITY:
            indicator = session.get(Indicator, subject)
            key, of = (indicator.code if indicator is not None else subject), "indicator"
        if (entity, key) not in state.audited:
            missing.append(f"{entity} of {of} {key}")
    # A statement's table with no entry at all (unless its rows are named above already).
    named = {entity for entity, _ in state.audited} | {line.split()[0] for line in missing}
    missing += [f"{name} (by a statement)" for name in sorted(state.written - named)]
    if missing:
        raise RevisionContractError(
            "written without an audit entry naming it (app.audit.audit.record): "
            + ", ".join(sorted(missing))
        )


@event.listens_for(Engine, "begin")
@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_transaction(connection: Connection) -> None:
    _transactions.pop(connection, None)


@event.listens_for(Engine, "savepoint")
def _save(connection: Connection, _name: Any) -> None:
    state = _taken(connection)
    state.saved.append(state.copy())


@event.listens_for(Engine, "rollback_savepoint")
def _restore(connection: Connection, _name: Any, _context: Any) -> None:
    state = _transactions.get(connection)
    if state is not None and state.saved:
        saved = state.saved.pop()
        state.value, state.structure, state.indicators, state.bulk_load = (
            saved.value,
            saved.structure,
            saved.indicators,
            saved.bulk_load,
        )
        state.written, state.audited, state.required = saved.written, saved.audited, saved.required


@event.listens_for(Engine, "release_savepoint")
def _release(connection: Connection, _name: Any, _context: Any) -> None:
    state = _transactions.get(connection)
    if state is not None and state.saved:
        state.saved.pop()
