"""The API documentation works offline: /docs (Swagger UI) and /redoc (ReDoc) load everything
from the service (app/api/docs.py), under a Content-Security-Policy that names no other origin.

The browser test drives Debian's Chromium with Playwright, as tests/web/test_browser.py does,
against the service started by uvicorn; every request to another host is aborted and recorded,
and the page keeps its Content-Security-Policy (no bypass), so a violation shows as an error.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.databases import PostgresDatabases, SqliteDatabases
from tests.web.conftest import served

#: An origin written out in a page or a policy: a scheme and a host.
EXTERNAL_ORIGIN = re.compile(r"\b(?:https?:)?//[a-z0-9.-]+", re.IGNORECASE)


# --- Plain HTTP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_name_no_external_origin(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert EXTERNAL_ORIGIN.findall(response.text) == []
    assert "<script>" not in response.text  # every script is a file of the service
    policy = response.headers["Content-Security-Policy"]
    assert "https:" not in policy and "http:" not in policy
    assert EXTERNAL_ORIGIN.findall(policy) == []
    directives = dict(
        (name, values) for name, _, values in (d.strip().partition(" ") for d in policy.split(";"))
    )
    assert directives["script-src"] == "'self'"


def test_docs_assets_are_served_by_the_service(client: TestClient) -> None:
    page = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="(/static/docs/[^"]+)"', page)
    assets += re.findall(r'(?:src|href)="(/static/docs/[^"]+)"', client.get("/redoc").text)
    assets += ["/static/docs/oauth2-redirect.js"]
    assert {Path(asset).name for asset in assets} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-init.js",
        "redoc.standalone.js",
        "favicon.png",
        "oauth2-redirect.js",
    }
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 0, asset
    assert "swaggerUIRedirectOauth2" in client.get("/static/docs/oauth2-redirect.js").text
    # The dashboard's own files are still served under /static.
    assert client.get("/static/style.css").status_code == 200


# --- In a browser, with no network but the service ------------------------------------------------


@pytest.fixture(scope="module")
def server(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    url = databases.clone(seeded_template)
    try:
        with served(url, tmp_path_factory) as api:
            yield api.url
    finally:
        databases.drop(url)


#: ReDoc's "API docs by Redocly" footer shows a logo from its CDN, with no option to leave it out:
#: the pages' policy (img-src 'self' data:) refuses it before any request is sent, and ReDoc then
#: hides it. That refusal is the one error the ReDoc page may log.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


class Offline:
    """A page that reaches the service only: what it asked of other hosts, what of it reached the
    network (aborted there), and the errors it logged."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.host = urlsplit(base).netloc
        self.context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        self.asked: list[str] = []
        self.left: list[str] = []
        self.errors: list[str] = []
        # Every request that reaches the network goes through here: a policy's refusal does not.
        self.context.route("**/*", self._only_the_service)
        self.page: Page = self.context.new_page()
        self.page.on("request", self._record)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _elsewhere(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host

    def _only_the_service(self, route: Route) -> None:
        if self._elsewhere(route.request.url):
            self.left.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def _record(self, request: Request) -> None:
        if self._elsewhere(request.url):
            self.asked.append(request.url)


@pytest.fixture
def offline(browser: Browser, server: str) -> Iterator[Offline]:
    watched = Offline(browser, server)
    yield watched
    watched.context.close()


def test_swagger_ui_renders_offline(offline: Offline, server: str) -> None:
    response = offline.page.goto(f"{server}/docs", wait_until="load")
    assert response is not None and response.status == 200
    operation = offline.page.locator('.opblock-get [data-path="/api/v1/plan"]').first
    expect(operation).to_be_visible(timeout=20_000)
    operation.click()  # expanding an operation draws its parameters and answers
    expect(offline.page.locator(".opblock-get.is-open").first).to_be_visible()
    assert offline.left == []
    assert offline.asked == []
    assert offline.errors == []


def test_redoc_renders_offline(offline: Offline, server: str) -> None:
    response = offline.page.goto(f"{server}/redoc", wait_until="load")
    assert response is not None and response.status == 200
    expect(offline.page.locator(".api-info h1")).to_contain_text("Boussole", timeout=20_000)
    operations = offline.page.locator('[data-section-id^="operation/"]')
    expect(operations.first).to_be_attached()
    assert operations.count() > 10
    assert offline.left == []
    assert set(offline.asked) <= {REDOC_LOGO}
    assert [error for error in offline.errors if REDOC_LOGO not in error] == []
