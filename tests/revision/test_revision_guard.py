"""The write contract of app.revision: a write that skips the revision or an audit
entry raises ``RevisionContractError`` (the tests assert the raise: without the guard, they fail),
and the services, the import and the bulk loads keep it. On real databases, SQLite or PostgreSQL."""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event, insert, inspect, text, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, func, select

from app import revision
from app.models import (
    AuditAction,
    AuditEntry,
    Directorate,
    Indicator,
    IndicatorValue,
    Milestone,
    ProgressReport,
    Revision,
    Status,
    Trackable,
)
from app.revision import RevisionContractError
from app.trackables import progress
from tests.conftest import DEV_ACTION, ENV_ACTION, auth

ENERGY = "IND-AUTONOMIE-ENERGETIQUE"
IMPORT = "/api/v1/progress/import"
TABLE: dict[type, Any] = {
    model: inspect(model).local_table
    for model in (ProgressReport, Milestone, IndicatorValue, Trackable, Directorate)
}


def stamps(engine: Engine) -> tuple[int, int]:
    """The revision and the structure stamp, as committed."""
    with Session(engine) as session:
        row = session.exec(select(Revision.value, Revision.structure_value)).one()
    return row[0], row[1]


def indicators_stamp(engine: Engine) -> int:
    """The indicators stamp, as committed."""
    with Session(engine) as session:
        return session.exec(select(Revision.indicators_value)).one()


def count(engine: Engine, model: type, *where: Any) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def trackable_id(session: Session, code: str) -> int:
    found = session.exec(select(Trackable.id).where(col(Trackable.code) == code)).one()
    assert found is not None
    return found


def indicator_id(session: Session, code: str = ENERGY) -> int:
    found = session.exec(select(Indicator.id).where(col(Indicator.code) == code)).one()
    assert found is not None
    return found


def entry(entity: str, key: str, trackable: int | None = None) -> AuditEntry:
    """What ``audit.record`` adds."""
    return AuditEntry(
        actor_name="test",
        actor_role="admin",
        entity=entity,
        entity_key=key,
        trackable_id=trackable,
        action=AuditAction.update,
    )


# --- Progress reports, milestones, indicator values: each with its audit entry, or refused -----


def new_report(session: Session) -> tuple[Any, AuditEntry]:
    tid = trackable_id(session, ENV_ACTION)
    row = ProgressReport(
        trackable_id=tid, year=2030, progress=40, status=Status.in_progress, reported_by="test"
    )
    return row, entry("progress_report", f"{ENV_ACTION}/2030", tid)


def new_milestone(session: Session) -> tuple[Any, AuditEntry]:
    tid = trackable_id(session, ENV_ACTION)
    row = Milestone(trackable_id=tid, title="Étude", planned_on=date(2030, 6, 30))
    return row, entry("milestone", f"{ENV_ACTION}/milestone", tid)


def new_value(session: Session) -> tuple[Any, AuditEntry]:
    row = IndicatorValue(indicator_id=indicator_id(session), year=2030, value=12, recorded_by="t")
    return row, entry("indicator_value", f"{ENERGY}/2030")


KINDS: dict[str, Callable[[Session], tuple[Any, AuditEntry]]] = {
    "progress report": new_report,
    "milestone": new_milestone,
    "indicator value": new_value,
}


def written(engine: Engine, make: Callable[[Session], tuple[Any, AuditEntry]]) -> tuple[type, int]:
    """A row written by the contract (with its audit entry): its model and id."""
    with Session(engine) as session:
        row, audit_entry = make(session)
        session.add_all([row, audit_entry])
        session.commit()
        return type(row), row.id


def change(row: Any) -> None:
    if isinstance(row, ProgressReport):
        row.progress = 75
    elif isinstance(row, Milestone):
        row.done = True
    else:
        row.value = 13


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("write", ["create", "update", "delete"])
def test_an_orm_write_without_its_audit_entry_is_refused_at_commit(
    engine: Engine, kind: str, write: str
) -> None:
    model, row_id = written(engine, KINDS[kind]) if write != "create" else (None, None)
    before = stamps(engine)
    with Session(engine) as session:
        if write == "create":
            session.add(KINDS[kind](session)[0])
        else:
            assert model is not None
            row = session.get(model, row_id)
            if write == "update":
                change(row)
            else:
                session.delete(row)
        session.flush()  # the flush itself passes: the entry may come later in the transaction
        with pytest.raises(RevisionContractError, match="without an audit entry naming it"):
            session.commit()
        session.rollback()
    assert stamps(engine) == before  # nothing was committed


@pytest.mark.parametrize("kind", KINDS)
def test_an_audit_entry_naming_another_trackable_or_indicator_does_not_count(
    engine: Engine, kind: str
) -> None:
    with Session(engine) as session:
        row, audit_entry = KINDS[kind](session)
        if audit_entry.trackable_id is not None:
            audit_entry.trackable_id = trackable_id(session, DEV_ACTION)
        else:
            audit_entry.entity_key = "IND-OTHER/2030"
        session.add_all([row, audit_entry])
        with pytest.raises(RevisionContractError, match=kind.replace(" ", "_")):
            session.commit()


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_writes_with_their_audit_entries_commit(engine: Engine, kind: str) -> None:
    revision_before, structure_before = stamps(engine)
    indicators_before = indicators_stamp(engine)
    model, row_id = written(engine, KINDS[kind])
    assert count(engine, model, col(model.id) == row_id) == 1  # type: ignore[attr-defined]
    revision_after, structure_after = stamps(engine)
    assert revision_after == revision_before + 1
    # Only progress and milestones keep the structure stamp (the audit trail tells the tree
    # what moved; nothing the structure stamp keeps reads milestones).
    assert structure_after == structure_before + (kind not in ("progress report", "milestone"))
    assert indicators_stamp(engine) == indicators_before + (kind == "indicator value")


# --- Core statements: only once the revision is taken ------------------------------------------


def core_writes(session: Session) -> dict[str, Any]:
    tid = trackable_id(session, ENV_ACTION)
    return {
        "insert report": insert(TABLE[ProgressReport]).values(
            trackable_id=tid, year=2031, progress=5, status="planned", reported_by="t"
        ),
        "orm update": update(Trackable).where(col(Trackable.id) == tid).values(title="Renamed"),
        "delete milestones": delete(TABLE[Milestone]),
        "text delete": text("DELETE FROM progress_report WHERE year = 2031"),
        "insert directorate": insert(TABLE[Directorate]).values(code="X", name="X"),
    }


STATEMENTS = ["insert report", "orm update", "delete milestones", "text delete"]


def refused() -> Any:
    return pytest.raises(RevisionContractError, match="before the revision was taken")


@pytest.mark.parametrize("statement", [*STATEMENTS, "insert directorate"])
def test_a_core_write_before_the_revision_is_taken_is_refused(
    engine: Engine, statement: str
) -> None:
    before = stamps(engine)
    with Session(engine) as session, refused():
        session.execute(core_writes(session)[statement])
    with Session(engine) as session:
        writes = core_writes(session)
    # The same on a bare connection.
    with engine.connect() as connection, connection.begin(), refused():
        connection.execute(writes[statement])
    assert stamps(engine) == before


def test_a_progress_only_revision_covers_progress_only(engine: Engine) -> None:
    with Session(engine) as session:
        revision.touch(session, structure=False)
        session.execute(core_writes(session)["insert report"])  # progress: allowed
        with pytest.raises(RevisionContractError, match="structure=False"):
            session.execute(core_writes(session)["insert directorate"])


@pytest.mark.parametrize("statement", STATEMENTS)
def test_a_core_write_after_touch_passes_and_bumps_the_revision_once(
    engine: Engine, statement: str
) -> None:
    revision_before, structure_before = stamps(engine)
    with Session(engine) as session:
        taken = revision.touch(session)
        assert revision.touch(session) == taken  # once per transaction
        assert revision.is_writing(session)
        session.execute(core_writes(session)[statement])
        if statement in ("insert report", "text delete", "delete milestones"):
            # A statement on an audited table: one entry of the table at least.
            table = "milestone" if statement == "delete milestones" else "progress_report"
            with pytest.raises(RevisionContractError, match=f"{table} \\(by a statement\\)"):
                session.commit()
            session.add(entry(table, "bulk", trackable_id(session, ENV_ACTION)))
        session.commit()
    assert stamps(engine) == (revision_before + 1, structure_before + 1)


def test_a_bare_connection_writes_after_touch(engine: Engine) -> None:
    before = stamps(engine)
    with Session(engine) as session:
        writes = core_writes(session)
    with engine.begin() as connection:
        revision.touch(connection)
        connection.execute(writes["insert directorate"])
    assert count(engine, Directorate, col(Directorate.code) == "X") == 1
    assert stamps(engine) == (before[0] + 1, before[1] + 1)


def test_a_bulk_load_needs_no_audit_entry_per_row(engine: Engine) -> None:
    before, indicators_before = stamps(engine), indicators_stamp(engine)
    with Session(engine) as session:
        tid = trackable_id(session, ENV_ACTION)
        revision.touch(session, bulk_load=True)
        session.execute(
            insert(TABLE[Milestone]), [{"trackable_id": tid, "title": f"M{n}"} for n in range(3)]
        )
        session.add(new_value(session)[0])
        session.commit()
    assert stamps(engine) == (before[0] + 1, before[1] + 1)  # readers reload everything
    assert indicators_stamp(engine) == indicators_before + 1


def test_a_savepoint_rolled_back_gives_back_what_was_taken_in_it(engine: Engine) -> None:
    with Session(engine) as session:
        writes = core_writes(session)
        savepoint = session.begin_nested()
        revision.touch(session)
        savepoint.rollback()  # the bump is undone: the revision is not taken any more
        assert not revision.is_writing(session)
        with refused():
            session.execute(writes["insert directorate"])


def test_the_indicators_stamp_moves_with_the_indicators_tables_only(engine: Engine) -> None:
    start = indicators_stamp(engine)
    with Session(engine) as session:
        writes = core_writes(session)
        revision.touch(session)
        session.execute(writes["orm update"])  # a title: not the indicators'
        session.commit()
    assert indicators_stamp(engine) == start
    with Session(engine) as session:
        energy = indicator_id(session)
        revision.touch(session)
        # Two statements on the indicators' tables, Core and text(): moved once.
        session.execute(update(Indicator).where(col(Indicator.id) == energy).values(unit="GWh"))
        session.execute(text("DELETE FROM indicator_link WHERE indicator_id = -1"))
        session.commit()
    assert indicators_stamp(engine) == start + 1
    # Moved in a savepoint rolled back: given back, and moved again by the next write.
    with Session(engine) as session:
        revision.touch(session)
        savepoint = session.begin_nested()
        session.execute(update(Indicator).values(unit="kWh"))
        savepoint.rollback()
        session.execute(text("DELETE FROM indicator_target WHERE indicator_id = -1"))
        session.commit()
    assert indicators_stamp(engine) == start + 2


# --- The services keep it ----------------------------------------------------------------------


def test_the_services_keep_the_contract(client: TestClient, keys: Any, engine: Engine) -> None:
    report = f"/api/v1/actions/{ENV_ACTION}/progress/2025"
    # (method, path, body, token, whether the structure stamp moves)
    calls: list[tuple[str, str, Any, str, bool]] = [
        ("PUT", report, {"progress": 20}, keys.admin, False),
        ("PUT", report, {"progress": 30}, keys.admin, False),
        ("POST", f"/api/v1/actions/{ENV_ACTION}/milestones", {"title": "Étude"}, keys.env, False),
        ("PUT", f"/api/v1/indicators/{ENERGY}/values/2025", {"value": 14.5}, keys.env, True),
        # A campaign, then a report pending validation (a draft, submitted): none of the tree.
        ("POST", "/api/v1/campaigns", {"year": 2025, "deadline": "2026-03-31"}, keys.admin, True),
        ("PUT", report, {"progress": 35}, keys.env, False),
        ("PUT", f"{report}/pending", {"progress": 36, "status": "planned"}, keys.env, False),
        ("POST", f"{report}/pending/submit", None, keys.env, False),
        ("POST", f"{report}/pending/validate", None, keys.admin, False),
    ]
    for method, path, body, token, structure in calls:
        before, indicators_before = stamps(engine), indicators_stamp(engine)
        response = client.request(method, path, json=body, headers=auth(token))
        assert response.status_code in (200, 201, 202), response.text
        assert stamps(engine) == (before[0] + 1, before[1] + structure), (method, path)
        moved = "/indicators/" in path
        assert indicators_stamp(engine) == indicators_before + moved, (method, path)
    assert tree_progress(client, ENV_ACTION) == 36
    milestone = client.get(f"/api/v1/actions/{ENV_ACTION}/milestones").json()["items"][0]["id"]
    for method, body in (("PATCH", {"done": True}), ("DELETE", None)):
        response = client.request(
            method, f"/api/v1/milestones/{milestone}", json=body, headers=auth(keys.env)
        )
        assert response.status_code in (200, 204), response.text
    csv = f"trackable_code,year,progress\n{ENV_ACTION},2026,50\n{ENV_ACTION},2025,35\n".encode()
    response = client.post(
        IMPORT, files={"file": ("p.csv", csv, "text/csv")}, headers=auth(keys.admin)
    )
    assert response.status_code == 200, response.text
    assert ProgressReport.__tablename__ == progress.PROGRESS_ENTITY  # the entity is the table


# --- Why: a progress write without its audit entry leaves the tree stale ----------------------


def tree_progress(client: TestClient, code: str) -> Any:
    def find(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            if node.get("code") == code:
                yield node.get("progress")
            for value in node.values():
                yield from find(value)
        elif isinstance(node, list):
            for value in node:
                yield from find(value)

    return next(find(client.get("/api/v1/tree").json()))


@pytest.fixture
def unguarded() -> Iterator[None]:
    """The commit-level guard removed for the duration of a test, put back after."""
    event.remove(OrmSession, "before_commit", revision.counter._check_audit)
    try:
        yield
    finally:
        event.listen(OrmSession, "before_commit", revision.counter._check_audit)


def unaudited_progress(engine: Engine, value: float) -> None:
    with Session(engine) as session:
        tid = trackable_id(session, ENV_ACTION)
        report = session.exec(
            select(ProgressReport).where(
                col(ProgressReport.trackable_id) == tid, col(ProgressReport.year) == 2025
            )
        ).one()
        report.progress = value
        session.commit()


def test_without_the_guard_a_progress_write_without_audit_leaves_the_tree_stale(
    client: TestClient, keys: Any, engine: Engine, request: pytest.FixtureRequest
) -> None:
    path = f"/api/v1/actions/{ENV_ACTION}/progress/2025"
    assert client.put(path, json={"progress": 20}, headers=auth(keys.admin)).status_code == 201
    assert tree_progress(client, ENV_ACTION) == 20
    with pytest.raises(RevisionContractError):
        unaudited_progress(engine, 80)
    request.getfixturevalue("unguarded")
    unaudited_progress(engine, 80)  # committed: the revision moved, the audit trail did not
    assert client.get(path).json()["progress"] == 80
    assert tree_progress(client, ENV_ACTION) == 20  # stale: what the guard prevents


@pytest.mark.parametrize("how", ["orm", "executemany", "values"])
def test_a_report_deleted_with_its_audit_entry_leaves_the_tree_right(
    client: TestClient, keys: Any, engine: Engine, how: str
) -> None:
    path = f"/api/v1/actions/{ENV_ACTION}/progress/2025"
    assert client.put(path, json={"progress": 20}, headers=auth(keys.admin)).status_code == 201
    assert tree_progress(client, ENV_ACTION) == 20
    with Session(engine) as session:
        tid = trackable_id(session, ENV_ACTION)
        revision.touch(session, structure=False)
        session.execute(delete(ProgressReport).where(col(ProgressReport.trackable_id) == tid))
        with pytest.raises(RevisionContractError, match=r"progress_report \(by a statement\)"):
            session.commit()
        row: dict[str, Any] = {
            "actor_name": "test",
            "actor_role": "admin",
            "actor_directorates": [],
            "entity": "progress_report",
            "entity_key": f"{ENV_ACTION}/2025",
            "trackable_id": tid,
            "action": "delete",
        }
        table: Any = inspect(AuditEntry).local_table
        if how == "orm":
            session.add(AuditEntry(**row))
        elif how == "executemany":
            session.execute(insert(table), [row])
        else:
            session.execute(insert(table).values(**row))
        session.commit()
    assert client.get(path).status_code == 404
    assert tree_progress(client, ENV_ACTION) is None  # re-read: the audit trail named it
