"""What citizens saw wrong on the pages (issue 18, item 7): no English on French pages (the
trajectory's explanation), the priorities in the feminine ("Priorité : Haute"), the home page's
"Dernières modifications" in plain French, linked to pages, without the seed's creations, and the
indicators table reachable at 1280 px in a real browser (Chromium, as tests/web/test_browser.py).
"""

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page
from sqlalchemy import event
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.audit import changes
from app.cli import app as cli_app
from app.core.db import make_engine
from app.indicators.trajectory import Point, assess
from app.models import AuditAction, AuditEntry, Priority, Trackable
from app.models.indicators import Direction, IndicatorPublic, TrajectoryPublic, YearValue
from app.tooling.demo import DEMO_ACTOR
from app.tooling.organisation import CLI_ACTOR
from app.web.trajectory_words import trajectory_explanation
from tests import factories as make
from tests.conftest import QueryCounter, Tokens
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.web.conftest import blocking_violations, served
from tests.web.test_browser import screenshot
from tests.web.test_extreme_values import EXTREMES
from tests.web.test_web import (
    ENERGY,
    PAGES,
    SAMPLE_ACTION,
    SAMPLE_FLAGSHIP,
    Markup,
    get_page,
    keys,
    sample,
)

#: Fixtures shared with tests/web/test_web.py.
__all__ = ["keys", "sample"]

#: Words of English that a French page never shows (whole words, any case; not inside a file
#: name or an identifier such as "progress.csv").
ENGLISH = re.compile(
    r"(?<![\w./_-])(the|and|of|with|recorded|baseline|target|needed|yet|reached|holds|year|"
    r"priority|high|medium|low|progress|created|updated|deleted|change)(?![\w./_-])",
    re.IGNORECASE,
)


def english_words(text: str) -> list[str]:
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})


# --- No English on French pages ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_no_page_shows_english(client: TestClient, sample: Tokens, name: str) -> None:
    markup = get_page(client, PAGES[name][0])
    assert not markup.all("span", lang="en")
    # Codes are identifiers, not words: the open data's "progress" resource.
    html = re.sub(r'<span class="code[^"]*">[^<]*</span>', "", client.get(PAGES[name][0]).text)
    assert english_words(Markup(html).text) == [], name


def test_the_english_detector_finds_the_api_explanation(client: TestClient, sample: Tokens) -> None:
    explanation = client.get(f"/api/v1/indicators/{ENERGY}").json()["trajectory"]["explanation"]
    assert english_words(explanation)  # the API's stays English (its fields and texts)
    text = get_page(client, f"/indicateurs/{ENERGY}").text.replace("\u202f", " ")
    # Baseline 12 % in 2022, 17 % in 2025, target 30 % in 2030.
    assert (
        "Détail du calcul : De 12 % en 2022 à 17 % en 2025 : +12,31 % par an, quand il faudrait "
        "+12,14 % par an pour atteindre 30 % en 2030 (101 % du rythme nécessaire)."
    ) in text


def _indicator(
    direction: Direction, b: float | None, t: float | None, c: float | None
) -> IndicatorPublic:
    baseline = Point(2020, b) if b is not None else None
    target = Point(2044, t) if t is not None else None
    current = Point(2026, c) if c is not None else None
    result = assess(
        direction=direction, baseline=baseline, target=target, current=current, year=2030
    )
    return IndicatorPublic(
        code="X",
        name="X",
        unit="%",
        decimals=1,
        direction=direction,
        lead_directorate=None,
        baseline=YearValue(year=2020, value=b) if b is not None else None,
        targets=[YearValue(year=2044, value=t)] if t is not None else [],
        measures=[],
        trajectory=TrajectoryPublic(
            trajectory=result.trajectory,
            progress_rate=result.progress_rate,
            current_value=c,
            current_year=2026 if c is not None else None,
            target_value=t,
            target_year=2044 if t is not None else None,
            expected_value=result.expected_value,
            expected_year=2030,
            growth_ratio=result.growth_ratio,
            explanation=result.explanation,
        ),
    )


def test_the_french_explanation_is_total_and_french() -> None:
    """Every direction and combination of extreme values, and missing ones, has a French
    sentence, with no English word, no "nan"."""
    values = (*EXTREMES, 10.0, 20.0, None)
    told = set()
    for direction, (b, t, c) in itertools.product(Direction, itertools.product(values, repeat=3)):
        sentence = trajectory_explanation(_indicator(direction, b, t, c))
        assert sentence and sentence.endswith("."), (direction, b, t, c)
        assert english_words(sentence) == [], sentence
        assert "nan" not in sentence.lower().split(), sentence
        told.add(sentence.split(" ")[0])
    # Every branch was taken: missing data, reached, held, pace, no trend.
    assert {"Pas", "De"} <= told
    samples = {
        (Direction.increase, 10.0, 20.0, None): "Pas encore de valeur observée : rien à mesurer",
        (Direction.increase, None, None, None): "Pas encore de valeur observée ni de valeur de "
        "référence ni de cible",
        (Direction.increase, 10.0, 20.0, 25.0): "atteint la cible de 20,0 % fixée pour 2044.",
        (Direction.maintain, 10.0, 20.0, 20.0): "tient le niveau de 20,0 %.",
        (Direction.maintain, 10.0, 20.0, 10.0): "ne tient plus le niveau de 20,0 %.",
        (Direction.decrease, 20.0, 10.0, 15.0): "par an, quand il faudrait",
    }
    for (direction, b, t, c), expected in samples.items():
        assert expected in trajectory_explanation(_indicator(direction, b, t, c)).replace(
            "\u202f", " "
        ), expected


# --- Priorities in the feminine -----------------------------------------------------------------


def test_priorities_are_feminine_and_the_api_keeps_its_keys(
    client: TestClient, sample: Tokens
) -> None:
    assert [(p.value, p.label) for p in Priority] == [
        ("high", "Haute"),
        ("medium", "Moyenne"),
        ("low", "Basse"),
    ]
    assert client.get(f"/api/v1/actions/{SAMPLE_ACTION}").json()["priority"] == "high"
    assert "<dt>Priorité</dt><dd>Haute</dd>" in client.get(f"/actions/{SAMPLE_ACTION}").text
    filters = client.get("/actions").text
    for value, label in (("high", "Haute"), ("medium", "Moyenne"), ("low", "Basse")):
        assert re.search(rf'<option value="{value}"[^>]*>{label}</option>', filters), label
    # The filter by the API's key still works, from the page and the open data.
    listed = client.get("/actions", params={"priority": "high"}).text
    assert f'<td class="code">{SAMPLE_ACTION}</td>' in listed
    csv = client.get("/api/v1/open-data/trackables.csv")
    assert csv.status_code == 200
    assert ",high," in csv.text and "Haute" not in csv.text and "Élevé" not in csv.text


# --- "Dernières modifications" ------------------------------------------------------------------


def news_lines(client: TestClient) -> list[tuple[str, list[dict[str, str]]]]:
    html = client.get("/").text
    section = html.split('id="modifications"', 1)[1].split("</section>", 1)[0]
    lines = re.findall(r"<li>(.*?)</li>", section, re.S)
    return [(Markup(line).text.split(" — ", 1)[1], Markup(line).all("a")) for line in lines]


def test_the_home_page_tells_what_changed_in_plain_french(
    client: TestClient, sample: Tokens
) -> None:
    lines = news_lines(client)
    texts = [text for text, _ in lines]
    energy = "Autonomie énergétique du territoire"
    assert texts[:5] == [
        f"Projet phare passé au statut « En cours » : {SAMPLE_FLAGSHIP} Pôle de référence du Vélo",
        f"Valeur 2025 de l'indicateur publiée : {energy}",
        f"Valeur 2024 de l'indicateur publiée : {energy}",
        f"Indicateur mis à jour : {energy}",
        f"Jalon « Premier parc solaire » ajouté (de l'action {SAMPLE_ACTION}) : "
        + texts[4].split(" : ", 1)[1],
    ], texts
    assert (
        f"Jalon « Schéma directeur des énergies » atteint (de l'action {SAMPLE_ACTION})"
        in (texts[5])
    )
    assert any(t.startswith(f"Bilan 2025 de l'action {SAMPLE_ACTION} publié : ") for t in texts)
    assert any(t.startswith(f"Bilan 2024 de l'action {SAMPLE_ACTION} publié : ") for t in texts)
    # Each links to its page, never to the API's JSON.
    for text, links in lines:
        assert len(links) == 1, text
        href = links[0]["href"]
        assert href.startswith(("/actions/", "/projets-phares/", "/indicateurs/")), href
        assert client.get(href).status_code == 200
    assert lines[0][1][0]["href"] == f"/projets-phares/{SAMPLE_FLAGSHIP}"
    assert lines[1][1][0]["href"] == f"/indicateurs/{ENERGY}"
    assert (
        "/api/" not in client.get("/").text.split('id="modifications"', 1)[1].split("</section>")[0]
    )


def test_the_seed_and_the_set_up_are_not_news(client: TestClient, db_url: str) -> None:
    # A seeded plan: hundreds of creations in the audit trail, none of them news.
    assert (
        len(client.get("/api/v1/changes", params={"since": 0, "limit": 500}).json()["items"]) > 50
    )
    assert news_lines(client) == []
    assert "Aucune modification publiée pour l'instant." in client.get("/").text
    # The loaders' creations (organisation file, demo) are not news; their reports are.
    assert {CLI_ACTOR.name, DEMO_ACTOR, "seed"} <= set(changes.SET_UP_ACTORS)
    with make.session_on(db_url) as session:
        action = session.exec(select(Trackable).where(Trackable.code == SAMPLE_ACTION)).one()
        title = action.title
        for actor, entity, key in (
            (CLI_ACTOR.name, "action", SAMPLE_ACTION),
            (DEMO_ACTOR, "milestone", f"{SAMPLE_ACTION}/milestone 1"),
            (DEMO_ACTOR, "progress_report", f"{SAMPLE_ACTION}/2031"),
        ):
            session.add(
                AuditEntry(
                    actor_name=actor,
                    actor_role="admin",
                    entity=entity,
                    entity_key=key,
                    trackable_id=action.id,
                    action=AuditAction.create,
                    after={"title": "Jalon de démonstration"},
                )
            )
        session.commit()
    assert [text for text, _ in news_lines(client)] == [
        f"Bilan 2031 de l'action {SAMPLE_ACTION} publié : {title}"
    ]


def test_the_news_are_read_in_one_query(db_url: str, sample: Tokens) -> None:
    engine = make_engine(db_url)
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        with Session(engine) as session:
            news = changes.get_news(session=session, limit=10)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
        engine.dispose()
    assert len(news) >= 9
    assert counter.count == 1


# --- The indicators table at 1280 px, on the demo's data ----------------------------------------


def sideways_overflow(page: Page) -> int:
    """How many pixels the page scrolls sideways (0: none)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


@pytest.fixture(scope="module")
def demo_server(
    databases: SqliteDatabases | PostgresDatabases,
    empty_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The service on a demo database (`boussole demo`: long names, every trajectory)."""
    url = databases.clone(empty_template)
    try:
        result = CliRunner().invoke(cli_app, ["demo", "--db", url])
        assert result.exit_code == 0, result.output
        with served(url, tmp_path_factory) as api:
            yield api.url
    finally:
        databases.drop(url)


def test_the_indicators_table_fits_at_1280_px(page: Page, demo_server: str) -> None:
    page.goto(demo_server + "/indicateurs")
    assert sideways_overflow(page) <= 1
    region = page.locator(".table-wrap").first
    scroll_width, client_width = region.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width + 1, (scroll_width, client_width)
    # The last column, heading and cells, is in the viewport: every cell reachable.
    assert page.locator(".table-wrap tbody tr").count() >= 10
    for cell in (
        page.locator(".table-wrap thead th").last,
        page.locator(".table-wrap tbody tr").first.locator("td").last,
        page.locator(".table-wrap tbody tr").last.locator("td").last,
    ):
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
        assert box["width"] >= 80, box  # a column, not a sliver cut at the edge
    screenshot(page, "indicateurs-1280")


def test_on_a_phone_the_indicators_table_scrolls_in_its_region(
    browser: Browser, demo_server: str, axe_script: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR", bypass_csp=True
    )
    try:
        page = context.new_page()
        page.goto(demo_server + "/indicateurs")
        assert sideways_overflow(page) <= 1
        region = page.locator(".table-wrap").first
        scroll_width, client_width = region.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert scroll_width > client_width  # it scrolls within its own region…
        # …which is focusable (keyboard scrolling), named, and shows a shadow where more is.
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
        background = region.evaluate("(el) => getComputedStyle(el).backgroundImage")
        assert background.count("gradient") == 4, background
        region.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
        last = page.locator(".table-wrap tbody tr").first.locator("td").last.bounding_box()
        assert last is not None and last["x"] + last["width"] <= 390 + 1, last
        assert blocking_violations(page, axe_script) == []
        screenshot(page, "indicateurs-390")
    finally:
        context.close()
