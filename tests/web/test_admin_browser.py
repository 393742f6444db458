"""The admin pages in a real browser (Debian's Chromium through Playwright, as
tests/web/test_browser.py) against the service started by uvicorn, on the seeded plan:

- the issue's "done when": an admin signs in with a password, creates two directorates (the first
  with the keyboard alone: Tab, typing, Enter), invites an editor and reads the link shown once,
  assigns three actions to a directorate with the bulk form (its rows ticked and the form sent
  with Tab and Space), makes an API token; the editor
  follows the invitation, chooses a password, is signed in, signs out, signs in again with the
  password and signs out;
- axe-core reports no violation, whatever its impact, on every admin page, the pages showing a
  secret once and a refused form;
- at a phone's width (375 px) no admin page scrolls sideways.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.models import Role
from tests import factories as make
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import session_on
from tests.web.conftest import axe_violations, served, tab_to

ADMIN = "pilotage@caph.fr"
INVITED = "ines@caph.fr"
INVITED_PASSWORD = "le beffroi de valenciennes"


@pytest.fixture(scope="module")
def server(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The service on a copy of the seeded plan with one admin (Paule Pilote), who has a
    password; nothing else of the organisation is set up."""
    url = databases.clone(seeded_template)
    with session_on(url) as session:
        make.account(session, email=ADMIN, display_name="Paule Pilote", role=Role.admin)
        session.commit()
    try:
        with served(url, tmp_path_factory) as api:
            yield api.url
    finally:
        databases.drop(url)


def no_violation(page: Page, axe_script: Path) -> None:
    """axe-core finds nothing on the page, whatever the impact."""
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in axe_violations(page, axe_script)
    ]
    assert found == [], f"{page.url}\n" + "\n".join(found)


def sign_in(page: Page, server: str, email: str, password: str) -> None:
    page.goto(f"{server}/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def sign_out(page: Page, server: str) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{server}/")
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


def admin_menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Administration").get_by_role("link", name=name).click()
    page.wait_for_load_state()


def confirmation(page: Page) -> str:
    return page.get_by_role("status").filter(has=page.locator("p")).first.inner_text()


def test_an_admin_sets_caph_up_and_the_invited_editor_signs_in(
    page: Page, server: str, axe_script: Path
) -> None:
    sign_in(page, server, ADMIN, make.PASSWORD)
    page.wait_for_url(f"{server}/")
    expect(page.get_by_role("banner")).to_contain_text("Connecté·e : Paule Pilote")
    page.get_by_role("banner").get_by_role("link", name="Administration").click()
    page.wait_for_url(f"{server}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    no_violation(page, axe_script)

    # Two directorates; the first with the keyboard alone.
    admin_menu(page, "Directions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Directions")
    no_violation(page, axe_script)
    tab_to(page, "code")  # from the top of the page, with the keyboard alone
    page.keyboard.type("ENV")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "name"
    page.keyboard.type("Direction de l'environnement")
    tab_to(page, "Créer la direction")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/admin/directions\?fait=creee&direction=ENV$"))
    assert confirmation(page) == "La direction ENV a été créée."
    page.get_by_label("Code").fill("DEV")
    page.get_by_label("Nom").fill("Direction du développement économique")
    page.get_by_role("button", name="Créer la direction").click()
    page.wait_for_url(re.compile(r".*direction=DEV$"))
    table = page.get_by_role("region", name="Liste des directions")
    expect(table.get_by_role("row")).to_have_count(3)  # the heading and two directorates
    no_violation(page, axe_script)
    # A refused form: its message next to the field.
    page.get_by_label("Code").fill("ENV")
    page.get_by_label("Nom").fill("Doublon")
    page.get_by_role("button", name="Créer la direction").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#code-erreur")).to_have_text("Le code « ENV » est déjà pris.")
    no_violation(page, axe_script)
    table.get_by_role("link", name="ENV").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Direction ENV")
    no_violation(page, axe_script)

    # Invite an editor of ENV: the link is shown once.
    admin_menu(page, "Comptes")
    no_violation(page, axe_script)
    page.get_by_label("Adresse électronique").fill(INVITED)
    page.get_by_label("Nom affiché").fill("Inès Vitée")
    page.get_by_label("Direction de l'environnement (ENV)").check()
    page.get_by_role("button", name="Inviter").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation de Inès Vitée")
    link = page.get_by_label("Lien d'invitation (affiché une seule fois)").input_value()
    assert link.startswith(f"{server}/invitation/")
    no_violation(page, axe_script)
    page.get_by_role("link", name="Voir le compte").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inès Vitée")
    no_violation(page, axe_script)

    # Three actions of the first engagement given to ENV, in one form.
    admin_menu(page, "Pilotage des actions")
    no_violation(page, axe_script)
    page.get_by_label("Engagement").select_option("E1")
    page.get_by_label("Direction pilote", exact=True).first.select_option("aucune")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r".*/admin/pilotage\?engagement=E1&direction=aucune$"))
    boxes = page.locator('input[name="codes"]')
    codes = [boxes.nth(n).get_attribute("value") for n in range(3)]
    for row in range(1, 4):  # ticked with Tab and Space
        tab_to(page, f"ligne-{row}")
        page.keyboard.press("Space")
    for code in codes:
        expect(page.get_by_label(f"Choisir {code}")).to_be_checked()
    changes = page.get_by_role("group", name="Modifier les lignes cochées")
    changes.get_by_label("Direction pilote").select_option("ENV")
    tab_to(page, "Appliquer aux lignes cochées")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r".*fait=affectees.*nombre=3$"))
    assert confirmation(page) == "3 lignes modifiées."
    # Filtered on "no lead", the three rows have left the table.
    shown = [boxes.nth(n).get_attribute("value") for n in range(boxes.count())]
    assert not set(codes) & set(shown)
    page.goto(f"{server}/admin/pilotage?direction=ENV")
    assert [boxes.nth(n).get_attribute("value") for n in range(boxes.count())] == codes
    no_violation(page, axe_script)

    # A token for a machine, shown once.
    admin_menu(page, "Jetons d'API")
    no_violation(page, axe_script)
    page.get_by_label("Nom", exact=True).fill("suivi-env")
    page.get_by_label("Direction de l'environnement (ENV)").check()
    page.get_by_role("button", name="Créer le jeton").click()
    page.wait_for_load_state()
    token = page.get_by_label("Jeton (affiché une seule fois)").input_value()
    assert token.startswith("bsl_")
    no_violation(page, axe_script)
    sign_out(page, server)

    # The editor follows the link, chooses a password, signs out, signs in again.
    page.goto(link)
    page.get_by_label("Nouveau mot de passe").fill(INVITED_PASSWORD)
    page.get_by_label("Le même mot de passe, une seconde fois").fill(INVITED_PASSWORD)
    page.get_by_role("button", name="Enregistrer mon mot de passe").click()
    page.wait_for_url(f"{server}/mes-actions")
    expect(page.get_by_role("banner")).to_contain_text("Connecté·e : Inès Vitée")
    sign_out(page, server)
    sign_in(page, server, INVITED, INVITED_PASSWORD)
    page.wait_for_url(f"{server}/mes-actions")
    expect(page.get_by_role("banner")).to_contain_text("Connecté·e : Inès Vitée")
    expect(page.get_by_role("banner").get_by_role("link", name="Administration")).to_have_count(0)
    answer = page.goto(f"{server}/admin/")
    assert answer is not None and answer.status == 403
    sign_out(page, server)


def test_a_phone_sees_the_admin_pages_without_scrolling_sideways(
    browser: Browser, server: str
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, locale="fr-FR"
    )
    try:
        page = context.new_page()
        sign_in(page, server, ADMIN, make.PASSWORD)
        pages = [
            "/admin/",
            "/admin/directions",
            "/admin/comptes",
            "/admin/pilotage",
            "/admin/jetons",
        ]
        for path in pages:
            page.goto(server + path)
            _fits(page)
        page.goto(server + "/admin/directions")
        with page.expect_navigation():  # measured on the page the link opens, once it is there
            page.locator("table a").first.click()  # one directorate
        _fits(page)
        page.goto(server + "/admin/comptes")
        with page.expect_navigation():
            page.locator("table a").first.click()  # one account
        _fits(page)
        page.goto(server + "/admin/jetons")
        page.get_by_label("Nom", exact=True).fill("telephone-" + "x" * 60)
        page.get_by_label("Rôle").select_option("admin")
        page.get_by_role("button", name="Créer le jeton").click()
        page.wait_for_load_state()
        expect(page.get_by_label("Jeton (affiché une seule fois)")).to_be_visible()
        _fits(page)  # the page showing a secret once
    finally:
        context.close()


def _fits(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, (page.url, overflow)
