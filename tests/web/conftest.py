"""What the browser tests share: Debian's Chromium (installed when missing: no test is ever
skipped), a browser launched once per module, a page of a French context, axe-core (fetched with
``npm pack`` when missing) and the service running on a database."""

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from app.auth import tokens
from app.core.db import make_engine, session_scope
from app.models import Role
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.servers import RunningApi, api_process, wait_until_live

CHROMIUM = Path("/usr/bin/chromium")
AXE_VERSION = "4.14.1"
AXE_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "boussole-tests"
    / f"axe-core-{AXE_VERSION}"
)
BLOCKING_IMPACTS = ("serious", "critical")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run_or_fail(command: list[str], what: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"{what} failed ({' '.join(command)}, status {result.returncode}):\n"
            f"{(result.stdout + result.stderr)[-3000:]}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing (the tests run as root)."""
    if not CHROMIUM.exists():
        run_or_fail(["apt-get", "update", "-qq"], "apt-get update, to install chromium")
        run_or_fail(["apt-get", "install", "-y", "-qq", "chromium"], "apt-get install chromium")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is still missing after apt-get install chromium", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@contextmanager
def served(url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApi]:
    """uvicorn serving the app on ``url`` (no demo banner, quiet log), live when yielded."""
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    quiet = {"BOUSSOLE_LOG_LEVEL": "WARNING", "BOUSSOLE_DEMO": "false"}
    with api_process(url, log, env=quiet) as api:
        wait_until_live([api.client], [log])
        yield api


@contextmanager
def served_with_admin(
    databases: SqliteDatabases | PostgresDatabases,
    template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningApi, str]]:
    """The service on a database of its own cloned from ``template``, with an admin API token
    (yielded with it); the database dropped at the end."""
    url = databases.clone(template)
    engine = make_engine(url)
    with session_scope(engine) as session:
        _, admin_token = tokens.create(
            session=session, name="browser-admin", role=Role.admin, directorate_codes=[]
        )
    engine.dispose()
    try:
        with served(url, tmp_path_factory) as api:
            yield api, admin_token
    finally:
        databases.drop(url)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js of a pinned axe-core, from the npm registry's package (cached)."""
    script = AXE_CACHE / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to fetch axe-core: apt-get install -y npm", pytrace=False)
    with tempfile.TemporaryDirectory() as folder:
        run_or_fail(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", folder, "--silent"],
            f"npm pack axe-core@{AXE_VERSION}",
        )
        [archive] = Path(folder).glob("axe-core-*.tgz")
        with tarfile.open(archive) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            AXE_CACHE.mkdir(parents=True, exist_ok=True)
            partial = AXE_CACHE / "axe.min.js.partial"
            partial.write_bytes(member.read())
            partial.replace(script)
    return script


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # The pages forbid inline scripts (Content-Security-Policy); axe is injected as one, so the
    # test context bypasses the policy (the policy itself is checked in tests/web/test_web.py).
    context = browser.new_context(
        bypass_csp=True, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    opened = context.new_page()
    yield opened
    context.close()


def axe_violations(page: Page, axe_script: Path) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return list(result["violations"])


def blocking_violations(page: Page, axe_script: Path) -> list[str]:
    """axe-core's violations of impact "serious" or "critical" on the page, one line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in axe_violations(page, axe_script)
        if v["impact"] in BLOCKING_IMPACTS
    ]


def tab_to(page: Page, what: str, presses: int = 60) -> None:
    """Press Tab from where the focus is until the focused element's id or text is ``what``
    (keyboard-only navigation: the test fails if Tab never gets there)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => [document.activeElement.id, document.activeElement.textContent.trim()]"
        )
        if what in focused:
            return
    pytest.fail(f"Tab never reached {what}")
