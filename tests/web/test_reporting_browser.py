"""The reporting campaign in a real browser (Debian's Chromium through Playwright, as
tests/web/test_admin_browser.py) against the service started by uvicorn, on the data of
tests/web/reporting_data.py:

- the walk: the admin opens the 2025 campaign; the editor of ENV fills a report by the form (a
  milestone reached, a new one, the indicator's value), is refused a progress of 120 %, saves a
  draft, submits; the admin sends it back with a comment; the editor corrects and submits again;
  the admin validates it, the public page of the action shows it, and the admin closes the
  campaign; two tabs saving the same report meet the page showing both versions;
- axe-core reports no violation, whatever its impact, on each of these pages;
- at a phone's width (390 px) none of them scrolls sideways.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from app.campaigns import pending
from app.models import Status, Trackable
from app.models.campaigns import PendingReportInput
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import FACTORY_ACTOR, PASSWORD, session_on
from tests.web.conftest import served
from tests.web.reporting_data import (
    ADMIN,
    EDITOR,
    YEAR,
    Codes,
    build,
    codes,
    read_codes,
    with_campaign,
)
from tests.web.test_admin_browser import (
    _fits,
    admin_menu,
    confirmation,
    no_violation,
    sign_in,
    sign_out,
)


@dataclass(frozen=True)
class Running:
    url: str
    codes: Codes


def _serve(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
    *,
    campaign: bool,
) -> Iterator[Running]:
    """The service on the reporting data; with ``campaign``, the 2025 campaign open and the
    flagship project's report submitted."""
    url = databases.clone(seeded_template)
    build(url)
    if campaign:
        with_campaign(url)
        with session_on(url) as session:
            flagship = read_codes(session).flagship
            trackable = session.exec(select(Trackable).where(col(Trackable.code) == flagship)).one()
            pending.save(
                session=session,
                actor=FACTORY_ACTOR,
                trackable=trackable,
                year=YEAR,
                data=PendingReportInput(progress=10, status=Status.in_progress, comment="Lancé."),
                if_match=None,
                submit=True,
            )
            session.commit()
    try:
        with served(url, tmp_path_factory) as api:
            yield Running(api.url, codes(url))
    finally:
        databases.drop(url)


@pytest.fixture(scope="module")
def running(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Running]:
    """The service with no campaign yet: the admin opens it."""
    yield from _serve(databases, seeded_template, tmp_path_factory, campaign=False)


@pytest.fixture(scope="module")
def under_way(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Running]:
    """The service with the 2025 campaign open."""
    yield from _serve(databases, seeded_template, tmp_path_factory, campaign=True)


def test_the_whole_campaign_in_the_browser(page: Page, running: Running, axe_script: Path) -> None:
    server, code = running.url, running.codes.action
    form_path = f"{server}/mes-actions/2025/bilan/{code}"

    # The admin opens the 2025 campaign.
    sign_in(page, server, ADMIN, PASSWORD)
    page.goto(f"{server}/admin/")
    admin_menu(page, "Campagnes de bilan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Campagnes de bilan")
    no_violation(page, axe_script)
    page.get_by_label("Année du bilan").fill("2025")
    page.get_by_label("Date limite").fill("2026-03-31")
    page.get_by_label("Message aux directions (facultatif)").fill("Merci de remplir vos bilans.")
    page.get_by_role("button", name="Ouvrir la campagne").click()
    page.wait_for_url(f"{server}/admin/campagnes/2025?fait=ouverte")
    assert confirmation(page).startswith("La campagne est ouverte")
    no_violation(page, axe_script)
    sign_out(page, server)

    # The editor of ENV fills the report of the action by the form.
    sign_in(page, server, EDITOR, PASSWORD)
    page.wait_for_url(f"{server}/mes-actions")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan 2025")
    expect(page.get_by_role("main")).to_contain_text("Merci de remplir vos bilans.")
    no_violation(page, axe_script)
    page.get_by_role("link", name="Rénover les écoles").click()
    page.wait_for_url(form_path)
    no_violation(page, axe_script)
    page.get_by_label("Statut").select_option(label="En cours")
    page.get_by_label("Avancement (en %)").fill("120")
    page.get_by_label("Commentaire").fill("Deux écoles rénovées en 2025.")
    page.get_by_label("Budget prévu — investissement").fill("120 000")
    first = page.get_by_role("group", name="Jalon 1 : Études lancées")
    first.get_by_label("Date atteinte").fill("2025-03-15")
    first.get_by_label("Fait").check()
    new = page.get_by_role("group", name="Nouveau jalon (ligne 3)")
    new.get_by_label("Titre").fill("Réception des travaux")
    new.get_by_label("Date prévue").fill("2026-06-30")
    page.get_by_label("IND-ECOLES — Écoles rénovées (écoles)").fill("5")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_load_state()
    # Refused: the summary links to the field, the message is next to it, the rest is kept.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Rien n'a été enregistré : un champ est à corriger.")
    expect(page.locator("#progress-erreur")).to_have_text(
        "L'avancement ne peut pas dépasser 100 %."
    )
    expect(page.get_by_label("Commentaire")).to_have_value("Deux écoles rénovées en 2025.")
    no_violation(page, axe_script)
    summary.get_by_role("link").click()
    assert page.evaluate("() => document.activeElement.id") == "progress"
    page.keyboard.press("Control+A")
    page.keyboard.type("45")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_url(f"{form_path}?fait=brouillon")
    assert confirmation(page).startswith("Brouillon enregistré")
    expect(page.get_by_role("main")).to_contain_text("Brouillon")
    no_violation(page, axe_script)
    page.get_by_role("button", name="Transmettre", exact=True).click()
    page.wait_for_url(re.compile(r".*/mes-actions\?fait=transmis&bilan=.*"))
    assert confirmation(page) == f"Le bilan {code} a été transmis à l'équipe de pilotage."
    row = page.get_by_role("row").filter(has_text="Rénover les écoles")
    expect(row).to_contain_text("Transmis")
    no_violation(page, axe_script)
    sign_out(page, server)

    # The admin sends it back.
    sign_in(page, server, ADMIN, PASSWORD)
    page.goto(f"{server}/admin/campagnes/2025")
    no_violation(page, axe_script)
    page.get_by_role("link", name=f"Examiner le bilan de {code}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Bilan 2025 de {code}")
    expect(page.get_by_role("main")).to_contain_text("Deux écoles rénovées en 2025.")
    no_violation(page, axe_script)
    page.get_by_label("Ce qu'il faut corriger").fill("Précisez le budget dépensé.")
    page.get_by_role("button", name="Renvoyer").click()
    page.wait_for_url(re.compile(r".*fait=renvoye.*"))
    assert confirmation(page) == f"Le bilan {code} a été renvoyé à sa direction pour correction."
    page.goto(f"{server}/mes-actions?direction=ENV")  # the admins' view, filtered
    expect(page.get_by_role("main")).to_contain_text("Renvoyé pour correction")
    no_violation(page, axe_script)
    sign_out(page, server)

    # The editor reads the comment, corrects and submits again.
    sign_in(page, server, EDITOR, PASSWORD)
    expect(page.get_by_role("main")).to_contain_text("Précisez le budget dépensé.")
    page.get_by_role("link", name="Rénover les écoles").click()
    expect(page.get_by_role("main")).to_contain_text("Renvoyé pour correction")
    page.get_by_label("Budget dépensé — investissement").fill("80 000")
    page.get_by_role("button", name="Transmettre", exact=True).click()
    page.wait_for_url(re.compile(r".*fait=transmis.*"))
    sign_out(page, server)

    # The admin validates: the action's public page shows the report; then closes the campaign.
    sign_in(page, server, ADMIN, PASSWORD)
    page.goto(f"{server}/admin/campagnes/2025/bilans/{code}")
    page.get_by_role("button", name="Valider et publier").click()
    page.wait_for_url(re.compile(r".*fait=valide.*"))
    assert confirmation(page) == f"Le bilan {code} a été validé et publié."
    page.goto(f"{server}/actions/{code}")
    expect(page.get_by_role("main")).to_contain_text("Deux écoles rénovées en 2025.")
    page.goto(f"{server}/admin/campagnes/2025")
    page.get_by_label("Je confirme la clôture de la campagne 2025").check()
    page.get_by_role("button", name="Clôturer la campagne 2025").click()
    page.wait_for_url(f"{server}/admin/campagnes/2025?fait=close")
    assert confirmation(page) == "La campagne 2025 est close : 1 bilan publié est figé."
    no_violation(page, axe_script)
    sign_out(page, server)


def test_two_tabs_saving_the_same_report_meet_both_versions(
    browser: Browser, under_way: Running, axe_script: Path
) -> None:
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    try:
        first, second = context.new_page(), context.new_page()
        sign_in(first, under_way.url, EDITOR, PASSWORD)
        form = f"{under_way.url}/mes-actions/2025/bilan/{under_way.codes.action}"
        for tab in (first, second):
            tab.goto(form)
        first.get_by_label("Commentaire").fill("Version du premier onglet.")
        first.get_by_role("button", name="Enregistrer le brouillon").click()
        first.wait_for_url(f"{form}?fait=brouillon")
        second.get_by_label("Commentaire").fill("Version du second onglet.")
        second.get_by_label("Avancement (en %)").fill("55")
        second.get_by_role("button", name="Enregistrer le brouillon").click()
        second.wait_for_load_state()
        expect(second.get_by_role("heading", level=2).first).to_have_text(
            "Ce bilan a été enregistré par quelqu'un d'autre pendant que vous le remplissiez"
        )
        theirs = second.get_by_role("region", name="La version enregistrée entre-temps")
        expect(theirs).to_contain_text("Version du premier onglet.")
        expect(second.get_by_label("Commentaire")).to_have_value("Version du second onglet.")
        expect(second.get_by_label("Avancement (en %)")).to_have_value("55")
        no_violation(second, axe_script)
        # Saving again replaces theirs, knowingly.
        second.get_by_role("button", name="Enregistrer le brouillon").click()
        second.wait_for_url(f"{form}?fait=brouillon")
        expect(second.get_by_label("Commentaire")).to_have_value("Version du second onglet.")
    finally:
        context.close()


def test_a_phone_sees_the_campaign_pages_without_scrolling_sideways(
    browser: Browser, under_way: Running
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR"
    )
    server, known = under_way.url, under_way.codes
    try:
        page = context.new_page()
        sign_in(page, server, EDITOR, PASSWORD)
        for path in ("/mes-actions", f"/mes-actions/2025/bilan/{known.action}"):
            page.goto(server + path)
            _fits(page)
        page.get_by_label("Avancement (en %)").fill("120")
        page.get_by_label("Commentaire").fill("x" * 400)
        page.get_by_role("button", name="Transmettre", exact=True).click()
        page.wait_for_load_state()
        expect(page.locator("#progress-erreur")).to_be_visible()
        _fits(page)  # a refused form
        sign_out(page, server)
        sign_in(page, server, ADMIN, PASSWORD)
        for path in (
            "/admin/campagnes",
            "/admin/campagnes/2025",
            f"/admin/campagnes/2025/bilans/{known.flagship}",
            "/mes-actions",
        ):
            page.goto(server + path)
            _fits(page)
    finally:
        context.close()
