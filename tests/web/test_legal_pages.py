"""The pages a French public body must publish (issue 18, item 6): the accessibility statement
(RGAA), the legal notice and the contact page, from the settings; linked from every page's
footer; accessible (axe-core) and without sideways scrolling at 390 and 1280 px in Chromium."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from pydantic import ValidationError

from app.auth import sessions
from app.core.config import Settings
from app.core.security import SESSION_COOKIE
from app.main import create_app
from app.models import Role
from app.web import legal
from tests import factories as make
from tests.web.conftest import blocking_violations
from tests.web.test_browser import screenshot
from tests.web.test_citizen_fixes import sideways_overflow
from tests.web.test_docs_offline import server
from tests.web.test_web import ORGANISATION, PAGES, Markup, get_page

#: The seeded service of tests/web/test_docs_offline.py.
__all__ = ["server"]

LEGAL_PAGES = {
    "/accessibilite": "Déclaration d'accessibilité",
    "/mentions-legales": "Mentions légales",
    "/contact": "Contact",
}

#: An installation that filled in every setting of the legal pages.
FILLED: dict[str, Any] = {
    "publisher_name": "Communauté d'agglomération de La Porte du Hainaut",
    "publisher_address": "Site minier d'Arenberg, rue Michel Rondet, 59135 Wallers",
    "publication_director": "Le président de la communauté d'agglomération",
    "hosting_provider": "Hébergeur Exemple SAS",
    "hosting_address": "1 rue de l'Exemple, 59000 Lille",
    "hosting_phone": "03 20 00 00 00",
    "contact_email": "contact@example.org",
    "contact_phone": "03 27 00 00 00",
    "accessibility_status": "partiellement_conforme",
    "accessibility_audit_date": date(2026, 3, 15),
    "accessibility_audit_rate": 62.5,
    "accessibility_audited_by": "Cabinet Audit Exemple",
    "accessibility_statement_date": date(2026, 4, 1),
}


@pytest.fixture
def filled(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    statement = tmp_path / "accessibilite.md"
    statement.write_text(
        "# Non-conformités\n\n"
        "- La carte des communes n'a pas d'alternative sonore.\n"
        "- Certains graphiques manquent de contraste.\n\n"
        "<script>alert(1)</script>\n\n"
        "## Dérogations\n\nAucune.\n",
        encoding="utf-8",
    )
    settings = Settings(database_url=db_url, accessibility_file=statement, **FILLED)
    with TestClient(create_app(settings)) as client:
        yield client


def main_text(client: TestClient, path: str) -> str:
    html = client.get(path).text
    return Markup(html.split("<main", 1)[1].split("</main>", 1)[0]).text.replace("\u202f", " ")


# --- Linked from every page ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_links_the_legal_pages_in_its_footer(client: TestClient, name: str) -> None:
    html = client.get(PAGES[name][0]).text
    footer = Markup(html.split("<footer", 1)[1])
    for path in LEGAL_PAGES:
        assert footer.all("a", href=path), path
    # The RGAA asks for the conformity status where the statement is linked.
    assert "Accessibilité : non conforme" in footer.text


def test_the_footer_marks_the_legal_page_shown(client: TestClient) -> None:
    for path, heading in LEGAL_PAGES.items():
        markup = get_page(client, path)
        assert markup.all("a", href=path, **{"aria-current": "page"}), path
        assert markup.all("h1") and heading in markup.text


# --- As installed, nothing filled in ------------------------------------------------------------


def test_the_accessibility_statement_by_default(client: TestClient) -> None:
    text = main_text(client, "/accessibilite")
    assert f"{ORGANISATION} s'engage à rendre ses sites internet" in text
    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in text
    assert "Ce site est non conforme avec le référentiel général d'amélioration de " in text
    assert "Aucun audit de conformité n'a encore été réalisé." in text
    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration d'accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert heading in text, heading
    # The recourse, as the RGAA's model statement gives it.
    markup = get_page(client, "/accessibilite")
    assert markup.all("a", href="https://formulaire.defenseurdesdroits.fr/")
    assert markup.all("a", href="https://www.defenseurdesdroits.fr/saisir/delegues")
    assert "09 69 39 00 00" in text
    html = client.get("/accessibilite").text
    assert "Défenseur des droits<br>Libre réponse 71120<br>75342 Paris CEDEX 07" in html
    # What the operator must fill in is said, with its setting.
    assert "à renseigner par l'exploitant du site (BOUSSOLE_CONTACT_EMAIL)" in text
    assert "(BOUSSOLE_ACCESSIBILITY_STATEMENT_DATE)" in text


def test_the_legal_notice_and_contact_by_default(client: TestClient) -> None:
    text = main_text(client, "/mentions-legales")
    assert ORGANISATION in text and "SIREN : 200042190" in text
    for variable in (
        "BOUSSOLE_PUBLISHER_ADDRESS",
        "BOUSSOLE_PUBLICATION_DIRECTOR",
        "BOUSSOLE_HOSTING_PROVIDER",
        "BOUSSOLE_HOSTING_ADDRESS",
        "BOUSSOLE_HOSTING_PHONE",
        "BOUSSOLE_CONTACT_EMAIL",
    ):
        assert f"à renseigner par l'exploitant du site ({variable})" in text, variable
    contact = main_text(client, "/contact")
    assert "(BOUSSOLE_CONTACT_EMAIL)" in contact and "(BOUSSOLE_PUBLISHER_ADDRESS)" in contact
    assert "mailto:" not in client.get("/contact").text


# --- Filled in by the installer -----------------------------------------------------------------


def test_the_statement_says_what_the_settings_and_the_file_say(filled: TestClient) -> None:
    text = main_text(filled, "/accessibilite")
    assert "Ce site est partiellement conforme avec le référentiel" in text
    assert (
        "L'audit de conformité réalisé le 15 mars 2026 par Cabinet Audit Exemple révèle que "
        "62,5 % des critères du RGAA version 4.1.2 sont respectés." in text
    )
    assert "Cette déclaration a été établie le 1er avril 2026." in text
    assert "à renseigner" not in text
    html = filled.get("/accessibilite").text
    # The installer's Markdown, its headings under the page's own, raw HTML never run.
    assert "<h3>Non-conformités</h3>" in html and "<h4>Dérogations</h4>" in html
    assert "<li>La carte des communes n'a pas d'alternative sonore.</li>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "En l'absence d'audit" not in text  # the default text, replaced
    assert '<a href="mailto:contact@example.org">contact@example.org</a>' in html
    footer = Markup(html.split("<footer", 1)[1]).text
    assert "Accessibilité : partiellement conforme" in footer


def test_the_legal_notice_and_contact_say_the_settings(filled: TestClient) -> None:
    text = main_text(filled, "/mentions-legales")
    for name in (
        "publisher_address",
        "publication_director",
        "hosting_provider",
        "hosting_address",
        "hosting_phone",
        "contact_email",
        "contact_phone",
    ):
        assert FILLED[name] in text, name
    assert "à renseigner" not in text
    contact = main_text(filled, "/contact")
    assert FILLED["contact_email"] in contact and FILLED["publisher_address"] in contact
    assert FILLED["contact_phone"] in contact


def test_an_edit_of_the_file_shows_at_once(db_url: str, tmp_path: Path) -> None:
    statement = tmp_path / "a11y.md"
    statement.write_text("Première version.\n", encoding="utf-8")
    with TestClient(create_app(Settings(database_url=db_url, accessibility_file=statement))) as c:
        assert "Première version." in main_text(c, "/accessibilite")
        statement.write_text("Seconde version.\n", encoding="utf-8")
        assert "Seconde version." in main_text(c, "/accessibilite")
        statement.unlink()  # gone since start-up: the default text, never a 500
        response = c.get("/accessibilite")
        assert response.status_code == 200 and "Non-conformités" in response.text


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"accessibility_status": "conforme"}, "accessibility_status"),
        ({"accessibility_audit_rate": 120}, "accessibility_audit_rate"),
        ({"accessibility_audit_date": "15/03/2026"}, "accessibility_audit_date"),
        ({"accessibility_file": "/nonexistent/a11y.md"}, "accessibility_file"),
    ],
)
def test_bad_settings_are_refused_at_start(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(**values)
    assert [error["loc"] for error in raised.value.errors()] == [(field,)]


# --- The admin overview lists what is left to fill in -------------------------------------------


def admin_overview(db_url: str, settings: Settings) -> str:
    with make.session_on(db_url) as session:
        admin = make.account(session, role=Role.admin, email="admin@example.org")
        raw = sessions.start(session=session, account=admin)
        session.commit()
    with TestClient(create_app(settings)) as client:
        client.cookies.set(SESSION_COOKIE, raw)
        response = client.get("/admin/")
        assert response.status_code == 200, response.text[:300]
        return response.text


def test_the_admin_overview_lists_the_settings_left_to_fill_in(db_url: str) -> None:
    html = admin_overview(db_url, Settings(database_url=db_url))
    section = html.split('id="pages-legales"', 1)[1].split("</section>", 1)[0]
    for unset in legal.unset_settings(Settings(database_url=db_url)):
        assert f"<code>{unset.variable}</code>" in section
    assert "<code>BOUSSOLE_PUBLISHER_ADDRESS</code>" in section


def test_a_filled_in_installation_has_nothing_left(db_url: str) -> None:
    settings = Settings(database_url=db_url, **FILLED)
    assert legal.unset_settings(settings) == []
    assert 'id="pages-legales"' not in admin_overview(db_url, settings)


# --- In a browser -------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [390, 1280])
def test_the_legal_pages_are_accessible_and_fit_the_screen(
    browser: Browser, server: str, axe_script: Path, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 844},
        is_mobile=width < 600,
        locale="fr-FR",
        bypass_csp=True,
    )
    try:
        page = context.new_page()
        for path in LEGAL_PAGES:
            response = page.goto(server + path)
            assert response is not None and response.status == 200
            assert sideways_overflow(page) <= 1, (path, width)
            assert blocking_violations(page, axe_script) == [], path
            # The footer's links are reachable and lead to the pages.
            assert page.locator(f'footer a[href="{path}"]').is_visible()
            screenshot(page, f"{path.strip('/')}-{width}")
    finally:
        context.close()
