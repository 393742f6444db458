""" "Télécharger mon tableau": the workbook (XLSX, openpyxl) a person fills a campaign's reports in,
one row per trackable they report on for the year, read back by app.campaigns.upload.

What a row is pre-filled with (``prefilled``), for year Y:

- the report of Y not yet published (draft, submitted or sent back), when there is one: what the
  agent saved, so a second download goes on from the first upload;
- else the published report of Y (the campaign reopened, or an admin's sheet);
- else last year's published report: its status, progress and planned budgets; its comment is
  shown in a column of its own, read-only, and this year's comment and spent budgets are left
  empty — they are about Y, and copying Y-1's would report them twice;
- else nothing: the row is empty, and an empty row is read past on upload.

A row uploaded as it was pre-filled from Y-1 (or left empty) is read past too: only the rows the
agent changed become drafts.

The sheet: French headers, each with a comment explaining it; the status as a drop-down list of
the French labels (other words of the national schema, "Terminé", are accepted with a warning);
progress and budgets checked as numbers; the code, title, year and reference columns locked
(sheet protection without a password: a guard against slips, not a security — the upload checks
everything again), the columns to fill unlocked and tinted; the header row and the code column
frozen. A second sheet, ``NOTICE_SHEET``, says how to fill it and what the upload does.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from app.campaigns.pending import REPORT_FIELDS
from app.core.cells import worksheet_text
from app.models import PendingReport, ProgressReport, ReportState, Status, Trackable, TrackableKind
from app.trackables.import_files import MAX_SHEET_ROWS, NOTICE_SHEET
from app.trackables.import_rows import COLUMN_TITLES, INFORMATIVE_TITLES

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {TrackableKind.action: "Action", TrackableKind.flagship_project: "Projet phare"}
#: Fields pre-filled from last year's report (the others are about the year itself).
CARRIED_OVER = ("status", "progress", "budget_planned_investment", "budget_planned_operating")
AMOUNT_FORMAT = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
TO_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_title(year: int) -> str:
    return f"Bilan {year}"


# --- What each row is pre-filled with ------------------------------------------------------------


@dataclass(frozen=True)
class Prefill:
    """A trackable's row as downloaded: ``values`` by field of the report (``REPORT_FIELDS``;
    the status a ``Status`` or None), where they come from, and the pending report if any."""

    values: dict[str, Any]
    state: ReportState
    source: str
    previous_comment: str = ""
    pending: Any = field(default=None, compare=False)


def _report_values(row: Any, names: Sequence[str] = REPORT_FIELDS) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(REPORT_FIELDS)
    values["comment"] = ""
    values.update({name: getattr(row, name) for name in names})
    if values["status"] is not None:
        values["status"] = Status(values["status"])
    return values


def prefilled(session: Session, trackable_ids: Sequence[int], year: int) -> dict[int, Prefill]:
    """The row of each trackable for ``year`` (see the module's docstring): two queries."""
    pending_table: Any = PendingReport.__table__  # type: ignore[attr-defined]
    pending = {
        row.trackable_id: row
        for row in session.execute(
            select(pending_table).where(
                pending_table.c.trackable_id.in_(trackable_ids), pending_table.c.year == year
            )
        )
    }
    published: dict[tuple[int, int], Any] = {
        (row.trackable_id, row.year): row
        for row in session.exec(
            select(ProgressReport).where(
                col(ProgressReport.trackable_id).in_(trackable_ids),
                col(ProgressReport.year).in_((year - 1, year)),
            )
        )
    }
    result: dict[int, Prefill] = {}
    for tid in trackable_ids:
        last = published.get((tid, year - 1))
        previous_comment = last.comment if last is not None else ""
        if (row := pending.get(tid)) is not None:
            state = ReportState(row.state)
            source = f"Bilan {year} en attente ({state.label.lower()})"
            result[tid] = Prefill(_report_values(row), state, source, previous_comment, row)
        elif (report := published.get((tid, year))) is not None:
            result[tid] = Prefill(
                _report_values(report),
                ReportState.validated,
                f"Bilan {year} publié",
                previous_comment,
            )
        elif last is not None:
            result[tid] = Prefill(
                _report_values(last, CARRIED_OVER),
                ReportState.to_do,
                f"Bilan {year - 1}, à mettre à jour",
                previous_comment,
            )
        else:
            result[tid] = Prefill(_report_values(None, ()), ReportState.to_do, "Aucun bilan")
    return result


# --- The workbook ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    width: float
    hint: str
    editable: bool = False
    number_format: str | None = None

    @property
    def title(self) -> str:
        return COLUMN_TITLES.get(self.key) or INFORMATIVE_TITLES[self.key]


def columns(year: int) -> list[Column]:
    statuses = ", ".join(s.label for s in Status)
    amount = (
        "Un montant en euros, sans le symbole € (1250000 ou 1 250 000,50). Laissez vide s'il "
        "n'est pas connu."
    )
    return [
        Column(
            "trackable_code", 11, "Le code de l'action ou du projet phare : ne le modifiez pas."
        ),
        Column("kind", 13, "Action ou projet phare."),
        Column("title", 48, "L'intitulé, pour mémoire."),
        Column("lead_directorate", 12, "La direction qui pilote et remplit le bilan."),
        Column("year", 8, f"L'année du bilan : {year}. Ne la modifiez pas."),
        Column("state", 16, f"Où en était le bilan {year} au téléchargement."),
        Column("source", 26, "D'où viennent les valeurs pré-remplies."),
        Column(
            "status",
            16,
            f"Choisissez dans la liste : {statuses}. Les mots du schéma national (« Terminé »…) "
            "sont aussi acceptés.",
            editable=True,
        ),
        Column(
            "progress",
            12,
            "L'avancement de l'action en fin d'année, en %, de 0 à 100 (un nombre, sans le "
            "signe %).",
            editable=True,
            number_format="0.##",
        ),
        Column(
            "comment",
            60,
            f"Ce qui a été fait en {year}, les difficultés, la suite. Du texte seulement.",
            editable=True,
        ),
        *(
            Column(name, 17, amount, editable=True, number_format=AMOUNT_FORMAT)
            for name in (
                "budget_planned_investment",
                "budget_planned_operating",
                "budget_spent_investment",
                "budget_spent_operating",
            )
        ),
        Column("previous_comment", 48, f"Le commentaire du bilan {year - 1} publié, pour mémoire."),
    ]


def _text_cell(sheet: Worksheet, row: int, column: int, value: str) -> None:
    """A text cell that is never a formula, whatever it starts with ("=", "+"…)."""
    cell = sheet.cell(row=row, column=column, value=worksheet_text(value))
    cell.data_type = "s"


def build(
    *,
    trackables: Sequence[Trackable],
    leads: dict[int, str],
    rows: dict[int, Prefill],
    year: int,
    campaign_open: bool,
) -> bytes:
    """The workbook of ``trackables`` for ``year``, pre-filled with ``rows`` (``prefilled``);
    ``leads``: each trackable's lead directorate's code."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = sheet_title(year)
    layout = columns(year)
    for number, column in enumerate(layout, start=1):
        cell = sheet.cell(row=1, column=number, value=column.title)
        cell.font = Font(bold=True)
        cell.fill = TO_FILL if column.editable else HEADER_FILL
        cell.alignment = WRAP
        cell.comment = Comment(column.hint, "Boussole", width=260, height=110)
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    for line, trackable in enumerate(trackables, start=2):
        assert trackable.id is not None
        _write_row(
            sheet, line, layout, trackable, leads.get(trackable.id, ""), rows[trackable.id], year
        )
    last = len(trackables) + 1
    _validate(sheet, layout, last)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(layout))}{last}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    # Locked cells stay as they are; the columns to fill are unlocked cell by cell. Columns may be
    # widened and rows filtered; no password: the protection guards against slips only.
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    sheet.protection.enable()
    _notice(book, year, campaign_open, len(trackables))
    return saved(book, f"Boussole — bilan {year}")


def saved(book: Workbook, title: str) -> bytes:
    """``book`` as XLSX bytes, titled ``title``, in French, made by Boussole (also the bilan's
    workbook, app.bilan.workbook)."""
    book.properties.title = title
    book.properties.creator = "Boussole"
    book.properties.language = "fr-FR"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _write_row(
    sheet: Worksheet,
    line: int,
    layout: list[Column],
    trackable: Trackable,
    lead: str,
    prefill: Prefill,
    year: int,
) -> None:
    status = prefill.values["status"]
    shown: dict[str, Any] = prefill.values | {
        "trackable_code": trackable.code,
        "kind": KINDS[TrackableKind(trackable.kind)],
        "title": trackable.title,
        "lead_directorate": lead,
        "year": year,
        "state": prefill.state.label,
        "source": prefill.source,
        "status": status.label if status is not None else "",
        "previous_comment": prefill.previous_comment,
    }
    for number, column in enumerate(layout, start=1):
        value = shown[column.key]
        if isinstance(value, str):
            _text_cell(sheet, line, number, value)
        else:
            sheet.cell(row=line, column=number, value=value)
        cell = sheet.cell(row=line, column=number)
        if column.number_format:
            cell.number_format = column.number_format
        if column.editable:
            cell.protection = Protection(locked=False)
            cell.fill = TO_FILL
        if column.key in ("title", "comment", "previous_comment"):
            cell.alignment = WRAP


def _validate(sheet: Worksheet, layout: list[Column], last: int) -> None:
    """The drop-down list of statuses and the checks of the numbers, in French."""
    if last < 2:
        return

    def cells(key: str) -> str:
        letter = get_column_letter(next(i for i, c in enumerate(layout, 1) if c.key == key))
        return f"{letter}2:{letter}{last}"

    labels = ",".join(s.label for s in Status)
    statuses = DataValidation(
        type="list",
        formula1=f'"{labels}"',
        allow_blank=True,
        showDropDown=False,  # (sic) openpyxl's False shows the arrow
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Statut hors de la liste",
        error="Ce statut n'est pas dans la liste. Boussole accepte aussi les mots du schéma "
        "national (« Terminé »…) : continuer ?",
        showInputMessage=True,
        promptTitle="Statut",
        prompt="Choisissez le statut dans la liste.",
    )
    statuses.add(cells("status"))
    progress = _number_check("Avancement", "L'avancement est un pourcentage, de 0 à 100.", 100)
    progress.add(cells("progress"))
    amounts = _number_check("Montant", "Un montant en euros, positif ou nul.")
    for key in (c.key for c in layout if c.number_format == AMOUNT_FORMAT):
        amounts.add(cells(key))
    for validation in (statuses, progress, amounts):
        sheet.add_data_validation(validation)


def _number_check(title: str, error: str, most: int | None = None) -> DataValidation:
    """A cell's number checked by the spreadsheet: at least 0, and at most ``most``."""
    return DataValidation(
        type="decimal",
        operator="greaterThanOrEqual" if most is None else "between",
        formula1="0",
        formula2=None if most is None else str(most),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=error,
    )


def _notice(book: Workbook, year: int, campaign_open: bool, count: int) -> None:
    sheet = book.create_sheet(NOTICE_SHEET)
    data = sheet_title(year)
    lines = [
        (f"Boussole — votre tableau du bilan {year}", True),
        (
            f"La feuille « {data} » a une ligne par action ou projet phare dont votre direction "
            f"remplit le bilan ({count}). Remplissez les colonnes sur fond jaune : statut, "
            "avancement, commentaire et budgets. Les autres sont verrouillées (Révision > Ôter "
            "la protection pour les déverrouiller, sans mot de passe) : ne changez ni le code ni "
            "l'année.",
            False,
        ),
        (
            f"Les valeurs sont pré-remplies avec votre bilan {year} s'il est commencé, sinon avec "
            f"le bilan {year - 1} publié (statut, avancement, budgets prévus). Une ligne que vous "
            "ne changez pas n'est pas importée.",
            False,
        ),
        ("Puis importez le tableau dans Boussole (Mes actions > Importer mon tableau) :", False),
        ("• au format XLSX (Excel), ODS (LibreOffice) ou CSV ;", False),
        (
            "• chaque ligne changée devient un brouillon, visible de votre direction et de "
            "l'équipe de pilotage seulement : relisez-le dans Mes actions, puis transmettez-le ;",
            False,
        ),
        (
            "• tout ou rien : au moindre problème, rien n'est enregistré, et Boussole liste "
            "chaque problème (ligne, colonne, valeur, ce qui est attendu) pour que vous le "
            "corrigiez ;",
            False,
        ),
        (
            "• pas de formule (saisissez les valeurs elles-mêmes), pas d'autre feuille que "
            f"« {data} » et cette notice, pas de colonne renommée ni ajoutée, et "
            f"{MAX_SHEET_ROWS} lignes au plus.",
            False,
        ),
        (
            "Statuts acceptés : " + ", ".join(s.label for s in Status) + ", et les mots du "
            "schéma national des plans d'action (« Terminé », « Idée »…).",
            False,
        ),
    ]
    if not campaign_open:
        lines.append(
            (
                f"Attention : la campagne du bilan {year} n'est pas ouverte. Seule l'équipe de "
                "pilotage peut importer ce tableau.",
                True,
            )
        )
    sheet.column_dimensions["A"].width = 110
    for number, (text, bold) in enumerate(lines, start=1):
        _text_cell(sheet, number, 1, text)
        cell = sheet.cell(row=number, column=1)
        cell.alignment = WRAP
        if bold:
            cell.font = Font(bold=True, size=13 if number == 1 else 11)
    sheet.protection.enable()
