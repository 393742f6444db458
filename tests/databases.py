"""Test databases on SQLite (default) or PostgreSQL (``BOUSSOLE_TEST_BACKEND=postgresql``).

Each test gets its own database cloned from a template built once by the Alembic migrations: a file
copy on SQLite, ``CREATE DATABASE … TEMPLATE …`` on PostgreSQL. For PostgreSQL, point
``BOUSSOLE_TEST_DATABASE_URL`` at an existing server (a URL whose user may create databases), or
leave it unset to have a throw-away server started from the local PostgreSQL binaries.
"""

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKEND = os.environ.get("BOUSSOLE_TEST_BACKEND", "sqlite")


class SqliteDatabases:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._names = itertools.count()

    def template(self, name: str, build: Callable[[str], object], base: str | None = None) -> str:
        url = self._new_url(name)
        if base is not None:
            shutil.copy(make_url(base).database or "", make_url(url).database or "")
        build(url)
        return url

    def clone(self, template: str) -> str:
        url = self._new_url("test")
        shutil.copy(make_url(template).database or "", make_url(url).database or "")
        return url

    def drop(self, url: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)

    def _new_url(self, name: str) -> str:
        return f"sqlite:///{self.folder / f'{name}-{next(self._names)}.db'}"

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self._names = itertools.count()
        self._prefix = f"boussole_test_{os.getpid()}"

    def _url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def _create(self, database: str, template: str | None = None) -> None:
        with self.admin.connect() as connection:
            clause = f" TEMPLATE {template}" if template else ""
            connection.execute(text(f'CREATE DATABASE "{database}"{clause}'))

    def template(self, name: str, build: Callable[[str], object], base: str | None = None) -> str:
        database = f"{self._prefix}_{name}"
        base_name = make_url(base).database if base else None
        self._create(database, base_name)
        url = self._url(database)
        build(url)
        return url

    def clone(self, template: str) -> str:
        database = f"{self._prefix}_{next(self._names)}"
        self._create(database, make_url(template).database)
        return self._url(database)

    def drop(self, url: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
            )

    def close(self) -> None:
        with self.admin.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": f"{self._prefix}%"},
            ).scalars()
            for name in list(names):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


class ThrowAwayPostgres:
    """A PostgreSQL server of our own: its own data directory, a free port on loopback, stopped
    at the end of the session (even when tests fail)."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise RuntimeError(
                "PostgreSQL binaries not found: install the 'postgresql' Debian package "
                "or set BOUSSOLE_TEST_DATABASE_URL to an existing server"
            )
        self.bin = Path(binaries[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="boussole-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # PostgreSQL refuses to run as root: run it as the 'postgres' system user then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
        )  # fmt: skip
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                engine = create_engine(self.url)
                with engine.connect():
                    pass
                engine.dispose()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=self.folder,
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
