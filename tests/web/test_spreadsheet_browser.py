"""The spreadsheet round trip in a real browser (Debian's Chromium through Playwright) against the
service started by uvicorn, on the data of tests/web/reporting_data.py with the 2025 campaign
open: the editor of ENV follows "Télécharger mon tableau" from "Mes actions", fills two reports
in the downloaded workbook (openpyxl, as a spreadsheet saves it), uploads it on the import page
and sees them as drafts; a file with problems lists each one. axe-core finds no violation on the
import page, its refusal and its confirmation; at a phone's width (390 px) none scrolls sideways.
Screenshots go to test-artifacts/.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.campaigns.sheets import edit, workbook
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import PASSWORD
from tests.web.conftest import served
from tests.web.reporting_data import EDITOR, Codes, build, codes, with_campaign
from tests.web.test_admin_browser import _fits, no_violation, sign_in
from tests.web.test_browser import screenshot


@pytest.fixture(scope="module")
def running(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Codes]]:
    url = databases.clone(seeded_template)
    build(url)
    with_campaign(url)
    try:
        with served(url, tmp_path_factory) as api:
            yield api.url, codes(url)
    finally:
        databases.drop(url)


def test_download_fill_and_upload_in_the_browser(
    page: Page, running: tuple[str, Codes], axe_script: Path, tmp_path: Path
) -> None:
    server, known = running
    sign_in(page, server, EDITOR, PASSWORD)
    page.goto(f"{server}/mes-actions")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Télécharger mon tableau").click()
    download = caught.value
    assert download.suggested_filename == "bilan-2025-ENV.xlsx"
    content = Path(download.path()).read_bytes()

    page.get_by_role("link", name="Importer mon tableau").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importer mon tableau")
    no_violation(page, axe_script)

    # A file with problems: each listed, nothing saved.
    bad = tmp_path / "mauvais.xlsx"
    bad.write_bytes(
        workbook(
            [
                ("Code", "Année", "Avancement (%)"),
                (known.action, 2025, 130),
                (known.dev_action, 2025, 5),
            ]
        )
    )
    page.get_by_label("Votre tableau du bilan 2025").set_input_files(str(bad))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert")).to_contain_text("2 problèmes dans « mauvais.xlsx »")
    table = page.get_by_role("table", name="Problèmes du fichier « mauvais.xlsx »")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table).to_contain_text("« 130 » : attendu un avancement en %, de 0 à 100")
    expect(table).to_contain_text("votre compte ne peut pas en faire le bilan")
    no_violation(page, axe_script)
    screenshot(page, "spreadsheet-import-refused")

    # The downloaded workbook, filled.
    filled = tmp_path / "bilan-2025-ENV.xlsx"
    filled.write_bytes(
        edit(
            content,
            {
                (known.action, "Avancement (%)"): 60,
                (known.action, "Commentaire"): "Trois écoles rénovées.",
                (known.flagship, "Statut"): "En cours",
                (known.flagship, "Avancement (%)"): 15,
            },
        )
    )
    page.get_by_label("Votre tableau du bilan 2025").set_input_files(str(filled))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Tableau importé : 2 bilans enregistrés en brouillons."
    )
    no_violation(page, axe_script)
    page.get_by_role("link", name="Relisez vos brouillons dans Mes actions").click()
    rows = page.get_by_role("row").filter(has_text="Brouillon")
    expect(rows).to_have_count(2)


def test_the_import_pages_fit_a_phone(
    page: Page, running: tuple[str, Codes], tmp_path: Path
) -> None:
    server, known = running
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, EDITOR, PASSWORD)
    page.goto(f"{server}/mes-actions/2025/import")
    _fits(page)
    # Long messages (the list of statuses, a formula quoted) in the table of problems.
    bad = tmp_path / "long.xlsx"
    header = ("Code", "Année", "Statut", "Avancement (%)", "Commentaire")
    bad.write_bytes(workbook([header, (known.action, 2025, "bientôt", 101, "=1+1")]))
    page.get_by_label("Votre tableau du bilan 2025").set_input_files(str(bad))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("alert")).to_contain_text("3 problèmes")
    _fits(page)
    screenshot(page, "spreadsheet-import-phone")
