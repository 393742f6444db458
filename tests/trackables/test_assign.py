"""The directorates of many trackables at once (``app.trackables.writes.assign``, behind
``boussole assign``, the organisation file and /admin/pilotage): the same audit entries as one
``writes.update`` per trackable, the same refusals, a fixed number of queries, and a row changed
meanwhile refused with nothing written."""

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, func, select

from app import revision
from app.core.errors import InvalidInputError
from app.models import AuditEntry, Directorate, Trackable
from app.models.tracking import ActionUpdate, FlagshipProjectUpdate
from app.reference import writes as reference_writes
from app.tooling.organisation import CLI_ACTOR, AssignmentRow, apply_assignments
from app.trackables import writes
from tests import factories as make
from tests.conftest import QueryCounter
from tests.factories import FACTORY_ACTOR, session_on


def _build(session: Session) -> tuple[list[Trackable], list[str]]:
    """Actions (one with a sub-action, served by a flagship project, with a yearly report) and
    flagship projects, and the codes of three directorates, the third archived while it still
    contributes to the first action."""
    env, dev, old = (make.directorate(session) for _ in range(3))
    axis = make.axis(session)
    first = make.action(session, axis=axis, lead=env)
    make.action(session, parent=first)
    make.report(session, trackable=first, progress=40)
    others = [make.action(session, axis=axis) for _ in range(3)]
    flagship = make.flagship_project(session, actions=[first], lead=dev)
    second_flagship = make.flagship_project(session)
    writes.update(
        session=session,
        actor=FACTORY_ACTOR,
        trackable=first,
        data=ActionUpdate(contributing_directorates=[old.code]),
        if_match=None,
    )
    reference_writes.archive_directorate(session=session, actor=FACTORY_ACTOR, code=old.code)
    session.commit()
    return [first, *others, flagship, second_flagship], [env.code, dev.code, old.code]


def _changes(codes: list[str], env: str, dev: str, old: str) -> list[dict[str, Any]]:
    """A change per trackable: new leads, none, contributors added, removed, the archived one
    kept where it is held."""
    changes: list[dict[str, Any]] = [
        {"lead_directorate": dev, "contributing_directorates": [old, env]},
        {"lead_directorate": env},
        {"contributing_directorates": [dev, env]},
        {"lead_directorate": dev, "contributing_directorates": [env]},
        {"lead_directorate": None, "contributing_directorates": [env]},
        {"contributing_directorates": [dev]},
    ]
    return changes[: len(codes)]


def _entries(session: Session, after: int) -> list[tuple[Any, ...]]:
    rows = session.exec(
        select(AuditEntry).where(col(AuditEntry.id) > after).order_by(col(AuditEntry.id))
    ).all()
    return [
        (
            e.actor_name,
            e.actor_role,
            e.actor_directorates,
            e.entity,
            e.entity_key,
            e.trackable_id,
            e.action,
            e.before,
            e.after,
        )
        for e in rows
    ]


def _last_entry(session: Session) -> int:
    return session.scalar(select(func.max(col(AuditEntry.id)))) or 0


def test_the_same_entries_as_one_update_per_trackable(db_url: str) -> None:
    with session_on(db_url) as session:
        built, (env, dev, old) = _build(session)
        codes = [t.code for t in built]
    changes = _changes(codes, env, dev, old)

    # One update per trackable, as before the batch: its entries, then rolled back.
    with session_on(db_url) as session:
        start = _last_entry(session)
        for code, change in zip(codes, changes, strict=True):
            trackable = session.exec(select(Trackable).where(col(Trackable.code) == code)).one()
            model = ActionUpdate if trackable.kind == "action" else FlagshipProjectUpdate
            writes.update(
                session=session,
                actor=CLI_ACTOR,
                trackable=trackable,
                data=model.model_validate(change),
                if_match=None,
            )
        one_by_one = _entries(session, start)
        session.rollback()

    # The same changes through apply_assignments, at once.
    with session_on(db_url) as session:
        rows = [
            AssignmentRow(where=f"ligne {n}", code=code, changes=change)
            for n, (code, change) in enumerate(zip(codes, changes, strict=True), start=2)
        ]
        counts = apply_assignments(session=session, actor=CLI_ACTOR, rows=rows)
        assert counts.updated == len(codes)
        together = _entries(session, start)
        session.commit()
    assert len(together) == len(codes)
    assert together == one_by_one
    # The archived directorate stayed where it was held, and the rows say what was asked.
    assert together[0][8]["contributing_directorates"] == sorted([old, env])
    assert together[0][7]["version"] + 1 == together[0][8]["version"]
    assert together[4][8]["lead_directorate"] is None
    assert together[4][8]["rollup"] == together[4][7]["rollup"]
    with session_on(db_url) as session:
        written = {
            t.code: (t.lead_directorate_id, t.version)
            for t in session.exec(select(Trackable).where(col(Trackable.code).in_(codes)))
        }
        ids = dict(session.exec(select(Directorate.code, Directorate.id)).all())
    assert written[codes[0]][0] == ids[dev] and written[codes[4]][0] is None
    assert {code: version for code, (_, version) in written.items()} == {
        entry[4]: entry[8]["version"] for entry in together
    }


def test_the_same_refusals(db_url: str) -> None:
    with session_on(db_url) as session:
        built, (env, _, old) = _build(session)
        newcomer = built[1]
        with pytest.raises(InvalidInputError) as given:
            writes.assign(
                session=session,
                actor=CLI_ACTOR,
                changes=[(newcomer, {"contributing_directorates": [env, old]})],
            )
        assert given.value.loc == ("body", "contributing_directorates")
        assert old in given.value.message
        with pytest.raises(InvalidInputError, match="direction inconnue"):
            writes.assign(
                session=session, actor=CLI_ACTOR, changes=[(newcomer, {"lead_directorate": "NOPE"})]
            )
        with pytest.raises(ValueError, match="only"):
            writes.assign(session=session, actor=CLI_ACTOR, changes=[(newcomer, {"title": "x"})])
        twice = {"lead_directorate": env}
        with pytest.raises(ValueError, match="twice"):
            writes.assign(
                session=session, actor=CLI_ACTOR, changes=[(newcomer, twice), (newcomer, twice)]
            )


def test_a_row_changed_meanwhile_is_refused(db_url: str) -> None:
    with session_on(db_url) as session:
        built, (env, _, _) = _build(session)
        start = _last_entry(session)
        # Another writer's change, as the database sees it (the row in memory is now stale).
        revision.touch(session)
        session.execute(
            text("UPDATE trackable SET version = version + 1 WHERE id = :id"), {"id": built[2].id}
        )
        with pytest.raises(StaleDataError):
            writes.assign(
                session=session,
                actor=CLI_ACTOR,
                changes=[(t, {"lead_directorate": env}) for t in built[1:4]],
            )
        session.rollback()
        assert _last_entry(session) == start


def _statements(url: str, size: int, lead: str) -> int:
    """How many statements assigning ``lead`` to the first ``size`` actions and two flagship
    projects takes (on an engine of its own: nothing kept from another measure)."""
    with session_on(url) as session:
        return _measure(session, size, lead)


def _measure(session: Session, size: int, lead: str) -> int:
    actions = session.exec(
        select(Trackable).where(col(Trackable.kind) == "action").order_by(col(Trackable.id))
    ).all()[:size]
    flagships = session.exec(
        select(Trackable).where(col(Trackable.kind) == "flagship_project")
    ).all()[:2]
    counter = QueryCounter()
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        changes: list[tuple[Trackable, dict[str, Any]]] = [
            (t, {"lead_directorate": lead, "contributing_directorates": [lead]})
            for t in [*actions, *flagships]
        ]
        writes.assign(session=session, actor=CLI_ACTOR, changes=changes)
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def test_queries_do_not_grow_with_the_rows(db_url: str) -> None:
    with session_on(db_url) as session:
        _, (env, dev, _) = _build(session)
    few = _statements(db_url, 2, env)
    many = _statements(db_url, 40, dev)
    assert few == many, (few, many)
