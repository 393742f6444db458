"""The demo database the workbook's and the report command's tests share: the demo data at a
scale, the campaign of 2024 closed (its snapshot frozen) and 2025's open."""

from collections.abc import Callable, Iterator

from sqlmodel import Session
from typer.testing import CliRunner

from app.cli import app as cli_app
from tests import factories
from tests.databases import PostgresDatabases, SqliteDatabases


def demo_database(
    databases: SqliteDatabases | PostgresDatabases,
    template: str,
    scale: int = 1,
    prepare: Callable[[Session], object] = lambda _session: None,
) -> Iterator[str]:
    """A clone of ``template`` with the demo at ``scale``, then what ``prepare`` writes, then
    the campaigns; dropped after."""
    url = databases.clone(template)
    result = CliRunner().invoke(cli_app, ["demo", "--db", url, "--scale", str(scale)])
    assert result.exit_code == 0, result.output
    with factories.session_on(url) as session:
        prepare(session)
        factories.campaign(session, year=2024, closed=True)
        factories.campaign(session, year=2025)
        session.commit()
    yield url
    databases.drop(url)
