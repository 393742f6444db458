"""The public dashboard in a real browser: Debian's Chromium, driven by Playwright, against the
service started by uvicorn on a seeded database (SQLite or PostgreSQL, as the rest of the suite).

Checks every page type for console errors, failed requests and, with axe-core, accessibility
violations of impact "serious" or "critical"; clicks through the tree; uses the search form;
measures the charts as drawn; writes screenshots to test-artifacts/.

What it needs, installed by the fixtures of tests/web/conftest.py when missing (no test is ever
skipped):
- /usr/bin/chromium, the Debian package (``apt-get install -y chromium``; run as root, as in CI);
- Playwright for Python (the ``test`` extra); its own browser downloads are never used;
- axe-core, taken from the npm registry with ``npm pack`` (no CDN) into ~/.cache/boussole-tests.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

from app.core.config import PROJECT_ROOT
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.web.conftest import blocking_violations, served_with_admin
from tests.web.test_web import ENERGY, PAGES, SAMPLE_ACTION, write_sample

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
#: Every page type, and the 404 page.
PAGE_TYPES = {**{name: path for name, (path, _) in PAGES.items()}, "introuvable": "/actions/E9"}


# --- The service, running -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The service (uvicorn) on a seeded database of its own, with sample data written through
    the API; stopped at the end."""
    with served_with_admin(databases, seeded_template, tmp_path_factory) as (api, admin_token):
        write_sample(api.client, admin_token)
        yield api.url


@dataclass
class Watch:
    """Everything that went wrong while a page loaded."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.console_errors.append(message.text)

        def on_failed(request: Request) -> None:
            self.failed_requests.append(f"{request.url}: {request.failure}")

        def on_response(response: Response) -> None:
            if response.status >= 400 and response.request.resource_type != "document":
                self.error_responses.append(f"{response.status} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("requestfailed", on_failed)
        page.on("response", on_response)


def visit(page: Page, base: str, path: str, status: int = 200) -> Watch:
    watch = Watch()
    watch.attach(page)
    response = page.goto(base + path, wait_until="load")
    assert response is not None and response.status == status, path
    return watch


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# --- Tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_every_page_type_loads_cleanly_and_passes_axe(
    page: Page, server: str, axe_script: Path, name: str
) -> None:
    path = PAGE_TYPES[name]
    status = 404 if name == "introuvable" else 200
    watch = visit(page, server, path, status)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").count() == 1
    for landmark in ("banner", "navigation", "main", "contentinfo"):
        assert page.get_by_role(landmark).count() >= 1, landmark
    # The stylesheet was applied (the header's colour comes from it).
    background = page.locator(".site-header").evaluate(
        "element => getComputedStyle(element).backgroundColor"
    )
    assert background == "rgb(18, 58, 107)"
    screenshot(page, name)
    # Chromium reports the 404 of the page itself, as it should; nothing else.
    expected = [
        f"Failed to load resource: the server responded with a status of {status} (Not Found)"
    ]
    assert watch.console_errors == (expected if status == 404 else [])
    assert watch.failed_requests == []
    assert watch.error_responses == []
    blocking = blocking_violations(page, axe_script)
    assert blocking == [], "\n".join(blocking)


def test_from_home_to_an_action_by_clicking(page: Page, server: str) -> None:
    watch = visit(page, server, "/")
    page.get_by_role("link", name="E2 Faire face collectivement aux enjeux globaux").click()
    page.wait_for_url(f"{server}/engagements/E2")
    assert "Faire face collectivement" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Atteindre 50% d'autonomie", exact=False).first.click()
    page.wait_for_url(f"{server}/actions/{SAMPLE_ACTION}")
    assert SAMPLE_ACTION in page.locator("h1").inner_text()
    page.get_by_role("link", name="Autonomie énergétique du territoire").first.click()
    page.wait_for_url(f"{server}/indicateurs/{ENERGY}")
    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("link", name="Accueil").click()
    page.wait_for_url(f"{server}/")
    assert watch.console_errors == [] and watch.failed_requests == []


def test_the_keyboard_reaches_the_content_first(page: Page, server: str) -> None:
    visit(page, server, "/actions")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus
    page.keyboard.press("Enter")
    # Following an in-page link updates the address a moment after the key press.
    page.wait_for_url(f"{server}/actions#contenu")
    page.keyboard.press("Tab")
    # The next stop is inside the main content, past the header and its navigation.
    inside_main = page.evaluate(
        "() => document.querySelector('main').contains(document.activeElement)"
    )
    assert inside_main


def test_the_search_form_filters_the_list(page: Page, server: str) -> None:
    visit(page, server, "/actions")
    rows = page.locator("table.results tbody tr")
    everything = rows.count()
    assert everything >= 50
    page.get_by_label("Rechercher", exact=False).fill("énergie")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**/actions?q=*")
    # Blank fields are dropped: the address holds the search only, ready to share.
    assert page.url == f"{server}/actions?q=%C3%A9nergie&sort=code&limit=50"
    found = rows.count()
    assert 0 < found < everything
    for code in page.locator("table.results td.code").all_inner_texts():
        assert code.startswith("E")
    page.get_by_label("Statut").select_option(label="En cours")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**status=in_progress*")
    assert page.locator("table.results td.code").all_inner_texts() == [SAMPLE_ACTION]
    assert page.get_by_role("heading", name="1 action correspondant aux filtres").count() == 1
    shared = page.url
    page.goto(shared)
    assert page.locator("table.results td.code").all_inner_texts() == [SAMPLE_ACTION]
    page.get_by_role("link", name="Effacer les filtres").click()
    page.wait_for_url(f"{server}/actions")
    assert rows.count() == everything


def test_charts_are_drawn(page: Page, server: str) -> None:
    visit(page, server, f"/actions/{SAMPLE_ACTION}")
    charts = page.locator("svg[role='img']")
    assert charts.count() == 2
    for index in range(2):
        chart = charts.nth(index)
        assert (chart.locator("title").text_content() or "").strip()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    # Assistive technologies see each chart as one image named by its sentence.
    assert (
        page.get_by_role("img", name="Avancement annuel de l'action E2.3.2", exact=False).count()
        == 1
    )
    assert (
        page.get_by_role("img", name="Autonomie énergétique du territoire :", exact=False).count()
        == 1
    )
    bars = charts.nth(0).locator("rect.bar")
    assert bars.count() == 2
    widths = [bars.nth(i).bounding_box()["width"] for i in range(2)]  # type: ignore[index]
    assert 0 < widths[0] < widths[1]  # 20 % then 35 % (horizontal bars)
    points = charts.nth(1).locator("circle.point")
    assert points.count() == 2
    assert all(points.nth(i).is_visible() for i in range(2))
    line = charts.nth(1).locator("polyline.target-line").bounding_box()
    assert line is not None and line["width"] > 100
    # The data tables open.
    summary = page.locator("details.chart-data summary").first
    summary.click()
    assert page.locator("details.chart-data table").first.is_visible()
    screenshot(page, "action-charts")


def test_a_phone_sees_the_page_without_scrolling_sideways(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        for name, path in (("accueil-mobile", "/"), ("action-mobile", f"/actions/{SAMPLE_ACTION}")):
            page.goto(server + path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (path, overflow)
            screenshot(page, name)
    finally:
        context.close()
