"""The yearly bilan's page in Debian's Chromium, served by uvicorn on the demo data (the campaign
of 2024 closed, 2025's open): its content as a reader sees it, axe-core, no sideways scroll at
390 px and 1280 px, and the print stylesheet (navigation and links hidden, a page per
engagement)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from app.models.bilan import Bilan
from tests.bilan.demo import demo_database
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.web.conftest import axe_violations, served
from tests.web.test_browser import screenshot

CLOSED, OPEN = 2024, 2025
WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def demo_server(
    databases: SqliteDatabases | PostgresDatabases,
    empty_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Bilan, Bilan]]:
    """The service on the demo data, with the bilans of 2024 and 2025 as the API gives them."""
    for url in demo_database(databases, empty_template, 1):
        with served(url, tmp_path_factory) as api:
            bilans = []
            for year in (CLOSED, OPEN):
                response = api.client.get(f"/api/v1/bilan/{year}")
                assert response.status_code == 200, response.text
                bilans.append(Bilan.model_validate(response.json()))
            yield api.url, bilans[0], bilans[1]


def sideways_overflow(page: Page) -> int:
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


@pytest.fixture(params=WIDTHS, ids=[f"{width}px" for width in WIDTHS])
def sized(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, int]]:
    width = request.param
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        is_mobile=width < 600,
        locale="fr-FR",
        bypass_csp=True,
    )
    yield context.new_page(), width
    context.close()


def test_the_bilan_page_reads_whole_and_fits(
    sized: tuple[Page, int], demo_server: tuple[str, Bilan, Bilan], axe_script: Path
) -> None:
    page, width = sized
    base, closed, _ = demo_server
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    response = page.goto(f"{base}/bilan/{CLOSED}")
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text().startswith(f"Bilan {CLOSED}")
    assert "Bilan arrêté" in page.locator(".bilan-state").inner_text()
    # One heading per engagement, then one per axis under it.
    headings = page.locator(".bilan-engagement h2").all_inner_texts()
    assert headings == [f"Engagement {e.code} : {e.title}" for e in closed.engagements]
    axes = page.locator(".bilan-engagement h3").all_inner_texts()
    assert axes == [f"Axe {a.code} : {a.title}" for e in closed.engagements for a in e.axes]
    body = page.locator("main").inner_text()
    for project in closed.flagship_projects:
        assert f"{project.code} {project.title}" in body
    for action in closed.actions:
        assert action.comment in body
    # Every table in a named, focusable region: at 390 px a wide one scrolls there, not the page.
    regions = page.locator(".table-wrap")
    assert regions.count() == 4
    for region in regions.all():
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
    assert sideways_overflow(page) <= 0, width
    assert axe_violations(page, axe_script) == []
    assert errors == []
    screenshot(page, f"bilan-{width}")


def test_the_provisional_bilan_says_so(page: Page, demo_server: tuple[str, Bilan, Bilan]) -> None:
    base, _, open_bilan = demo_server
    assert open_bilan.provisional
    page.goto(f"{base}/bilan/{OPEN}")
    state = page.locator(".bilan-state")
    assert state.inner_text().startswith("Bilan provisoire.")
    # Said in words, not by its colour alone.
    assert "La campagne de bilans 2025 est ouverte" in state.inner_text()


def test_printed_the_navigation_and_links_go_and_each_engagement_starts_a_page(
    page: Page, demo_server: tuple[str, Bilan, Bilan]
) -> None:
    base, closed, _ = demo_server
    page.goto(f"{base}/bilan/{CLOSED}")
    assert page.locator(".site-nav").is_visible()
    assert page.locator(".bilan-downloads").is_visible()
    page.emulate_media(media="print")
    for hidden in (".site-nav", ".site-footer", ".bilan-downloads", ".bilan-years"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("h1").is_visible()
    breaks = page.locator(".bilan-engagement").evaluate_all(
        "(sections) => sections.map((s) => getComputedStyle(s).breakBefore)"
    )
    assert breaks == ["page"] * len(closed.engagements)
    link = page.locator(".bilan-item a").first  # an engagement's, in the overview
    assert link.evaluate("(a) => getComputedStyle(a).textDecorationLine") == "none"
    # The PDF the page offers is there.
    pdf = page.request.get(f"{base}/bilan/{CLOSED}.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
