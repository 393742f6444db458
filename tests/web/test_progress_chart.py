"""The charts of progress in a real browser (Debian's Chromium): with 20 yearly bars and on a
390 px phone, no two labels overlap and none is drawn under 12 px; the pages with the charts of
progress over the years and the budgets page have no axe-core violation and no horizontal scroll
at 390 and 1280 px."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlmodel import col, select

from app.models import Trackable
from tests import factories
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.web.conftest import axe_violations, served
from tests.web.test_browser import ARTIFACTS
from tests.web.test_web import SAMPLE_ACTION

#: Every text of a chart: its box on the screen and the size it is drawn at (its font size
#: times the chart's scale).
LABELS_SCRIPT = """(selector) => {
  const svg = document.querySelector(selector);
  const scale = svg.getScreenCTM().a;
  return [...svg.querySelectorAll('text')].map((t) => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent, x: box.x, y: box.y, width: box.width, height: box.height,
            size: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
}"""
OVERFLOW_SCRIPT = (
    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
)
PAGES = ("/", "/engagements/E2", f"/actions/{SAMPLE_ACTION}", "/budgets?annee=2025")


@pytest.fixture(scope="module")
def server(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The seeded plan with 20 yearly reports (2025 to 2044) of the sample action, budgets in
    2025, served by uvicorn."""
    url = databases.clone(seeded_template)
    with factories.session_on(url) as session:
        action = session.exec(select(Trackable).where(col(Trackable.code) == SAMPLE_ACTION)).one()
        for year in range(2025, 2045):
            factories.report(
                session,
                trackable=action,
                year=year,
                progress=min(100.0, (year - 2024) * 5.5),
                budget_planned_investment=1_234_567.5,
                budget_spent_operating=89_000,
            )
        session.commit()
    try:
        with served(url, tmp_path_factory) as api:
            yield api.url
    finally:
        databases.drop(url)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def assert_readable(page: Page, selector: str, at_least: int) -> None:
    labels = page.evaluate(LABELS_SCRIPT, selector)
    assert len(labels) >= at_least, labels
    small = [(label["text"], round(label["size"], 1)) for label in labels if label["size"] < 12]
    assert not small, small
    clashes = [
        (a["text"], b["text"])
        for n, a in enumerate(labels)
        for b in labels[n + 1 :]
        if overlaps(a, b)
    ]
    assert not clashes, clashes


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR", bypass_csp=True
    )
    yield context.new_page()
    context.close()


def test_twenty_bars_keep_their_labels_apart_and_readable_on_a_phone(
    phone: Page, server: str
) -> None:
    phone.goto(f"{server}/actions/{SAMPLE_ACTION}")
    bars = phone.locator("svg.chart--progress rect.bar")
    assert bars.count() >= 20
    # A year's label and its value: 40 texts at least, and the three ticks of the value axis.
    assert_readable(phone, "svg.chart--progress", 43)
    widths = [bars.nth(i).bounding_box()["width"] for i in range(2)]  # type: ignore[index]
    assert 0 < widths[0] < widths[1]  # the bars grow with the progress
    phone.locator("svg.chart--progress").screenshot(path=str(ARTIFACTS / "bars-390.png"))


def test_progress_over_the_years_is_readable_on_a_phone(phone: Page, server: str) -> None:
    for path in ("/", "/engagements/E2"):
        phone.goto(server + path)
        chart = phone.locator("svg.chart--series")
        assert chart.count() == 1
        title = chart.locator("title").text_content() or ""
        assert "Avancement au fil des années" in title and "2025 :" in title
        assert_readable(phone, "svg.chart--series", 5 + 3)  # value ticks and some years
        # The data as a table, for everyone.
        phone.locator("svg.chart--series ~ details.chart-data summary").click()
        table = phone.locator("svg.chart--series ~ details.chart-data table")
        assert table.is_visible() and "2025" in (table.text_content() or "")
        name = "series-home-390.png" if path == "/" else "series-engagement-390.png"
        phone.locator("figure:has(svg.chart--series)").screenshot(path=str(ARTIFACTS / name))


@pytest.mark.parametrize("width", [390, 1280])
def test_no_axe_violation_and_no_sideways_scroll(
    browser: Browser, server: str, axe_script: Path, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="fr-FR", bypass_csp=True
    )
    try:
        page = context.new_page()
        for path in PAGES:
            page.goto(server + path)
            assert page.evaluate(OVERFLOW_SCRIPT) <= 1, (path, width)
            violations = [
                f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
                for v in axe_violations(page, axe_script)
            ]
            assert violations == [], (path, violations)
    finally:
        context.close()


def test_the_budgets_page_in_the_browser(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(server + "/")
        page.get_by_role("link", name="Les budgets prévus et dépensés, par année").click()
        page.get_by_label("Année").select_option("2025")
        page.get_by_role("button", name="Afficher").click()
        assert page.url.endswith("/budgets?annee=2025")
        assert page.get_by_role("heading", level=1).text_content() == "Budgets 2025"
        total = page.get_by_role("table", name="Budgets de l'ensemble du plan en 2025")
        text = total.text_content() or ""
        assert "1\u202f234\u202f568\u202f€" in text and "89\u202f000\u202f€" in text
    finally:
        context.close()
