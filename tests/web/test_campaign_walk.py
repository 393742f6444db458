"""The whole reporting campaign of issue 17, walked once in a real browser (Debian's Chromium
through Playwright) against the service started by uvicorn, with the reminders mailed by
`boussole campaign remind` (a subprocess) to a real SMTP server on loopback (aiosmtpd):

1. the admin opens the 2025 campaign from /admin/campagnes, its deadline three days away;
2. the editor of ENV fills the three reports ENV leads — one by the form, two in the workbook
   "Télécharger mon tableau" gives (filled with openpyxl, uploaded on the import page, first with
   a mistake: refused, nothing written) — saves them as drafts, submits one from its row and the
   others with "Transmettre tous mes brouillons";
3. `remind`: DEV, which leads two actions and submitted nothing, gets the deadline reminder with
   the link to "Mes actions"; ENV, which submitted everything, only the opening one;
4. the admin sends one report back with a comment and validates the two others; the next
   `remind` mails the report sent back to ENV's editor, and nothing else;
5. the public pages and the open data (progress.json, progress.csv) show exactly the two
   validated reports of 2025;
6. the admin closes the campaign; an admin token's later PATCH changes the public report, and
   the snapshot (JSON and campaign_2025.csv) stays byte for byte what it was;
7. axe-core finds no violation, whatever its impact, on each campaign page visited.
"""

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from app.core.config import PROJECT_ROOT
from app.core.dates import french_day, paris_today
from app.models import Directorate, Role
from tests import factories as make
from tests.campaigns.sheets import edit
from tests.campaigns.smtp_server import Received, SmtpServer, smtp_server
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import PASSWORD, session_on
from tests.web.conftest import served
from tests.web.reporting_data import ADMIN, EDITOR, OTHER, build, read_codes
from tests.web.test_admin_browser import confirmation, no_violation, sign_in, sign_out

#: The issue's 2025 while it is 2026; a year later after that, so that a deadline three days from
#: today stays within the campaign's window (app.campaigns.campaigns: until the end of year + 2).
YEAR = max(2025, paris_today().year - 1)
MAIL_FROM = "Boussole <boussole@caph.fr>"
REMINDER_DAYS = 7
#: Days from today to the deadline the admin sets: within the reminder's window.
DAYS_LEFT = 3
MESSAGE = f"Merci de transmettre vos bilans {YEAR} avant la date limite."
SEND_BACK = "Précisez le budget de fonctionnement du réseau de chaleur."


@dataclass(frozen=True)
class Walk:
    server: str
    db_url: str
    admin_token: str
    action: str  # ENV: by the form
    flagship: str  # ENV: in the workbook, sent back
    hedges: str  # ENV: in the workbook, validated
    dev_actions: tuple[str, str]  # DEV: nothing submitted


@pytest.fixture(scope="module")
def walk(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Walk]:
    """The data of tests/web/reporting_data.py (no campaign yet), with a third action led by
    ENV, a second led by DEV, and an admin's API token; the service on it."""
    url = databases.clone(seeded_template)
    build(url)
    with session_on(url) as session:
        known = read_codes(session)  # before the new actions: it reads one per directorate
        env, dev = (
            session.exec(select(Directorate).where(col(Directorate.code) == code)).one()
            for code in ("ENV", "DEV")
        )
        hedges = make.action(session, lead=env, title="Planter des haies bocagères").code
        second = make.action(session, lead=dev, title="Former les artisans").code
        token = make.token(session, role=Role.admin, name="pilotage-walk")
        session.commit()
    try:
        with served(url, tmp_path_factory) as api:
            yield Walk(
                server=api.url,
                db_url=url,
                admin_token=token,
                action=known.action,
                flagship=known.flagship,
                hedges=hedges,
                dev_actions=(known.dev_action, second),
            )
    finally:
        databases.drop(url)


@pytest.fixture
def api(walk: Walk) -> Iterator[httpx.Client]:
    """An HTTP client of the service's API, anonymous unless a request says otherwise."""
    with httpx.Client(base_url=f"{walk.server}/api/v1", timeout=30) as client:
        yield client


def remind(walk: Walk, smtp: SmtpServer) -> str:
    """`boussole campaign remind`, as the scheduler runs it: its output; it must succeed."""
    environment = {
        **os.environ,
        "BOUSSOLE_DATABASE_URL": walk.db_url,
        "BOUSSOLE_SMTP_URL": smtp.url,
        "BOUSSOLE_MAIL_FROM": MAIL_FROM,
        "BOUSSOLE_PUBLIC_URL": walk.server,
        "BOUSSOLE_REMINDER_DAYS": str(REMINDER_DAYS),
        "BOUSSOLE_LOG_LEVEL": "WARNING",
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "campaign", "remind"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def mails(received: list[Received]) -> list[tuple[str, str]]:
    """(recipient, subject) of each message, sorted."""
    return sorted((", ".join(m.recipients), m.subject) for m in received)


def plain(message: Received) -> str:
    """The plain-text part, its lines ended by "\\n" (a mail's are CRLF)."""
    return message.part("plain").replace("\r\n", "\n")


def year_rows(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """The rows of the progress table of YEAR, by trackable code."""
    return {str(r["trackable_code"]): r for r in rows if str(r["year"]) == str(YEAR)}


def reports_table(page: Page, url: str) -> str:
    """The text of the "Bilans annuels" table of a public page."""
    page.goto(url)
    return page.get_by_role("table", name="Bilans annuels").inner_text()


def test_the_whole_campaign_from_opening_to_the_frozen_snapshot(
    page: Page, walk: Walk, api: httpx.Client, axe_script: Path, tmp_path: Path
) -> None:
    server = walk.server
    deadline = paris_today() + timedelta(days=DAYS_LEFT)

    # 1. The admin opens the 2025 campaign from the list of campaigns.
    sign_in(page, server, ADMIN, PASSWORD)
    page.goto(f"{server}/admin/campagnes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Campagnes de bilan")
    no_violation(page, axe_script)
    page.get_by_label("Année du bilan").fill(str(YEAR))
    page.get_by_label("Date limite").fill(deadline.isoformat())
    page.get_by_label("Message aux directions (facultatif)").fill(MESSAGE)
    page.get_by_role("button", name="Ouvrir la campagne").click()
    page.wait_for_url(f"{server}/admin/campagnes/{YEAR}?fait=ouverte")
    assert confirmation(page).startswith("La campagne est ouverte")
    no_violation(page, axe_script)
    page.goto(f"{server}/admin/campagnes")
    campaigns = page.get_by_role("region", name="Liste des campagnes")
    opened = re.compile(f"^Bilan {YEAR} Ouverte {french_day(deadline)} .* par {ADMIN}$")
    expect(campaigns.get_by_role("row", name=opened)).to_have_count(1)
    sign_out(page, server)

    # 2. The editor of ENV: three reports to do, one filled by the form and saved as a draft.
    sign_in(page, server, EDITOR, PASSWORD)
    page.wait_for_url(f"{server}/mes-actions")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Bilan {YEAR}")
    expect(page.get_by_role("main")).to_contain_text(MESSAGE)
    led = page.get_by_role("table", name=f"Bilans {YEAR}, par code")
    expect(led.get_by_role("row").filter(has_text="À faire")).to_have_count(3)
    no_violation(page, axe_script)
    page.get_by_role("link", name="Rénover les écoles").click()
    page.wait_for_url(f"{server}/mes-actions/{YEAR}/bilan/{walk.action}")
    no_violation(page, axe_script)
    page.get_by_label("Statut").select_option(label="En cours")
    page.get_by_label("Avancement (en %)").fill("45")
    page.get_by_label("Commentaire").fill("Deux écoles rénovées en 2025.")
    page.get_by_label("Budget prévu — investissement").fill("120 000")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_url(f"{server}/mes-actions/{YEAR}/bilan/{walk.action}?fait=brouillon")
    assert confirmation(page).startswith("Brouillon enregistré")
    no_violation(page, axe_script)

    # The two others in the workbook, downloaded through the browser.
    page.goto(f"{server}/mes-actions")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Télécharger mon tableau").click()
    download = caught.value
    assert download.suggested_filename == f"bilan-{YEAR}-ENV.xlsx"
    content = Path(download.path()).read_bytes()
    filled = {
        (walk.flagship, "Statut"): "En cours",
        (walk.flagship, "Avancement (%)"): 15,
        (walk.flagship, "Commentaire"): "Le tracé du réseau de chaleur est arrêté.",
        (walk.hedges, "Statut"): "En cours",
        (walk.hedges, "Avancement (%)"): 130,  # the mistake of the first upload
        (walk.hedges, "Commentaire"): "Douze kilomètres de haies plantés.",
    }
    sheet = tmp_path / f"bilan-{YEAR}-ENV.xlsx"
    sheet.write_bytes(edit(content, filled))
    page.get_by_role("link", name="Importer mon tableau").click()
    page.wait_for_url(f"{server}/mes-actions/{YEAR}/import")
    no_violation(page, axe_script)
    page.get_by_label(f"Votre tableau du bilan {YEAR}").set_input_files(str(sheet))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"1 problème dans « {sheet.name} » : rien n'a été enregistré."
    )
    problems = page.get_by_role("table", name=re.compile("Problèmes du fichier"))
    expect(problems.get_by_role("row")).to_have_count(2)
    expect(problems).to_contain_text("« 130 » : attendu un avancement en %, de 0 à 100")
    no_violation(page, axe_script)
    sheet.write_bytes(edit(content, filled | {(walk.hedges, "Avancement (%)"): 60}))
    page.get_by_label(f"Votre tableau du bilan {YEAR}").set_input_files(str(sheet))
    page.get_by_role("button", name="Importer").click()
    # The action's row holds its draft as downloaded: unchanged.
    expect(page.get_by_role("status")).to_contain_text(
        "Tableau importé : 2 bilans enregistrés en brouillons, 1 inchangé."
    )
    no_violation(page, axe_script)

    # Submitted: the form's from its row, then the two others at once.
    page.get_by_role("link", name="Relisez vos brouillons dans Mes actions").click()
    expect(led.get_by_role("row").filter(has_text="Brouillon")).to_have_count(3)
    page.get_by_role("button", name=f"Transmettre le bilan de {walk.action}").click()
    page.wait_for_url(re.compile(r".*/mes-actions\?fait=transmis&bilan=.*"))
    assert confirmation(page) == f"Le bilan {walk.action} a été transmis à l'équipe de pilotage."
    page.get_by_role("button", name="Transmettre tous mes brouillons (2)").click()
    page.wait_for_url(f"{server}/mes-actions?fait=tous")
    assert confirmation(page) == "Vos brouillons ont été transmis à l'équipe de pilotage."
    expect(led.get_by_role("row").filter(has_text="Transmis")).to_have_count(3)
    expect(page.get_by_role("button", name=re.compile("^Transmettre"))).to_have_count(0)
    no_violation(page, axe_script)
    sign_out(page, server)

    with smtp_server() as smtp:
        # 3. The first run: the opening to both directorates, the deadline to DEV alone.
        assert "Rappels : 3 envoyé(s) sur 3" in remind(walk, smtp)
        days = (deadline - paris_today()).days
        opening = f"Bilan {YEAR} : la campagne est ouverte, échéance le {french_day(deadline)}"
        assert mails(smtp.inbox.messages) == [
            (OTHER, opening),
            (OTHER, f"Bilan {YEAR} : plus que {days} jours pour transmettre vos bilans"),
            (EDITOR, opening),
        ]
        assert {m.sender for m in smtp.inbox.messages} == {"boussole@caph.fr"}
        [reminder] = [m for m in smtp.inbox.to(OTHER) if "plus que" in m.subject]
        text, html = plain(reminder), reminder.part("html")
        link = f"{server}/mes-actions"
        assert f"Ouvrir « Mes actions » : {link}\n" in text
        assert f'href="{link}"' in html
        listed = [line for line in text.splitlines() if line.startswith("- ")]
        assert listed == [
            f"- {walk.dev_actions[0]} — Accueillir les entreprises (À faire)",
            f"- {walk.dev_actions[1]} — Former les artisans (À faire)",
        ]
        assert f"le {french_day(deadline)},\ndans {days} jours." in text
        [welcome] = smtp.inbox.to(EDITOR)
        assert f"{link}\n" in plain(welcome)

        # 4. The admin sends the flagship project's report back and validates the two others.
        sign_in(page, server, ADMIN, PASSWORD)
        page.goto(f"{server}/admin/campagnes/{YEAR}")
        submitted = page.get_by_role("table", name=re.compile("^Bilans transmis"))
        expect(submitted.get_by_role("row")).to_have_count(4)  # the header and three reports
        # What is due today, as the page says, is what the run has just mailed: nothing more.
        expect(page.get_by_role("main")).to_contain_text("Personne n'est à relancer aujourd'hui.")
        no_violation(page, axe_script)
        page.get_by_role("link", name=f"Examiner le bilan de {walk.flagship}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            f"Bilan {YEAR} de {walk.flagship}"
        )
        expect(page.get_by_role("main")).to_contain_text(
            "Le tracé du réseau de chaleur est arrêté."
        )
        no_violation(page, axe_script)
        page.get_by_label("Ce qu'il faut corriger").fill(SEND_BACK)
        page.get_by_role("button", name="Renvoyer").click()
        page.wait_for_url(re.compile(r".*fait=renvoye.*"))
        assert confirmation(page) == (
            f"Le bilan {walk.flagship} a été renvoyé à sa direction pour correction."
        )
        for code in (walk.action, walk.hedges):
            page.get_by_role("link", name=f"Examiner le bilan de {code}").click()
            page.get_by_role("button", name="Valider et publier").click()
            page.wait_for_url(re.compile(r".*fait=valide.*"))
            assert confirmation(page) == f"Le bilan {code} a été validé et publié."
        expect(submitted).to_have_count(0)
        expect(page.get_by_role("main")).to_contain_text(
            "Aucun bilan transmis n'attend d'être examiné."
        )
        others = page.get_by_role("table", name="Brouillons et bilans renvoyés, par code")
        expect(others.get_by_role("row")).to_have_count(2)
        back = re.compile(f"^{walk.flagship} Réseau de chaleur Renvoyé pour correction ")
        expect(others.get_by_role("row", name=back)).to_have_count(1)
        no_violation(page, axe_script)

        # The page lists who the next run will mail: ENV's editor, whose directorate has a
        # report to send again before the deadline (the deadline's reminder, too).
        due = page.get_by_role("table", name="Relances dues aujourd'hui").get_by_role("row")
        expect(due.filter(has_text=EDITOR)).to_have_count(2)
        expect(due).to_have_count(3)

        # The next run mails them, and nothing else.
        before = len(smtp.inbox.messages)
        assert "Rappels : 2 envoyé(s) sur 2" in remind(walk, smtp)
        fresh = smtp.inbox.messages[before:]
        assert mails(fresh) == [
            (EDITOR, f"Bilan {YEAR} : plus que {days} jours pour transmettre vos bilans"),
            (EDITOR, f"Bilan {YEAR} de {walk.flagship} renvoyé pour correction"),
        ]
        [sent_back] = [m for m in fresh if "renvoyé" in m.subject]
        text = plain(sent_back)
        assert f"Son commentaire :\n{SEND_BACK}\n" in text
        assert f"Ouvrir « Mes actions » : {link}\n" in text
        assert SEND_BACK in sent_back.part("html")
        [deadline_mail] = [m for m in fresh if "plus que" in m.subject]
        listed = [line for line in plain(deadline_mail).splitlines() if line.startswith("- ")]
        assert listed == [f"- {walk.flagship} — Réseau de chaleur (Renvoyé pour correction)"]
        # A third run mails nothing: never twice.
        assert "Aucun rappel à envoyer aujourd'hui." in remind(walk, smtp)
        assert len(smtp.inbox.messages) == before + 2

    # 5. The public pages and the open data: the two validated reports of 2025, not the other.
    hedges_page = f"{server}/actions/{walk.hedges}"
    assert "Deux écoles rénovées en 2025." in reports_table(page, f"{server}/actions/{walk.action}")
    shown = reports_table(page, hedges_page)
    assert str(YEAR) in shown and "Douze kilomètres de haies plantés." in shown
    page.goto(f"{server}/projets-phares/{walk.flagship}")
    expect(page.get_by_role("main")).not_to_contain_text("Le tracé du réseau de chaleur")
    expect(page.get_by_role("main")).not_to_contain_text(f"bilan {YEAR}")
    published = year_rows(api.get("/open-data/progress.json").json()["items"])
    assert sorted(published) == sorted([walk.action, walk.hedges])
    assert (published[walk.action]["progress"], published[walk.hedges]["progress"]) == (45, 60)
    assert published[walk.hedges]["comment"] == "Douze kilomètres de haies plantés."
    as_csv = api.get("/open-data/progress.csv")
    assert as_csv.status_code == 200
    assert sorted(year_rows(list(csv.DictReader(io.StringIO(as_csv.text))))) == sorted(published)

    # 6. The admin closes the campaign: the two published reports frozen.
    page.goto(f"{server}/admin/campagnes/{YEAR}")
    page.get_by_label(f"Je confirme la clôture de la campagne {YEAR}").check()
    page.get_by_role("button", name=f"Clôturer la campagne {YEAR}").click()
    page.wait_for_url(f"{server}/admin/campagnes/{YEAR}?fait=close")
    assert confirmation(page) == f"La campagne {YEAR} est close : 2 bilans publiés sont figés."
    no_violation(page, axe_script)
    sign_out(page, server)
    snapshot = api.get(f"/campaigns/{YEAR}/snapshot")
    frozen_csv = api.get(f"/campaigns/{YEAR}/snapshot.csv")
    assert snapshot.status_code == frozen_csv.status_code == 200
    frozen = {row["trackable_code"]: row for row in snapshot.json()}
    assert sorted(frozen) == sorted([walk.action, walk.hedges])
    assert frozen[walk.hedges]["comment"] == "Douze kilomètres de haies plantés."
    assert frozen[walk.hedges]["progress"] == 60
    assert frozen_csv.headers["content-disposition"] == (
        f'attachment; filename="campaign_{YEAR}.csv"'
    )
    assert frozen_csv.content.startswith(b"\xef\xbb\xbf")
    frozen_rows = list(
        csv.reader(io.StringIO(frozen_csv.content.decode("utf-8-sig")), delimiter=";")
    )
    assert len(frozen_rows) == 3  # the header and the two reports
    assert "Douze kilomètres de haies plantés." in {cell for row in frozen_rows for cell in row}

    # A later admin edit changes the public report, never the snapshot.
    report = f"/actions/{walk.hedges}/progress/{YEAR}"
    admin = {"Authorization": f"Bearer {walk.admin_token}"}
    read = api.get(report)
    changed = api.patch(
        report,
        json={"progress": 70, "comment": "Quinze kilomètres de haies, chiffre corrigé."},
        headers=admin | {"If-Match": read.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert api.get(report).json()["comment"] == "Quinze kilomètres de haies, chiffre corrigé."
    assert "Quinze kilomètres de haies, chiffre corrigé." in reports_table(page, hedges_page)
    assert api.get(f"/campaigns/{YEAR}/snapshot").content == snapshot.content
    assert api.get(f"/campaigns/{YEAR}/snapshot.csv").content == frozen_csv.content
