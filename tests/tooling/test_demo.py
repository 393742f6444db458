"""`boussole demo --scale N`: the real plan N times with twenty years of made-up tracking, the same
rows for the same seed, never over real tracking data, and served by the API with the query counts
of the real plan."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.core.db import make_engine
from app.models import (
    AuditEntry,
    Directorate,
    Engagement,
    FlagshipAction,
    Indicator,
    IndicatorValue,
    Milestone,
    Plan,
    ProgressReport,
    Revision,
    Trackable,
)
from app.tooling import demo
from tests.api.test_query_counts import ROUTES
from tests.conftest import ENV_ACTION, auth, count_queries, make_client
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import snapshot

runner = CliRunner()
SEED_TRACKABLES = 68  # 59 actions and 9 flagship projects
SEED_INDICATORS = 1
#: Columns the seed stamps with the time it runs (the demo's own rows use a simulated clock).
STAMPED_NOW = {
    ("trackable", "created_at"),
    ("audit_entry", "at"),
    ("indicator", "created_at"),
    ("indicator", "updated_at"),
    ("revision", "changed_at"),
    ("revision", "structure_changed_at"),
    ("revision", "indicators_changed_at"),
}


def run_demo(url: str, *args: str) -> Any:
    return runner.invoke(cli_app, ["demo", "--db", url, *args])


@pytest.fixture
def fresh_url(databases: SqliteDatabases | PostgresDatabases, empty_template: str) -> Iterator[str]:
    """A database of this test's own, migrated and empty (another one, next to empty_db_url)."""
    url = databases.clone(empty_template)
    yield url
    databases.drop(url)


@pytest.fixture(scope="module")
def demo3_url(databases: SqliteDatabases | PostgresDatabases, empty_template: str) -> Iterator[str]:
    url = databases.clone(empty_template)
    result = run_demo(url, "--scale", "3")
    assert result.exit_code == 0, result.output
    yield url
    databases.drop(url)


def count(url: str, model: Any, *where: Any) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    finally:
        engine.dispose()


def comparable(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the columns the seed stamps with the current time."""
    rows = snapshot(url)
    result = {}
    for table in SQLModel.metadata.sorted_tables:
        keep = [i for i, c in enumerate(table.columns) if (table.name, c.name) not in STAMPED_NOW]
        result[table.name] = sorted(
            (tuple(row[i] for i in keep) for row in rows[table.name]), key=repr
        )
    return result


@pytest.mark.parametrize("scale", [1, 3])
def test_counts(empty_db_url, scale):
    result = run_demo(empty_db_url, "--scale", str(scale))
    assert result.exit_code == 0, result.output
    trackables = SEED_TRACKABLES * scale
    assert count(empty_db_url, Trackable) == trackables
    assert count(empty_db_url, Engagement) == 3 * scale
    assert count(empty_db_url, ProgressReport) == trackables * 20
    assert count(empty_db_url, ProgressReport, ProgressReport.year == 2044) == 0
    assert count(empty_db_url, Milestone) == trackables * demo.MILESTONES_PER_TRACKABLE
    assert count(empty_db_url, Indicator) == 10 * scale + SEED_INDICATORS
    # 21 years, for the whole territory and three communes.
    assert count(empty_db_url, IndicatorValue) == 10 * scale * 21 * 4
    assert count(empty_db_url, Directorate) == len(demo.DIRECTORATES)
    assert count(empty_db_url, Directorate, col(Directorate.name).startswith("Démo")) == 12
    assert count(empty_db_url, Trackable, col(Trackable.lead_directorate_id).is_(None)) == 0
    assert count(empty_db_url, AuditEntry, AuditEntry.actor_name == demo.DEMO_ACTOR) == (
        trackables + 10 * scale
    )
    # Copies get new codes and a marked title; the real plan keeps its own.
    assert count(empty_db_url, Trackable, col(Trackable.title).startswith("[Démo] ")) == (
        trackables - SEED_TRACKABLES
    )
    assert count(empty_db_url, FlagshipAction) == (scale - 1) * 9 * 2
    engine = make_engine(empty_db_url)
    with Session(engine) as session:
        plan = session.exec(select(Plan)).one()
        codes = set(session.exec(select(Trackable.code)).all())
        revision = session.exec(select(Revision.value)).one()
    engine.dispose()
    assert plan.title == "[Démo] Projet de territoire 2024-2044"
    assert plan.source.startswith("[Démo] Données fictives")
    assert {"E1.1.1", "E3.1.1", "PP9"} <= codes
    if scale == 3:
        assert {"E4.1.1", "E9.1.1", "PP10", "PP27"} <= codes
        assert "E10.1.1" not in codes
    assert revision >= 1  # the ETags of every reader changed


def test_same_seed_same_rows(databases, empty_template, empty_db_url, fresh_url):
    assert run_demo(empty_db_url, "--scale", "2", "--seed", "7").exit_code == 0
    assert run_demo(fresh_url, "--scale", "2", "--seed", "7").exit_code == 0
    first = comparable(empty_db_url)
    assert first == comparable(fresh_url)
    assert len(first["progress_report"]) == 2 * SEED_TRACKABLES * 20

    other = databases.clone(empty_template)
    try:
        assert run_demo(other, "--scale", "2", "--seed", "8").exit_code == 0
        assert comparable(other)["progress_report"] != first["progress_report"]
    finally:
        databases.drop(other)


def test_seeded_database_is_accepted(db_url):
    result = run_demo(db_url, "--scale", "2")
    assert result.exit_code == 0, result.output
    assert count(db_url, Trackable) == 2 * SEED_TRACKABLES


def test_refuses_real_tracking_data(db_url, keys, client):
    written = client.put(
        f"/api/v1/actions/{ENV_ACTION}/progress/2025",
        json={"progress": 30},
        headers=auth(keys.admin),
    )
    assert written.status_code == 201
    before = snapshot(db_url)
    result = run_demo(db_url, "--scale", "2")
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "Demo refused, nothing written" in output
    assert "real tracking data" in output and "1 progress reports" in output
    assert snapshot(db_url) == before


def test_refuses_demo_data_and_unmigrated_databases(empty_db_url, tmp_path):
    assert run_demo(empty_db_url).exit_code == 0
    before = snapshot(empty_db_url)
    again = run_demo(empty_db_url)
    assert again.exit_code == 1
    assert "already holds demo data" in " ".join(again.output.split())
    assert snapshot(empty_db_url) == before

    blank = f"sqlite:///{tmp_path / 'blank.db'}"
    refused = run_demo(blank)
    assert refused.exit_code == 1
    assert "boussole db upgrade" in " ".join(refused.output.split())

    assert run_demo(empty_db_url, "--scale", "0").exit_code == 2  # typer's own usage error


def test_api_serves_the_demo(demo3_url):
    with make_client(demo3_url) as client:
        tree = client.get("/api/v1/tree").json()
        assert len(tree["engagements"]) == 9
        assert tree["plan"]["title"].startswith("[Démo] ")
        fourth = tree["engagements"][3]
        assert fourth["code"] == "E4" and fourth["title"].startswith("[Démo] ")
        assert fourth["rollup"]["progress"] is not None
        assert fourth["flagship_projects"][0]["action_codes"] == ["E4.1.1", "E4.2.1"]

        summary = client.get("/api/v1/dashboard/summary").json()
        assert [e["code"] for e in summary["engagements"]] == [f"E{i}" for i in range(1, 10)]
        assert sum(summary["plan"]["rollup"]["status_counts"].values()) == 59 * 3
        assert sum(summary["plan"]["rollup"]["trajectory_counts"].values()) == 31

        progress = client.get("/api/v1/open-data/progress.csv")
        assert progress.status_code == 200
        assert progress.text.count("\r\n") == 1 + SEED_TRACKABLES * 3 * 20
        assert "[Démo] Bilan 2043 de E9.1.1." in progress.text
        trackables = client.get("/api/v1/open-data/trackables.json").json()["items"]
        assert len(trackables) == SEED_TRACKABLES * 3
        assert all(t["lead_directorate_code"].startswith("DEMO-") for t in trackables)
        package = client.get("/api/v1/open-data/datapackage.json").json()
        assert package["sources"][0]["title"].startswith("[Démo] ")

        directorates = client.get("/api/v1/dashboard/directorates").json()
        assert sum(d["led"] for d in directorates) == SEED_TRACKABLES * 3


@pytest.mark.parametrize("path", ROUTES)
def test_query_counts_unchanged(client, demo3_url, path):
    seeded = count_queries(client, path)
    with make_client(demo3_url) as demo_client:
        assert count_queries(demo_client, path) == seeded
