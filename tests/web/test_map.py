"""The map of the territory: the committed outlines are what the script makes of the GeoJSON;
Douglas-Peucker and the classes; the 47 communes linked and named on the home page and the
communes page, coloured by the measure the reader chose, with a legend in words and a table;
in Chromium: reachable by the keyboard with a visible focus, axe-core, no sideways scrolling."""

import itertools
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page
from sqlmodel import Session, col, select

from app.models import Commune
from app.models.indicators import Indicator
from app.reference import geography
from app.web import map as territory_map
from app.web.format import quantity
from tests import factories as make
from tests.conftest import auth
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.web.conftest import axe_violations, served_with_admin, tab_to
from tests.web.test_web import ENERGY, write_sample

COMMUNES = 47
LINK = re.compile(
    r'<a href="/communes/(\d{5})" aria-label="([^"]+)"[^>]*>\s*<title>([^<]+)</title>'
)


# --- The outlines -------------------------------------------------------------------------------


def test_the_committed_outlines_are_what_the_script_makes_of_the_geojson() -> None:
    source = json.loads(geography.SOURCE.read_text(encoding="utf-8"))
    built = geography.build(source)
    assert geography.render(built) == geography.DATA.read_text(encoding="utf-8"), (
        "run: python -m app.reference.geography"
    )
    assert len(built["communes"]) == COMMUNES
    _, _, width, height = (float(n) for n in built["view_box"].split())
    for outline in built["communes"].values():
        numbers = [float(n) for n in re.findall(r"-?\d+\.\d", outline["d"])]
        xs, ys = numbers[0::2], numbers[1::2]
        assert min(xs) >= 0 and max(xs) <= width and min(ys) >= 0 and max(ys) <= height
        assert len(xs) >= 4


def test_the_outlines_are_simplified_but_keep_every_commune_recognisable() -> None:
    source = json.loads(geography.SOURCE.read_text(encoding="utf-8"))
    points = sum(len(f["geometry"]["coordinates"][0]) for f in source["features"])
    kept = sum(o["d"].count("L") + 1 for o in geography.outlines()["communes"].values())
    assert kept < points * 0.9
    assert geography.DATA.stat().st_size < 40_000


def test_douglas_peucker() -> None:
    noise = [(0.0, 0.0), (1.0, 0.1), (2.0, -0.1), (3.0, 0.05), (4.0, 0.0)]
    assert geography.simplify(noise, 0.5) == [(0.0, 0.0), (4.0, 0.0)]
    line = [(0.0, 0.0), (1.0, 0.1), (2.0, -0.1), (3.0, 5.0), (4.0, 6.0), (5.0, 7.0), (6.0, 0.0)]
    kept = geography.simplify(line, 0.5)
    assert kept[0] == line[0] and kept[-1] == line[-1]
    assert (5.0, 7.0) in kept  # the farthest point from the chord always stays
    assert (4.0, 6.0) not in kept and len(kept) < len(line)
    # No point dropped lies farther than the tolerance from the polyline kept.
    for point in line:
        assert _distance_to(kept, point) <= 0.5
    assert geography.simplify(noise, 0.01) == noise
    assert geography.simplify(line[:2], 10) == line[:2]
    square = [(0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0), (0.0, 0.0)]
    assert geography.simplify(square, 1) == square  # a closed ring: first = last point


def _distance_to(polyline: list[tuple[float, float]], point: tuple[float, float]) -> float:
    px, py = point
    best = math.inf
    for (ax, ay), (bx, by) in itertools.pairwise(polyline):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best


def test_classes() -> None:
    assert territory_map.classes([0, 0, 1, 3]) == [(0, 0), (1, 1), (3, 3)]
    bounds = territory_map.classes([float(v) for v in range(11)])
    assert bounds == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    assert [territory_map.class_of(v, bounds) for v in (0, 2, 2.5, 10)] == [0, 0, 1, 4]
    assert territory_map.classes([]) == []


# --- The pages, through HTTP --------------------------------------------------------------------


def _links(page: str) -> list[tuple[str, str, str]]:
    svg = page.split('<svg class="map"', 1)[1].split("</svg>", 1)[0]
    return LINK.findall(svg)


def _energy(session: Session) -> Indicator:
    return session.exec(select(Indicator).where(col(Indicator.code) == ENERGY)).one()


@pytest.mark.parametrize("path", ["/", "/communes"])
def test_the_map_links_the_47_communes_by_name(
    client: TestClient, session: Session, path: str
) -> None:
    names = {c.insee_code: c.name for c in session.exec(select(Commune))}
    page = client.get(path).text
    links = _links(page)
    assert len(links) == COMMUNES
    assert {code for code, _, _ in links} == set(names)
    for code, label, title in links:
        assert label == title.replace("'", "&#39;")
        assert label.startswith(names[code].replace("'", "&#39;") + " : ")
    svg = page.split('<svg class="map"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('<path d="M') == COMMUNES
    assert "<script" not in svg


def test_the_reader_colours_the_map_by_an_indicator(client: TestClient, session: Session) -> None:
    page = client.get("/communes").text
    assert f'<option value="{ENERGY}"' not in page  # no value per commune yet: not offered
    assert client.get(f"/communes?indicateur={ENERGY}").status_code == 404
    energy = _energy(session)
    for insee_code, value in (("59002", 10), ("59092", 20), ("59172", 30), ("59038", 40)):
        make.indicator_value(session, indicator=energy, year=2024, value=1, commune=insee_code)
        make.indicator_value(session, indicator=energy, year=2025, value=value, commune=insee_code)
    make.indicator_value(session, indicator=energy, year=2025, value=500)  # the whole territory
    session.commit()
    page = client.get("/communes").text
    assert f'<option value="{ENERGY}">Valeur la plus récente : ' in page
    assert '<option value="" selected>Actions qui nomment la commune</option>' in page
    page = client.get(f"/communes?indicateur={ENERGY}").text
    assert f'<option value="{ENERGY}" selected>' in page
    legend = page.split('class="map-legend"', 1)[1].split("</div>", 1)[0]
    classes = re.findall(
        r'<span class="map-swatch (map-\w+)" aria-hidden="true"></span>\s*([^<]+)</li>', legend
    )
    values = [quantity(v, "%") for v in (10, 20, 30, 40)]
    assert [label.strip() for _, label in classes] == [*values, "Aucune valeur"]
    assert [css for css, _ in classes] == ["map-c0", "map-c1", "map-c3", "map-c4", "map-none"]
    links = {code: label for code, label, _ in _links(page)}
    assert links["59092"] == f"Bouchain : {quantity(20, '%')} (2025)"
    assert links["59064"].endswith(": aucune valeur")
    table = page.split("<details", 1)[1].split("</details>", 1)[0]
    denain = (
        f'<a href="/communes/59172">Denain</a></th><td class="number">{quantity(30, "%")} (2025)'
    )
    assert denain in table
    assert table.count("<tr>") == COMMUNES + 1
    # The home page's form goes back to the home page.
    home = client.get(f"/?indicateur={ENERGY}").text
    assert 'action="/#territoire"' in home and f'<option value="{ENERGY}" selected>' in home


def test_a_bad_measure_is_a_french_error_page(client: TestClient) -> None:
    unknown = client.get("/communes?indicateur=IND-INCONNU")
    assert unknown.status_code == 404 and "Page introuvable" in unknown.text
    too_long = client.get("/communes?indicateur=" + "X" * 31)
    assert too_long.status_code == 422 and "indicateur" in too_long.text


# --- In Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The service on a seeded database with the sample data, an action naming communes and an
    indicator with values per commune."""
    with served_with_admin(databases, seeded_template, tmp_path_factory) as (api, admin_token):
        write_sample(api.client, admin_token)
        for insee_code, value in (("59002", 12), ("59092", 25), ("59172", 31)):
            response = api.client.put(
                f"/api/v1/indicators/{ENERGY}/values/2025?commune={insee_code}",
                json={"value": value},
                headers=auth(admin_token),
            )
            assert response.status_code == 201, response.text
        yield api.url


PAGES = ["/", "/communes", f"/communes?indicateur={ENERGY}", "/communes/59092"]


@pytest.mark.parametrize("path", PAGES)
def test_the_map_pages_pass_axe(page: Page, server: str, axe_script: Path, path: str) -> None:
    response = page.goto(server + path)
    assert response is not None and response.status == 200
    assert page.locator("svg.map a").count() == COMMUNES
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} " + ", ".join(str(n["target"]) for n in v["nodes"])
        for v in axe_violations(page, axe_script)
    ]
    assert violations == []


def test_the_keyboard_reaches_a_commune_and_sees_where_it_is(page: Page, server: str) -> None:
    page.goto(server + "/communes")
    first = page.locator("svg.map a").first
    label = first.get_attribute("aria-label")
    assert label is not None and first.get_attribute("href") == "/communes/59002"
    page.locator("#carte-measure").focus()
    tab_to(page, label.replace("&#39;", "'"), presses=5)
    stroke = first.locator("path").evaluate("path => getComputedStyle(path).strokeWidth")
    assert stroke == "8px"  # the focus style, visible on the outline itself
    page.keyboard.press("Enter")
    page.wait_for_url(server + "/communes/59002")
    assert page.locator("h1").inner_text() == "Abscon"
    # Every one of the 47 links is in the tab order.
    assert page.locator('svg.map a[tabindex="-1"]').count() == 0


@pytest.mark.parametrize("width", [390, 1280])
def test_no_sideways_scrolling(browser: Browser, server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 500)
    try:
        page = context.new_page()
        for path in ("/", "/communes", "/communes/59092"):
            page.goto(server + path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (path, width, overflow)
            box = page.locator("svg.map").bounding_box()
            assert box is not None and 0 < box["width"] <= width
    finally:
        context.close()
