"""The public dashboard, through HTTP: every page type, French and accessible markup, the action
list's filters (the API's own), charts drawn from what the API wrote, the demo banner, 404s."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.web import charts
from tests import factories as make
from tests.conftest import Tokens, auth
from tests.helpers import problem

PLAN_TITLE = "Projet de territoire 2024-2044"
ORGANISATION = "Communauté d'agglomération de La Porte du Hainaut"
ENERGY = "IND-AUTONOMIE-ENERGETIQUE"
SAMPLE_ACTION = "E2.3.2"
SAMPLE_FLAGSHIP = "PP5"
SAMPLE_DIRECTORATE = ("DTE", "Direction de la transition écologique")
SAMPLE_COMMUNES = {"59002": "Abscon", "59092": "Bouchain"}

#: One address of each page type, with what its <h1> says.
PAGES: dict[str, tuple[str, str]] = {
    "accueil": ("/", PLAN_TITLE),
    "engagement": ("/engagements/E2", "Faire face collectivement aux enjeux globaux"),
    "actions": ("/actions", "Actions"),
    "action": (f"/actions/{SAMPLE_ACTION}", "autonomie énergétique"),
    "projets-phares": ("/projets-phares", "Projets phares"),
    "projet-phare": (f"/projets-phares/{SAMPLE_FLAGSHIP}", "Vélo"),
    "indicateurs": ("/indicateurs", "Indicateurs"),
    "indicateur": (f"/indicateurs/{ENERGY}", "Autonomie énergétique du territoire"),
    "directions": ("/directions", "Directions"),
    "communes": ("/communes", "Communes"),
    "donnees-ouvertes": ("/donnees-ouvertes", "Données ouvertes"),
    "accessibilite": ("/accessibilite", "Déclaration d'accessibilité"),
    "mentions-legales": ("/mentions-legales", "Mentions légales"),
    "contact": ("/contact", "Contact"),
}


# --- Writing sample data through the API (also used by tests/web/test_browser.py) -----------------


def write_sample(http: httpx.Client, admin_token: str) -> None:
    """A directorate, an action and a flagship project with everything tracked on them, and an
    indicator with a baseline, targets and values: all through the API, as CAPH would."""
    headers = auth(admin_token)

    def ok(response: httpx.Response) -> None:
        assert response.status_code in (200, 201), response.text

    code, name = SAMPLE_DIRECTORATE
    ok(http.post("/api/v1/directorates", json={"code": code, "name": name}, headers=headers))
    ok(
        http.patch(
            f"/api/v1/actions/{SAMPLE_ACTION}",
            json={
                "lead_directorate": code,
                "status": "in_progress",
                "priority": "high",
                "description": "Produire localement la moitié de l'énergie consommée.",
                "objectives": "50 % d'autonomie en 2044.",
                "partners": ["ADEME", "Région Hauts-de-France"],
                "communes": sorted(SAMPLE_COMMUNES),
                "values": ["V5"],
                "planned_start": "2024-01-01",
                "planned_end": "2044-12-31",
            },
            headers=headers,
        )
    )
    for year, value in ((2024, 20), (2025, 35)):
        ok(
            http.put(
                f"/api/v1/actions/{SAMPLE_ACTION}/progress/{year}",
                json={
                    "progress": value,
                    "comment": f"Bilan {year}",
                    "budget_planned_investment": 150000,
                },
                headers=headers,
            )
        )
    for milestone in (
        {"title": "Schéma directeur des énergies", "planned_on": "2024-06-30", "done": True},
        {"title": "Premier parc solaire", "planned_on": "2027-12-31"},
    ):
        ok(
            http.post(
                f"/api/v1/actions/{SAMPLE_ACTION}/milestones", json=milestone, headers=headers
            )
        )
    ok(
        http.patch(
            f"/api/v1/indicators/{ENERGY}",
            json={
                "baseline": {"year": 2022, "value": 12},
                "targets": [{"year": 2030, "value": 30}, {"year": 2044, "value": 50}],
                "lead_directorate": code,
                "source": "Observatoire régional de l'énergie",
            },
            headers=headers,
        )
    )
    for year, value, status in ((2024, 14, "final"), (2025, 17, "provisional")):
        ok(
            http.put(
                f"/api/v1/indicators/{ENERGY}/values/{year}",
                json={"value": value, "status": status},
                headers=headers,
            )
        )
    ok(
        http.patch(
            f"/api/v1/flagship-projects/{SAMPLE_FLAGSHIP}",
            json={"actions": [SAMPLE_ACTION], "lead_directorate": code, "status": "in_progress"},
            headers=headers,
        )
    )


# --- Reading pages ------------------------------------------------------------------------------


class Markup(HTMLParser):
    """The tags of a page with their attributes, and its text, as a browser would parse them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_parts))

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


def get_page(client: TestClient, path: str, status: int = 200) -> Markup:
    response = client.get(path)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return Markup(response.text)


def h1_of(client: TestClient, path: str) -> str:
    html = client.get(path).text
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, html[:500]
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def action_codes(client: TestClient, path: str) -> list[str]:
    html = client.get(path).text
    return re.findall(r'<td class="code">([^<]+)</td>', html)


def api_codes(client: TestClient, **params: Any) -> list[str]:
    body = client.get("/api/v1/actions", params={"limit": 200, **params}).json()
    return [item["code"] for item in body["items"]]


@pytest.fixture
def keys(db_url: str) -> Tokens:
    """A token of every kind of caller; ENV and DEV lead nothing (the sample's DTE leads)."""
    with make.session_on(db_url) as session:
        env = make.directorate(session, code="ENV", name="Direction de l'environnement")
        dev = make.directorate(session, code="DEV", name="Direction du développement économique")
        made = make.keys(session, env=env, dev=dev)
        session.commit()
    return made


@pytest.fixture
def sample(client: TestClient, keys: Tokens) -> Tokens:
    write_sample(client, keys.admin)
    return keys


# --- Every page type ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_type_is_french_accessible_markup(client: TestClient, name: str) -> None:
    path, heading = PAGES[name]
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text.startswith("<!DOCTYPE html>")
    markup = Markup(response.text)
    assert markup.all("html") == [{"lang": "fr"}]
    assert markup.all("meta", name="viewport")
    # The plan's title and the CAPH's name are in the header, on every page.
    header = response.text.split("<header", 1)[1].split("</header>", 1)[0]
    assert PLAN_TITLE in header
    assert ORGANISATION.replace("'", "&#39;") in header
    # Landmarks, once each; a skip link to the main content, which is focusable.
    for landmark in ("header", "main", "footer"):
        assert len(markup.all(landmark)) == 1, landmark
    assert markup.all("nav", **{"aria-label": "Navigation principale"})
    assert markup.all("a", href="#contenu", class_="skip-link")
    assert markup.all("main", id="contenu", class_="wrap", tabindex="-1")
    # One h1, saying what the page is.
    assert response.text.count("<h1") == 1
    assert heading.lower() in h1_of(client, path).lower()
    # The footer links the API documentation and the open data.
    footer = response.text.split("<footer", 1)[1]
    assert 'href="/docs"' in footer
    assert 'href="/donnees-ouvertes"' in footer
    # Navigation: the current section is marked for assistive technologies.
    assert len(markup.all("a", **{"aria-current": "page"})) >= 1
    # No demo banner unless asked for.
    assert "Données fictives de démonstration" not in response.text


@pytest.mark.parametrize("name", list(PAGES))
def test_no_page_loads_anything_from_another_host(client: TestClient, name: str) -> None:
    response = client.get(PAGES[name][0])
    markup = Markup(response.text)
    loaded = [a.get("src", "") for t, a in markup.tags if t in ("script", "img", "iframe")]
    loaded += [a.get("href", "") for t, a in markup.tags if t == "link"]
    assert loaded, "the stylesheet at least"
    for url in loaded:
        assert url.startswith("/") and not url.startswith("//"), url
        assert urlsplit(url).netloc == ""
    # No script at all, and the browser is told to refuse anything from elsewhere.
    assert not markup.all("script")
    policy = dict(
        rule.strip().split(" ", 1)
        for rule in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert "http" not in policy["img-src"]
    # The files the pages use are served.
    for url in loaded:
        assert client.get(url).status_code == 200, url


def test_the_stylesheet_has_focus_styles_and_a_phone_layout(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text
    assert "@media (max-width" in css.text
    assert "http://" not in css.text and "https://" not in css.text


# --- 404 and bad parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/engagements/E9",
        "/actions/E9.9.9",
        "/actions/{flagship}",  # a flagship project is not an action
        "/projets-phares/PP99",
        "/projets-phares/{action}",
        "/indicateurs/IND-INCONNU",
    ],
)
def test_an_unknown_code_answers_the_french_404_page(
    client: TestClient, db_url: str, path: str
) -> None:
    with make.session_on(db_url) as session:  # an action and a flagship project, to mistake
        made = {
            "action": make.action(session).code,
            "flagship": make.flagship_project(session).code,
        }
        session.commit()
    path = path.format(**made)
    markup = get_page(client, path, status=404)
    assert markup.all("html") == [{"lang": "fr"}]
    assert "Page introuvable" in markup.text
    assert f"« {path.rsplit('/', 1)[1]} »" in markup.text
    assert PLAN_TITLE in markup.text
    assert markup.all("a", href="/")


def test_unknown_addresses_answer_html_to_browsers_and_json_to_the_api(
    client: TestClient,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get("/pas/de/page/ici", headers=browser)
    assert page.status_code == 404
    assert "Page introuvable" in page.text
    assert problem(client.get("/pas/de/page/ici"), 404, "not-found")
    api = client.get("/api/v1/pas-de-route", headers=browser)
    assert problem(api, 404, "not-found")["instance"] == "/api/v1/pas-de-route"
    unknown = client.get("/api/v1/actions/E9.9.9", headers=browser)
    assert problem(unknown, 404, "not-found")["entity"] == "action"


def test_before_the_seed_the_pages_say_so(empty_db_url: str) -> None:
    with TestClient(create_app(Settings(database_url=empty_db_url))) as client:
        home = client.get("/")
        assert home.status_code == 503
        assert "boussole seed" in Markup(home.text).text
        communes = get_page(client, "/communes")  # no plan, no commune: still a page
        assert PLAN_TITLE in communes.text and "Les 0 communes" in communes.text


@pytest.mark.parametrize(
    "query", ["status=fini", "commune=12", "limit=0", "offset=-1", "sort=hasard", "year=1999"]
)
def test_a_bad_parameter_answers_a_french_422_page(client: TestClient, query: str) -> None:
    markup = get_page(client, f"/actions?{query}", status=422)
    assert "Paramètres invalides" in markup.text
    assert query.split("=")[0] in markup.text


def test_blank_form_fields_redirect_to_a_clean_shareable_address(client: TestClient) -> None:
    response = client.get(
        "/actions?q=energie&engagement=&axis=&status=&sort=code", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/actions?q=energie&sort=code"
    response = client.get("/actions?q=&status=", follow_redirects=False)
    assert response.headers["location"] == "/actions"


# --- The action list: the API's filters, search, sort and pagination -----------------------------


def test_the_list_shows_what_the_api_lists_for_the_same_parameters(
    client: TestClient, sample: Tokens
) -> None:
    everything = action_codes(client, "/actions?limit=200")
    assert everything == api_codes(client)
    assert len(everything) > 50
    cases: list[dict[str, str]] = [
        {"engagement": "E2"},
        {"axis": "E2.3"},
        {"q": "énergie"},
        {"q": "ENERGIE"},
        {"status": "in_progress"},
        {"directorate": SAMPLE_DIRECTORATE[0]},
        {"commune": "59092"},
        {"value": "V5"},
        {"priority": "high"},
        {"flagship": SAMPLE_FLAGSHIP},
        {"year": "2025"},
        {"engagement": "E1", "q": "sante"},
        {"sort": "-progress"},
        {"sort": "title"},
    ]
    for params in cases:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        shown = action_codes(client, f"/actions?limit=200&{query}")
        assert shown == api_codes(client, **params), params
        if "sort" not in params:
            assert 0 < len(shown) < len(everything), params
    assert action_codes(client, "/actions?q=energie&status=completed") == []
    assert "Aucune action ne correspond" in client.get("/actions?q=zzzz").text
    assert action_codes(client, "/actions?sort=-progress&limit=1") == [SAMPLE_ACTION]


def test_the_form_keeps_the_choices_and_says_how_many_match(
    client: TestClient, sample: Tokens
) -> None:
    html = client.get("/actions?q=énergie&status=in_progress&engagement=E2&limit=20").text
    markup = Markup(html)
    assert markup.all("form", method="get", action="/actions", role="search")
    assert markup.all("input", type="search", id="q", name="q", value="énergie", maxlength="200")
    assert '<option value="in_progress" selected>En cours</option>' in html
    assert 'value="E2" selected' in html
    assert '<option value="20" selected>20</option>' in html
    # Every control has its label.
    labels = {a["for"] for a in markup.all("label")}
    controls = {a["id"] for t, a in markup.tags if t in ("input", "select")}
    assert controls <= labels
    assert "1 action correspondant aux filtres" in markup.text
    assert markup.all("a", href="/actions")  # clear the filters


def test_pagination_links_keep_the_filters(client: TestClient) -> None:
    total = client.get("/api/v1/actions", params={"engagement": "E2"}).json()["total"]
    assert total > 10
    first = client.get("/actions?engagement=E2&limit=5").text
    assert (
        action_codes(client, "/actions?engagement=E2&limit=5")
        == api_codes(client, engagement="E2")[:5]
    )
    assert 'href="/actions?engagement=E2&amp;limit=5&amp;offset=5" rel="next"' in first
    assert 'rel="prev"' not in first
    assert f"Page 1 sur {(total + 4) // 5}" in first
    second = client.get("/actions?engagement=E2&limit=5&offset=5").text
    assert (
        action_codes(client, "/actions?engagement=E2&limit=5&offset=5")
        == api_codes(client, engagement="E2")[5:10]
    )
    assert 'href="/actions?engagement=E2&amp;limit=5" rel="prev"' in second
    assert 'aria-label="Pagination"' in second


# --- Pages and their content ---------------------------------------------------------------------


def test_the_home_page_shows_the_plan_at_a_glance(client: TestClient, sample: Tokens) -> None:
    html = client.get("/").text
    markup = Markup(html)
    plan = client.get("/api/v1/plan").json()
    tree = client.get("/api/v1/tree").json()
    assert plan["purpose"].replace("'", "&#39;") in html
    assert len(plan["ambitions"]) == 2
    for ambition in plan["ambitions"]:
        assert ambition["title"] in markup.text
        assert ambition["quote"] in markup.text
        assert ambition["quote_author"] in markup.text
    assert len(plan["values"]) == 5
    for value in plan["values"]:
        assert markup.all("a", href=f"/actions?value={value['code']}")
    assert len(tree["engagements"]) == 3
    for engagement in tree["engagements"]:
        assert markup.all("a", href=f"/engagements/{engagement['code']}")
        progress = engagement["rollup"]["progress"]
        bars = markup.all("progress", max="100", value=f"{progress:.1f}")
        assert any(f"engagement {engagement['code']}" in b["aria-label"] for b in bars)
        for flagship in engagement["flagship_projects"]:
            assert markup.all("a", href=f"/projets-phares/{flagship['code']}")
    # Status counts in words: E2 has one action in progress (the sample).
    assert (
        '<span class="badge badge--in_progress">En cours</span> <span class="count">1</span>'
        in (html)
    )
    # The latest changes, newest first, at most ten, in words, linked to their pages
    # (tests/web/test_citizen_fixes.py tells them apart).
    changes_html = html.split('<ol class="changes">', 1)[1].split("</ol>", 1)[0]
    assert 1 <= changes_html.count("<li>") <= 10
    first = Markup(changes_html.split("</li>", 1)[0]).text
    assert "Projet phare passé au statut « En cours »" in first, first
    assert f'<a href="/projets-phares/{SAMPLE_FLAGSHIP}">{SAMPLE_FLAGSHIP} ' in changes_html
    assert "/api/" not in changes_html


def test_an_engagement_lists_its_axes_and_their_actions(client: TestClient, sample: Tokens) -> None:
    html = client.get("/engagements/E2").text
    markup = Markup(html)
    engagement = client.get("/api/v1/engagements/E2").json()
    for axis in engagement["axes"]:
        assert markup.all("h2", id=f"axe-{axis['code']}", tabindex="-1")
        assert f"<caption>Actions de l'axe {axis['code']}" in html
    assert action_codes(client, "/engagements/E2") == [
        *api_codes(client, engagement="E2"),
        *[f["code"] for f in engagement["flagship_projects"]],
    ]
    row = html.split(f'<td class="code">{SAMPLE_ACTION}</td>', 1)[1].split("</tr>", 1)[0]
    assert "En cours" in row  # the status as text
    assert SAMPLE_DIRECTORATE[1] in row  # the lead directorate by name
    assert "35 %" in row.replace("\u202f", " ")  # the latest progress
    assert "Faire face collectivement" in h1_of(client, "/engagements/E2")


def test_an_action_page_shows_everything_tracked(
    client: TestClient, sample: Tokens, db_url: str
) -> None:
    # An editor writes too: the page shows its role and directorate, never the token's name.
    with make.session_on(db_url) as session:
        eco = make.directorate(session, code="ECO", name="Direction de l'économie")
        eco_action = make.action(session, lead=eco).code
        eco_editor = make.token(session, directorates=[eco], name="eco-editor")
        session.commit()
    # (A change of the action: an editor's yearly report would wait for validation, unshown.)
    response = client.patch(
        f"/api/v1/actions/{eco_action}", json={"status": "in_progress"}, headers=auth(eco_editor)
    )
    assert response.status_code == 200, response.text
    markup = get_page(client, f"/actions/{SAMPLE_ACTION}")
    text = markup.text.replace("\u202f", " ")
    for expected in (
        "Produire localement la moitié de l'énergie consommée.",
        "50 % d'autonomie en 2044.",
        SAMPLE_DIRECTORATE[1],
        "ADEME, Région Hauts-de-France",
        "Abscon, Bouchain",
        "Le bien-être et le bien vivre",
        "1er janvier 2024",
        "31 décembre 2044",
        "Haute",
        "Schéma directeur des énergies",
        "Premier parc solaire",
        "Atteint",
        "prévu le 30 juin 2024",
        "Bilan 2025",
        "150 000 €",
        "Autonomie énergétique du territoire",
        "Historique des modifications",
        "Bilan annuel E2.3.2/2025",
        "administration",
        "Projets phares qui la servent",
    ):
        assert expected in text, expected
    assert markup.all("a", href=f"/projets-phares/{SAMPLE_FLAGSHIP}")
    assert markup.all("a", href=f"/indicateurs/{ENERGY}")
    assert markup.all("ol", class_="timeline")
    assert "admin" not in re.findall(
        r"<td>([^<]*)</td>", client.get(f"/actions/{SAMPLE_ACTION}").text
    )
    eco_page = client.get(f"/actions/{eco_action}").text
    assert "direction pilote (ECO)" in eco_page
    assert "eco-editor" not in eco_page
    # The breadcrumb leads back up the tree.
    assert markup.all("nav", **{"aria-label": "Fil d'Ariane"}, class_="breadcrumb")
    assert markup.all("a", href="/engagements/E2#axe-E2.3")


def test_a_flagship_project_page_shows_the_actions_it_serves(
    client: TestClient, sample: Tokens
) -> None:
    html = client.get(f"/projets-phares/{SAMPLE_FLAGSHIP}").text
    assert action_codes(client, f"/projets-phares/{SAMPLE_FLAGSHIP}") == [SAMPLE_ACTION]
    assert "Actions servies" in html
    assert "Avancement des actions servies" in html
    assert SAMPLE_DIRECTORATE[1] in html
    assert "Aucun bilan annuel pour l'instant" in Markup(html).text  # none of its own


def test_indicator_pages_give_the_trajectory_in_words(
    client: TestClient, sample: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    indicator = client.get(f"/api/v1/indicators/{ENERGY}").json()
    trajectory = indicator["trajectory"]
    listing = client.get("/indicateurs").text
    assert f'href="/indicateurs/{ENERGY}"' in listing
    assert f'href="/actions/{SAMPLE_ACTION}"' in listing  # what it measures
    page = client.get(f"/indicateurs/{ENERGY}").text
    label = {
        "target_achieved": "Cible atteinte",
        "on_track": "En bonne voie",
        "acceleration_needed": "Accélération nécessaire",
        "limited_progress": "Progrès limités",
        "deterioration": "Dégradation",
        "no_data": "Données insuffisantes",
    }[trajectory["trajectory"]]
    for html in (listing, page):
        assert f'badge trajectory--{trajectory["trajectory"]}">{label}</span>' in html
    text = Markup(page).text.replace("\u202f", " ")
    assert "Dernière valeur : 17 % en 2025." in text
    assert "Cible : 30 % en 2030." in text
    assert trajectory["explanation"] not in text  # the API's, in English
    assert "Détail du calcul : De " in text and " par an, quand il faudrait " in text
    assert "Observatoire régional de l'énergie" in text
    assert "provisoire" in text and "définitive" in text


def test_directorates_and_communes_pages(client: TestClient, sample: Tokens) -> None:
    directorates = client.get("/api/v1/dashboard/directorates").json()
    html = client.get("/directions").text
    for d in directorates:
        assert d["name"].replace("'", "&#39;") in html
    assert f'href="/actions?directorate={SAMPLE_DIRECTORATE[0]}"' in html
    communes = client.get("/api/v1/dashboard/communes").json()
    assert len(communes) == 47
    page = client.get("/communes").text
    rows = re.findall(r'<td class="code">(\d[\dAB]\d{3})</td>', page)
    assert rows == [c["insee_code"] for c in communes]
    table = page.split('id="tableau"', 1)[1]
    bouchain = table.split(">Bouchain</a></th>", 1)[1].split("</tr>", 1)[0]
    named = next(c for c in communes if c["insee_code"] == "59092")
    assert named["direct"] == 1
    assert 'href="/actions?commune=59092"' in bouchain
    assert f'<td class="number">{named["total"]}</td>' in bouchain


def test_the_open_data_page_links_every_file(client: TestClient) -> None:
    index = client.get("/api/v1/open-data").json()
    markup = get_page(client, "/donnees-ouvertes")
    hrefs = {a["href"] for a in markup.all("a") if a.get("href", "").startswith("/api/v1/open")}
    expected = {urlsplit(r[kind]).path for r in index["resources"] for kind in ("csv", "json")}
    expected |= {urlsplit(index[key]).path for key in ("datapackage", "tree")}
    assert expected <= hrefs
    assert len(index["resources"]) >= 14
    assert "etalab-2.0" in markup.text and "Licence Ouverte" in markup.text
    for href in sorted(hrefs)[:4]:
        assert client.get(href).status_code == 200, href


# --- Charts -------------------------------------------------------------------------------------


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg class=\"chart[^>]*>.*?</svg>", html, re.S)


def test_charts_are_drawn_from_what_the_api_wrote(client: TestClient, keys: Tokens) -> None:
    before = client.get(f"/actions/{SAMPLE_ACTION}").text
    [progress_svg, indicator_svg] = svgs(before)
    for svg in (progress_svg, indicator_svg):
        assert 'role="img"' in svg
        assert re.search(r'<title id="[^"]+">[^<]+</title>', svg)
    assert 'data-points="0"' in progress_svg
    assert 'class="bar"' not in progress_svg
    assert "aucun bilan annuel" in progress_svg
    assert 'data-points="0"' in indicator_svg and 'data-targets="1"' in indicator_svg

    write_sample(client, keys.admin)
    after = client.get(f"/actions/{SAMPLE_ACTION}").text
    [progress_svg, indicator_svg] = svgs(after)
    assert 'data-points="2"' in progress_svg
    assert progress_svg.count('<rect class="bar"') == 2
    widths = [float(w) for w in re.findall(r'class="bar"[^>]* width="([\d.]+)"', progress_svg)]
    assert widths[0] > 0 and widths[1] > widths[0]  # 20 % then 35 % (horizontal bars)
    title = re.search(r"<title[^>]*>([^<]+)</title>", progress_svg)
    assert title and "2024 : 20\u202f% ; 2025 : 35\u202f%" in title.group(1)
    assert 'data-points="2"' in indicator_svg and 'data-targets="2"' in indicator_svg
    assert indicator_svg.count('<circle class="point') == 2
    assert 'class="point point--provisional"' in indicator_svg
    assert '<polyline class="target-line"' in indicator_svg
    assert '<polyline class="observed-line"' in indicator_svg
    # The data again, as tables.
    assert after.count('<details class="chart-data"><summary>Données du graphique</summary>') == 2
    assert '<th scope="row">2025</th><td>35\u202f%</td>' in after
    assert "valeur observée (provisoire)" in after
    indicator_page = client.get(f"/indicateurs/{ENERGY}").text
    assert len(svgs(indicator_page)) == 1
    assert 'data-points="2"' in svgs(indicator_page)[0]


def test_chart_text_is_escaped_and_empty_charts_say_so() -> None:
    chart = charts.progress_chart(
        "x", "<script>alert(1)</script>", [(2025, 50.0)], first_year=2024, last_year=2026
    )
    assert "<script>" not in chart
    assert "&lt;script&gt;" in chart
    assert chart.count('<rect class="bar"') == 1
    assert 'aria-labelledby="x-title x-desc"' in chart
    assert charts.nice_ticks(0, 50) == [0, 20, 40, 60]
    assert charts.nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1]
    assert charts.nice_ticks(0, 17) == [0, 5, 10, 15, 20]
    assert charts.nice_ticks(-3, 7) == [-5, -2.5, 0, 2.5, 5, 7.5]
    assert charts.nice_ticks(12, 12) == [12, 12.25, 12.5, 12.75, 13]


# --- Demo mode ----------------------------------------------------------------------------------


@pytest.fixture
def demo_client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=db_url, demo=True))) as client:
        yield client


def test_demo_mode_shows_a_banner_on_every_page(demo_client: TestClient) -> None:
    for path, _ in [*PAGES.values(), ("/actions/E9.9.9", "")]:
        response = demo_client.get(path)
        assert response.status_code in (200, 404)
        header = response.text.split("<header", 1)[1].split("</header>", 1)[0]
        assert "Données fictives de démonstration" in header, path


def test_demo_mode_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOUSSOLE_DEMO", "1")
    assert Settings().demo is True
    monkeypatch.setenv("BOUSSOLE_DEMO", "0")
    assert Settings().demo is False
    monkeypatch.delenv("BOUSSOLE_DEMO")
    assert Settings().demo is False
