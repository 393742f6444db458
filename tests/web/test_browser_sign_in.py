"""People sign in, in a real browser (Debian's Chromium through Playwright, as
tests/web/test_browser.py) against the service started by uvicorn: an invited editor follows the
link, chooses a password, is signed in and signs out; another signs in with the keyboard alone;
axe-core reports no serious or critical violation on the sign-in, invitation and account pages."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories as make
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import session_on
from tests.web.conftest import blocking_violations, served, tab_to

PASSWORD = "le phare du hainaut"


@dataclass
class Running:
    url: str
    invitation: str  # the path of Inès's invitation link


@pytest.fixture(scope="module")
def running(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Running]:
    """The service on a seeded database with a directorate, an invited editor (Inès Vitée) and an
    editor with a password (Karim Clavier)."""
    url = databases.clone(seeded_template)
    with session_on(url) as session:
        env = make.directorate(session, code="ENV", name="Direction de l'environnement")
        _, token = make.invited_account(
            session, email="ines@caph.fr", display_name="Inès Vitée", directorates=[env]
        )
        make.account(
            session, email="karim@caph.fr", display_name="Karim Clavier", directorates=[env]
        )
        session.commit()
    try:
        with served(url, tmp_path_factory) as api:
            yield Running(api.url, f"/invitation/{token}")
    finally:
        databases.drop(url)


def _no_violation(page: Page, axe_script: Path) -> None:
    blocking = blocking_violations(page, axe_script)
    assert blocking == [], "\n".join(blocking)


def test_an_invited_editor_chooses_a_password_then_signs_out(
    page: Page, running: Running, axe_script: Path
) -> None:
    page.goto(running.url + running.invitation)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir votre mot de passe")
    _no_violation(page, axe_script)
    page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    page.get_by_label("Le même mot de passe, une seconde fois").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer mon mot de passe").click()
    page.wait_for_url(f"{running.url}/mes-actions")
    expect(page.get_by_role("banner")).to_contain_text("Connecté·e : Inès Vitée")
    page.get_by_role("link", name="Mon compte").click()
    page.wait_for_url(f"{running.url}/mon-compte")
    expect(page.get_by_role("main")).to_contain_text("ines@caph.fr")
    _no_violation(page, axe_script)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{running.url}/")
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()
    # The link served once.
    answer = page.goto(running.url + running.invitation)
    assert answer is not None and answer.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien d'invitation non valable")


def test_signing_in_with_the_keyboard_alone(page: Page, running: Running, axe_script: Path) -> None:
    page.goto(running.url + "/connexion")
    _no_violation(page, axe_script)
    tab_to(page, "email")
    page.keyboard.type("karim@caph.fr")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "password"
    page.keyboard.type("pas le bon")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_have_text(
        "Adresse électronique ou mot de passe incorrect."
    )
    _no_violation(page, axe_script)  # the page with its error too
    tab_to(page, "password")  # the e-mail was kept
    page.keyboard.type(make.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{running.url}/mes-actions")
    expect(page.get_by_role("banner")).to_contain_text("Connecté·e : Karim Clavier")
    # Signing out with the keyboard too: Tab to the header's button, Enter.
    tab_to(page, "Se déconnecter")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{running.url}/")
    expect(page.get_by_role("banner")).not_to_contain_text("Karim Clavier")
