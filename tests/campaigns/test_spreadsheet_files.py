"""The campaign's workbook (app.campaigns.spreadsheet) and the files an import reads
(app.trackables.import_files, import_rows): what the XLSX holds (French headers and their
comments, the drop-down list of statuses, the locked and unlocked cells, the notice), that
LibreOffice opens it and converts it (ODS, CSV) into files read back the same, and each kind of
bad file refused with a French message naming where."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.campaigns import spreadsheet
from app.models import ReportState, Status, Trackable, TrackableKind
from app.trackables import import_files
from app.trackables.import_rows import COLUMN_TITLES, parse
from tests.campaigns.sheets import convert, soffice, workbook
from tests.helpers import cpu_time

__all__ = ["soffice"]

HEADER = ("Code", "Année", "Statut", "Avancement (%)", "Commentaire")


def sample_workbook() -> bytes:
    """The workbook of two trackables: one pre-filled from last year, one with nothing yet."""
    school = Trackable(
        id=1, code="E1.1.1", kind=TrackableKind.action, title="=Écoles", status=Status.planned
    )
    bike = Trackable(
        id=2, code="PP1", kind=TrackableKind.flagship_project, title="Vélo", status=Status.planned
    )
    values = dict.fromkeys(
        ("progress", "status", "comment", *[n for n in COLUMN_TITLES if n.startswith("budget")])
    )
    last_year = spreadsheet.Prefill(
        values
        | {
            "progress": 30.0,
            "status": Status.in_progress,
            "comment": "",
            "budget_planned_investment": 100000.5,
        },
        ReportState.to_do,
        "Bilan 2024, à mettre à jour",
        "=Études lancées",
    )
    nothing = spreadsheet.Prefill(values | {"comment": ""}, ReportState.to_do, "Aucun bilan")
    return spreadsheet.build(
        trackables=[school, bike],
        leads={1: "ENV", 2: "ENV"},
        rows={1: last_year, 2: nothing},
        year=2025,
        campaign_open=True,
    )


def test_the_workbook_has_french_headers_a_status_list_and_locked_codes():
    book = openpyxl.load_workbook(io.BytesIO(sample_workbook()))
    assert book.sheetnames == ["Bilan 2025", "Notice"]
    sheet = book["Bilan 2025"]
    header = [cell.value for cell in sheet[1]]
    assert header[:10] == [
        "Code",
        "Type",
        "Intitulé",
        "Direction pilote",
        "Année",
        "État du bilan",
        "Valeurs pré-remplies",
        "Statut",
        "Avancement (%)",
        "Commentaire",
    ]
    assert all(sheet.cell(row=1, column=i).comment is not None for i in range(1, len(header) + 1))
    school = [cell.value for cell in sheet[2]]
    assert school[:10] == [
        "E1.1.1",
        "Action",
        "=Écoles",
        "ENV",
        2025,
        "À faire",
        "Bilan 2024, à mettre à jour",
        "En cours",
        30,
        None,
    ]
    # A title starting with "=" stays text, never a formula.
    assert sheet["C2"].data_type == "s"
    assert school[header.index("Commentaire de l'an dernier")] == "=Études lancées"
    # The drop-down list: every French label; the numbers checked.
    lists = {v.type: v for v in sheet.data_validations.dataValidation}
    assert lists["list"].formula1 == '"' + ",".join(s.label for s in Status) + '"'
    assert str(lists["list"].sqref) == "H2:H3"
    assert (lists["decimal"].formula1, lists["decimal"].formula2) in (("0", "100"), ("0", None))
    # Protected: the codes and the year locked, the columns to fill unlocked.
    assert sheet.protection.sheet is True
    assert sheet["A2"].protection.locked and sheet["E2"].protection.locked
    assert not sheet["H2"].protection.locked and not sheet["J3"].protection.locked
    assert sheet.freeze_panes == "B2"
    notice = [row[0] for row in book["Notice"].iter_rows(values_only=True)]
    assert any("tout ou rien" in str(line) for line in notice)


def test_libreoffice_opens_the_workbook_and_its_conversions_read_back(soffice: Path, tmp_path):
    content = sample_workbook()
    as_csv = convert(
        soffice,
        content,
        ".xlsx",
        "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,1",
        tmp_path,
    )
    text = as_csv.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("Code;Type;Intitulé;Direction pilote;Année")
    assert "E1.1.1;Action;=Écoles;ENV;2025;À faire;Bilan 2024, à mettre à jour;En cours;30" in text
    # The CSV LibreOffice writes is read back: the pre-filled row as it was.
    from_csv = parse(as_csv.read_bytes(), skip_unfilled=True)
    assert from_csv.errors == []
    assert [(r.trackable_code, r.progress, r.status) for r in from_csv.rows] == [
        ("E1.1.1", 30, Status.in_progress)
    ]
    assert from_csv.rows[0].budgets["budget_planned_investment"] == 100000.5
    # So is the ODS, and the XLSX LibreOffice saves.
    for target in ("ods", "xlsx"):
        converted = convert(soffice, content, ".xlsx", target, tmp_path / target)
        parsed = parse(converted.read_bytes(), skip_unfilled=True)
        assert parsed.kind == target
        assert (parsed.errors, parsed.skipped) == ([], 1)
        assert [(r.trackable_code, r.year, r.progress) for r in parsed.rows] == [
            ("E1.1.1", 2025, 30)
        ]


def test_formulas_are_refused_naming_their_cell(soffice: Path, tmp_path):
    rows = [HEADER, ("E1.1.1", 2025, "En cours", "=20+25", "ok")]
    parsed = parse(workbook(rows))
    (error,) = parsed.errors
    assert (error.line, error.column) == (2, "progress")
    assert error.message.startswith("la cellule D2 contient une formule (« =20+25 ») : remplacez")
    assert parsed.columns["progress"] == "colonne D, « Avancement (%) »"
    # The same in an ODS spreadsheet (LibreOffice's formula).
    ods = convert(soffice, workbook(rows), ".xlsx", "ods", tmp_path)
    (error,) = parse(ods.read_bytes()).errors
    assert (error.line, error.column) == (2, "progress")
    assert "la cellule D2 contient une formule" in error.message


def test_a_renamed_a_doubled_or_an_unknown_column_is_refused():
    renamed = parse(workbook([("Code", "Année", "Avancement"), ("E1.1.1", 2025, 10)]))
    assert [e.message.split(" : ")[0] for e in renamed.errors] == [
        "la colonne C, « Avancement », n'est pas une colonne du tableau (renommée ?)",
        "la colonne « Avancement (%) » (progress) manque",
    ]
    assert {e.type for e in renamed.errors} == {"invalid-file"}
    doubled = parse(workbook([(*HEADER, "avancement (%)"), ("E1.1.1", 2025, "", 10, "", 12)]))
    assert doubled.errors[0].message == (
        "la colonne F, « avancement (%) », répète la colonne D : une colonne ne peut figurer "
        "qu'une fois"
    )
    # A value in a column without a title is a problem of its row.
    stray = parse(workbook([HEADER, ("E1.1.1", 2025, "", 10, "", "", "oups")]))
    assert stray.errors[0].message == (
        "la cellule G2 contient « oups », hors des colonnes du tableau (sa colonne n'a pas de "
        "titre)"
    )


def test_an_extra_sheet_is_refused_and_the_notice_is_not():
    extra = parse(workbook([HEADER, ("E1.1.1", 2025, "", 10, "")], extra=["Feuil2"]))
    (error,) = extra.errors
    assert error.type == "invalid-file"
    assert error.message.startswith(
        "le classeur a 2 feuilles (« Bilan 2025 », « Feuil2 ») : une seule feuille de bilans "
        "est attendue (la feuille « Notice » peut rester)"
    )
    with_notice = parse(workbook([HEADER, ("E1.1.1", 2025, "", 10, "")], extra=["Notice"]))
    assert with_notice.errors == [] and len(with_notice.rows) == 1


def test_ten_thousand_rows_are_refused_quickly():
    rows = [HEADER, *((f"E1.1.{n}", 2025, "", 10, f"ligne {n}") for n in range(10_000))]
    content = workbook(rows)
    with cpu_time() as elapsed:
        parsed = parse(content, max_problems=1000)
    (error,) = parsed.errors
    assert (error.type, error.line) == ("invalid-file", 5002)
    assert error.message == (
        "le tableau a plus de 5\u202f000 lignes de bilans (ligne 5002 et au-delà) : rien n'en a "
        "été lu ; découpez-le, ou n'y gardez que vos actions"
    )
    assert parsed.rows == []
    assert elapsed.seconds < 5, elapsed  # the rows past 5,001 only checked for a value (~1 s)
    # A CSV bounded the same way when asked (the web upload), and an ODS always.
    csv_body = (
        "trackable_code,year,progress\n" + "".join(f"E{n},2025,10\n" for n in range(10_000))
    ).encode()
    bounded = parse(csv_body, max_rows=import_files.MAX_SHEET_ROWS)
    assert [(e.line, e.type) for e in bounded.errors] == [(5002, "invalid-file")]
    assert len(parse(csv_body).rows) == 10_000  # the API's CSV: bounded by its size only


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "le fichier est vide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ce fichier n'est pas un tableur ni un texte"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ce fichier est au format Office"),
        (b"PK\x03\x04garbage", "ce fichier compressé (ZIP) est illisible"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "la première ligne n'est pas l'en-tête"),
    ],
)
def test_what_is_not_a_spreadsheet_is_refused(content: bytes, expected: str):
    (error,) = parse(content).errors
    assert error.message.startswith(expected), error.message


def zipped(parts: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return output.getvalue()


def test_archives_that_are_not_workbooks_or_unpack_too_far_are_refused():
    word = zipped({"word/document.xml": b"<w/>"})
    assert parse(word).errors[0].message.startswith("ce fichier compressé n'est ni un classeur")
    bomb = zipped({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b"\0" * 40_000_000})
    assert len(bomb) < 100_000
    assert parse(bomb).errors[0].message.startswith("ce classeur dépasse 32 Mio une fois")
    broken = zipped({"xl/workbook.xml": b"<not xml"})
    assert parse(broken).errors[0].message.startswith("ce classeur XLSX est illisible")
    hostile_ods = zipped(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        }
    )
    assert parse(hostile_ods).errors[0].message.startswith("ce classeur ODS est illisible")


def test_cells_are_read_as_the_person_sees_them():
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["E1.1.1", 2025, "terminée", 0.45, "Dit « bon »\net fini"])
    sheet["D2"].number_format = "0%"
    output = io.BytesIO()
    book.save(output)
    (row,) = parse(output.getvalue()).rows
    assert (row.progress, row.status, row.comment) == (45, Status.completed, "Dit « bon »\net fini")
