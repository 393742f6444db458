""" "Télécharger mon tableau" and its upload (app.web.spreadsheet_routes): the round trip saves
drafts; every bad input is answered with one French page listing every problem (row, column,
value, what is expected), nothing written; CSV in its dialects; the campaign and the scope."""

import html
import io
import re

import openpyxl
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import col, select

from app.models import PendingReport, Trackable
from tests.campaigns.sheets import (
    close_campaign_on,
    edit,
    pending_by_code,
    sheet_rows,
    workbook,
)
from tests.factories import report, session_on
from tests.helpers import cpu_time, csrf_token, snapshot
from tests.web.reporting_data import (
    Codes,
    admin,
    db_url,
    editor,
    known,
    other,
    reporting_template,
)

__all__ = ["admin", "db_url", "editor", "known", "other", "reporting_template"]

TABLEAU = "/mes-actions/2025/tableau.xlsx"
IMPORT = "/mes-actions/2025/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client: TestClient, content: bytes, name: str = "tableau.xlsx") -> Response:
    token = csrf_token(client.get(IMPORT).text)
    return client.post(
        IMPORT,
        data={"csrf_token": token},
        files={"file": (name, content, "application/octet-stream")},
        follow_redirects=False,
    )


def drafts(url: str) -> dict[str, PendingReport]:
    """The pending reports of 2025, by code."""
    return {key.split("/")[0]: row for key, row in pending_by_code(url).items()}


def problems(response: Response) -> list[tuple[str, str, str]]:
    """The rows of the page's table of problems: (line, column, message)."""
    body = response.text.split('<table class="problems">', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td>(.*?)</td>", body, flags=re.S)
    texts = [html.unescape(cell).strip() for cell in cells]
    return [tuple(texts[i : i + 3]) for i in range(0, len(texts), 3)]  # type: ignore[misc]


def test_download_fill_upload_and_see_drafts(editor: TestClient, known: Codes, db_url: str):
    download = editor.get(TABLEAU)
    assert download.status_code == 200
    assert download.headers["content-type"] == XLSX
    assert download.headers["content-disposition"] == 'attachment; filename="bilan-2025-ENV.xlsx"'
    assert "no-store" in download.headers["cache-control"]
    rows = sheet_rows(download.content)
    header = rows[0]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    # What ENV leads, and nothing else; the action pre-filled from its 2024 report.
    assert set(by_code) == {known.action, known.flagship}
    assert by_code[known.action]["Avancement (%)"] == 30
    assert by_code[known.action]["Valeurs pré-remplies"] == "Bilan 2024, à mettre à jour"
    assert by_code[known.action]["Commentaire de l'an dernier"] == (
        "Bilan 2024 : les études sont lancées."
    )
    assert by_code[known.flagship]["Avancement (%)"] is None

    filled = edit(
        download.content,
        {
            (known.action, "Avancement (%)"): 55,
            (known.action, "Commentaire"): "Deux écoles rénovées.",
            (known.action, "Budget dépensé, investissement (€)"): 80000.5,
            (known.flagship, "Statut"): "Terminé",
            (known.flagship, "Avancement (%)"): 100,
        },
    )
    response = upload(editor, filled)
    assert response.status_code == 303, response.text
    done = editor.get(response.headers["location"])
    assert "Tableau importé : 2 bilans enregistrés en brouillons." in html.unescape(done.text)
    saved = drafts(db_url)
    assert {code: row.state for code, row in saved.items()} == {
        known.action: "draft",
        known.flagship: "draft",
    }
    action = saved[known.action]
    assert (action.progress, action.comment, action.budget_spent_investment) == (
        55,
        "Deux écoles rénovées.",
        80000.5,
    )
    assert action.budget_planned_investment == 100_000  # carried over from 2024
    assert (saved[known.flagship].status, saved[known.flagship].saved_by) == (
        "completed",
        "elise@caph.fr",
    )
    # "Mes actions" shows them as drafts, to submit.
    assert html.unescape(editor.get("/mes-actions").text).count("Brouillon") >= 2

    # Downloaded again: the drafts; uploaded as they are: nothing changes.
    again = editor.get(TABLEAU).content
    again_rows = {row[0]: row for row in sheet_rows(again)[1:]}
    assert again_rows[known.action][header.index("État du bilan")] == "Brouillon"
    before = snapshot(db_url)
    unchanged = upload(editor, again)
    assert "inchanges=2" in unchanged.headers["location"]
    assert snapshot(db_url) == before


def test_every_problem_of_the_file_on_one_page_and_nothing_written(
    editor: TestClient, known: Codes, db_url: str
):
    before = snapshot(db_url)
    content = workbook(
        [
            (
                "Code",
                "Année",
                "Statut",
                "Avancement (%)",
                "Commentaire",
                "Budget dépensé, fonctionnement (€)",
            ),
            (known.action, 2025, "En cours", 130, "trop", None),  # line 2
            (known.flagship, None, "En cours", 20, "", 1500),  # line 3: spent, no year
            (known.dev_action, 2025, "En cours", 10, "", None),  # line 4: led by DEV
            (known.flagship, 2025, "bientôt", 10, "=A1", None),  # line 5
            (known.action, 2024, "En cours", 10, "", None),  # line 6: another year
        ]
    )
    response = upload(editor, content)
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "6 problèmes dans « tableau.xlsx » : rien n'a été enregistré." in page
    found = problems(response)
    assert [(line, column) for line, column, _ in found] == [
        ("2", "colonne D, « Avancement (%) »"),
        ("3", "colonne B, « Année »"),
        ("4", "colonne A, « Code »"),
        ("5", "colonne E, « Commentaire »"),
        ("5", "colonne C, « Statut »"),
        ("6", "colonne B, « Année »"),
    ]
    messages = [message for _, _, message in found]
    assert messages[0] == "« 130 » : attendu un avancement en %, de 0 à 100"
    assert messages[1] == (
        "manquante : un budget dépensé doit être rattaché à l'année où il l'a été"
    )
    assert messages[2] == (
        f"{known.dev_action} est piloté par DEV, pas par ENV : votre compte ne peut pas en faire "
        "le bilan"
    )
    assert messages[3].startswith("la cellule E5 contient une formule (« =A1 »)")
    assert messages[4].startswith("statut inconnu : « bientôt »")
    assert messages[5] == "« 2024 » : ce tableau est celui du bilan 2025, attendu 2025"
    assert snapshot(db_url) == before


def test_bad_files_are_refused_in_french_and_nothing_written(editor: TestClient, db_url: str):
    before = snapshot(db_url)
    cases = {
        "renamed": (
            workbook([("Code", "Année", "Avancement"), ("E1.1.1", 2025, 10)]),
            "la colonne C, « Avancement », n'est pas une colonne du tableau (renommée ?)",
        ),
        "extra sheet": (
            workbook([("Code", "Année", "Avancement (%)")], extra=["Feuil2"]),
            "le classeur a 2 feuilles (« Bilan 2025 », « Feuil2 »)",
        ),
        "not a spreadsheet": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "la première ligne"),
        "image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ce fichier n'est pas un tableur"),
        "empty": (b"", "le fichier est vide"),
    }
    for name, (content, expected) in cases.items():
        response = upload(editor, content, name="tableau.bin")
        assert response.status_code == 422, name
        assert expected in html.unescape(response.text), name
    missing = editor.post(
        IMPORT, data={"csrf_token": csrf_token(editor.get(IMPORT).text)}, follow_redirects=False
    )
    assert missing.status_code == 422
    assert "Choisissez le fichier de votre tableau" in html.unescape(missing.text)
    assert snapshot(db_url) == before


def test_ten_thousand_rows_are_refused_quickly(editor: TestClient, known: Codes, db_url: str):
    before = snapshot(db_url)
    rows: list[tuple[str | int, ...]] = [("Code", "Année", "Avancement (%)")]
    rows += [(known.action, 2025, n % 100) for n in range(10_000)]
    content = workbook(rows)
    with cpu_time() as elapsed:
        response = upload(editor, content)
    assert response.status_code == 422
    assert "le tableau a plus de 5\u202f000 lignes de bilans" in html.unescape(response.text)
    assert elapsed.seconds < 10, elapsed
    assert snapshot(db_url) == before


def test_csv_in_its_dialects_and_encodings(editor: TestClient, known: Codes, db_url: str):
    semicolon = (
        "\ufeffCode;Année;Statut;Avancement (%);Commentaire\r\n"
        f"{known.action};2025;En cours;12,5;Études lancées\r\n"
    ).encode()
    assert upload(editor, semicolon, "bilan.csv").status_code == 303
    assert drafts(db_url)[known.action].progress == 12.5
    comma = (
        "trackable_code,year,progress,status,comment\r\n"
        f"{known.flagship},2025,40,Réalisé,Coût : 1 200 € — « achevé »\r\n"
    ).encode("cp1252")
    assert upload(editor, comma, "bilan.csv").status_code == 303
    assert drafts(db_url)[known.flagship].comment == "Coût : 1 200 € — « achevé »"
    stray = (
        b"Code;Ann\xc3\xa9e;Avancement (%)\r\n" + f"{known.action};2025;1".encode() + b"\xe9\r\n"
    )
    refused = upload(editor, stray, "bilan.csv")
    assert refused.status_code == 422
    assert "n'est pas de l'UTF-8, alors que le reste du fichier l'est" in html.unescape(
        refused.text
    )


def test_the_campaign_bounds_the_editors_not_the_admins(
    editor: TestClient, admin: TestClient, known: Codes, db_url: str
):
    close_campaign_on(db_url, 2025)
    page = html.unescape(editor.get(IMPORT).text)
    assert "La campagne du bilan 2025 est close" in page
    assert 'type="file"' not in page
    before = snapshot(db_url)
    content = workbook([("Code", "Année", "Avancement (%)"), (known.action, 2025, 50)])
    # The form of the page before it closed, posted after.
    refused = admin_form_post(editor, content, csrf_token(editor.get("/mes-actions").text))
    assert refused.status_code == 409
    assert "seule l'équipe de pilotage" in html.unescape(refused.text)
    assert snapshot(db_url) == before
    # The admin's upload: drafts too, any directorate's, the campaign closed or not.
    both = workbook(
        [("Code", "Année", "Avancement (%)"), (known.action, 2025, 50), (known.dev_action, 2025, 5)]
    )
    assert upload(admin, both).status_code == 303
    assert {c: r.state for c, r in drafts(db_url).items()} == {
        known.action: "draft",
        known.dev_action: "draft",
    }


def admin_form_post(client: TestClient, content: bytes, token: str) -> Response:
    return client.post(
        IMPORT,
        data={"csrf_token": token},
        files={"file": ("tableau.xlsx", content, XLSX)},
        follow_redirects=False,
    )


def test_sign_in_csrf_and_scope_of_the_download(
    editor: TestClient, other: TestClient, known: Codes, db_url: str
):
    with TestClient(editor.app) as anonymous:
        assert anonymous.get(TABLEAU, follow_redirects=False).headers["location"] == (
            "/connexion?suivant=/mes-actions/2025/tableau.xlsx"
        )
    before = snapshot(db_url)
    content = workbook([("Code", "Année", "Avancement (%)"), (known.action, 2025, 50)])
    forged = editor.post(IMPORT, files={"file": ("t.xlsx", content, XLSX)}, follow_redirects=False)
    assert forged.status_code == 403
    assert snapshot(db_url) == before
    # DEV's editor gets DEV's action only.
    codes = [row[0] for row in sheet_rows(other.get(TABLEAU).content)[1:]]
    assert codes == [known.dev_action]
    assert other.get("/mes-actions/2051/tableau.xlsx").status_code in (404, 422)


def test_a_workbook_saved_by_openpyxl_with_percentages(editor: TestClient, known: Codes, db_url):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Année", "Avancement (%)"])
    sheet.append([known.action, 2025, 0.6])
    sheet["C2"].number_format = "0%"
    output = io.BytesIO()
    book.save(output)
    assert upload(editor, output.getvalue()).status_code == 303
    assert drafts(db_url)[known.action].progress == 60


def test_a_control_character_in_a_stored_comment_does_not_break_the_download(
    editor: TestClient, known: Codes, db_url: str
) -> None:
    # The API takes any text; a worksheet cannot hold U+0000–U+001F but tab and line breaks.
    with session_on(db_url) as session:
        action = session.exec(select(Trackable).where(col(Trackable.code) == known.action)).one()
        report(session, trackable=action, year=2024, progress=30, comment="Bilan\x1a 2024\tfait")
        session.commit()
    download = editor.get(TABLEAU)
    assert download.status_code == 200
    rows = sheet_rows(download.content)
    by_code = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_code[known.action]["Commentaire de l'an dernier"] == "Bilan 2024\tfait"
