"""Test fixtures: a real database built by the Alembic migrations, real HTTP through TestClient.

The migrated and seeded database is built once per session as a template; each test gets its own
copy, so tests can write freely and never see each other's changes. The backend is SQLite unless
``BOUSSOLE_TEST_BACKEND=postgresql`` (see tests/databases.py).
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from app.auth import tokens
from app.core import migrations
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.core.db import make_engine, session_scope
from app.main import create_app
from app.models import Directorate, Indicator, Role, Trackable
from app.tooling import seed as seed_service
from tests.databases import BACKEND, PostgresDatabases, SqliteDatabases, ThrowAwayPostgres

SEED_FILE = PROJECT_ROOT / "seed" / "plan.yaml"
COMMUNES_FILE = PROJECT_ROOT / "seed" / "communes.csv"


def seed_database(url: str, plan_file: Path = SEED_FILE) -> seed_service.SeedSummary:
    document = seed_service.parse_plan(plan_file)
    communes = seed_service.parse_communes(COMMUNES_FILE)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return seed_service.apply_seed(session, document, communes)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def databases(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SqliteDatabases | PostgresDatabases]:
    if BACKEND != "postgresql":
        yield SqliteDatabases(tmp_path_factory.mktemp("databases"))
        return
    server = None
    url = os.environ.get("BOUSSOLE_TEST_DATABASE_URL")
    if not url:
        server = ThrowAwayPostgres()
        url = server.url
    databases = PostgresDatabases(url)
    try:
        yield databases
    finally:
        databases.close()
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def empty_template(databases: SqliteDatabases | PostgresDatabases) -> str:
    """URL of a database built by the migrations, never used directly: tests get clones."""
    return databases.template("empty", migrations.upgrade)


@pytest.fixture(scope="session")
def seeded_template(databases: SqliteDatabases | PostgresDatabases, empty_template: str) -> str:
    return databases.template("seeded", seed_database, base=empty_template)


@pytest.fixture
def empty_db_url(
    databases: SqliteDatabases | PostgresDatabases, empty_template: str
) -> Iterator[str]:
    url = databases.clone(empty_template)
    yield url
    databases.drop(url)


@pytest.fixture
def db_url(databases: SqliteDatabases | PostgresDatabases, seeded_template: str) -> Iterator[str]:
    """A migrated and seeded database of this test's own."""
    url = databases.clone(seeded_template)
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def make_client(url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=url)))


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url) as client:
        yield client


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[str]:
    """Point the CLI (which reads the settings from the environment) at this test's database."""
    monkeypatch.setenv("BOUSSOLE_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN is not a query
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


def count_queries(client: TestClient, path: str) -> int:
    """How many SQL statements the app runs to answer ``GET path``."""
    app_engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    counter = QueryCounter()
    event.listen(app_engine, "before_cursor_execute", counter)
    try:
        response = client.get(path)
        assert response.status_code == 200, response.text
    finally:
        event.remove(app_engine, "before_cursor_execute", counter)
    return counter.count


# --- Directorates and tokens ---------------------------------------------------------------------

ENV_ACTION = "E2.3.2"  # Atteindre 50% d'autonomie énergétique…, led by ENV in `keys`
DEV_ACTION = "E1.1.1"  # led by DEV in `keys`
ENV_FLAGSHIP = "PP5"  # Pôle de référence du Vélo, led by ENV in `keys`


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Tokens:
    admin: str
    env: str  # editor for the ENV directorate
    dev: str  # editor for the DEV directorate
    revoked: str


@pytest.fixture
def keys(db_url: str) -> Iterator[Tokens]:
    """Two directorates leading an action each (ENV also PP5 and the energy indicator), and
    tokens for every kind of caller."""
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        env = Directorate(code="ENV", name="Direction de l'environnement")
        dev = Directorate(code="DEV", name="Direction du développement économique")
        session.add_all([env, dev])
        session.flush()
        for code, lead in ((ENV_ACTION, env), (DEV_ACTION, dev), (ENV_FLAGSHIP, env)):
            trackable = session.exec(select(Trackable).where(Trackable.code == code)).one()
            trackable.lead_directorate_id = lead.id
        for indicator in session.exec(select(Indicator)):
            indicator.lead_directorate_id = env.id
        made = {
            name: tokens.create(session=session, name=name, role=role, directorate_codes=dirs)[1]
            for name, role, dirs in (
                ("admin", Role.admin, []),
                ("env-editor", Role.editor, ["ENV"]),
                ("dev-editor", Role.editor, ["DEV"]),
                ("old-admin", Role.admin, []),
            )
        }
        tokens.revoke(session=session, name="old-admin")
    engine.dispose()
    yield Tokens(
        admin=made["admin"],
        env=made["env-editor"],
        dev=made["dev-editor"],
        revoked=made["old-admin"],
    )
