"""What the browser tests share: Debian's Chromium (installed when missing: no test is ever
skipped), a browser launched once per module, and the service running on a database."""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.servers import RunningApi, api_process, wait_until_live

CHROMIUM = Path("/usr/bin/chromium")
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
