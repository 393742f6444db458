"""The CLI turns expected failures into one line on standard error and exit status 1.

A database URL it cannot parse or reach, an unknown migration revision, a path it cannot read or
write: one French line naming the setting or the path (never a URL's password), no traceback.
"""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.core.config import get_settings
from app.core.failures import masked_url

runner = CliRunner()
PASSWORD = "s3cr3t-pw"


def _fails_in_one_line(args: list[str], *expected: str) -> str:
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert PASSWORD not in result.output
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def database_url(monkeypatch: pytest.MonkeyPatch):
    def point_at(url: str) -> None:
        monkeypatch.setenv("BOUSSOLE_DATABASE_URL", url)
        get_settings.cache_clear()

    yield point_at
    get_settings.cache_clear()


def test_an_unparsable_database_url(database_url):
    database_url("notaurl")
    _fails_in_one_line(["db", "upgrade"], "BOUSSOLE_DATABASE_URL=notaurl")


def test_an_unknown_dialect_keeps_its_password_out(database_url):
    database_url(f"nodialect://user:{PASSWORD}@host/db")
    _fails_in_one_line(["dump", "x.json"], "BOUSSOLE_DATABASE_URL=nodialect://user:***@host/db")


def test_a_short_password_does_not_mangle_the_message(database_url):
    database_url("postgresql+psycopg://u:n@127.0.0.1:1/x")
    line = _fails_in_one_line(["db", "upgrade"], "postgresql+psycopg://u:***@127.0.0.1:1/x")
    assert "connection" in line


def test_an_unreachable_postgresql(database_url):
    database_url(f"postgresql+psycopg://user:{PASSWORD}@127.0.0.1:1/x")
    _fails_in_one_line(
        ["db", "upgrade"], "inaccessible", "postgresql+psycopg://user:***@127.0.0.1:1/x"
    )
    _fails_in_one_line(["token", "list"], "BOUSSOLE_DATABASE_URL=")


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_an_unknown_revision(cli_env, command):
    _fails_in_one_line(["db", command, "zzz"], "migration impossible", "'zzz'")


def test_dump_into_a_missing_folder(cli_env, tmp_path):
    _fails_in_one_line(["dump", str(tmp_path / "missing" / "x.json")], str(tmp_path / "missing"))


def test_dump_and_export_under_a_file(cli_env, tmp_path):
    # A path under a regular file cannot be written, even by root.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    _fails_in_one_line(["dump", str(blocker / "x.json")], str(blocker), "Not a directory")
    _fails_in_one_line(["export", str(blocker / "out")], str(blocker / "out"))


def test_restore_of_a_missing_file(cli_env, tmp_path):
    _fails_in_one_line(["restore", str(tmp_path / "nope.json")], str(tmp_path / "nope.json"))


def test_masked_url():
    assert masked_url("postgresql://u:p@h/db") == "postgresql://u:***@h/db"
    assert masked_url("postgresql://u:p@ss@h/db") == "postgresql://u:***@h/db"
    assert masked_url("sqlite:///x.db") == "sqlite:///x.db"
    assert masked_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_the_installed_command_prints_no_traceback():
    """The real process, as `boussole` runs: stderr holds the one line, nothing else."""
    env = os.environ | {"BOUSSOLE_DATABASE_URL": "notaurl"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Erreur : BOUSSOLE_DATABASE_URL=notaurl n'est pas une URL de base de données utilisable : "
        "Could not parse SQLAlchemy URL from given URL string"
    ]
    assert done.stdout == ""
