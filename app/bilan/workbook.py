"""The bilan of a year as a workbook (XLSX, openpyxl), one sheet per level, in French: a notice
(the year, provisional or frozen, the source), the plan, the engagements, the axes, the actions
and sub-actions, the flagship projects, the indicators, the budgets and the directorates.

Every sheet but the notice is a table: one header row (frozen, with an auto-filter), then one
row per item. Numbers are numbers (progress in %, amounts in euros, with their formats); every
text is a text cell, never a formula whatever it starts with (``=``, ``+``…), and one starting
like a formula is marked as text for the spreadsheet too (Excel's "quote prefix": no quote added
to what is read, and editing the cell keeps it a text).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from operator import attrgetter
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.campaigns.spreadsheet import MEDIA_TYPE, saved
from app.core.cells import FORMULA_STARTS, worksheet_text
from app.core.dates import PARIS, french_day, paris_today
from app.models.bilan import Bilan, BilanIndicator, BilanNode, BilanSource, BilanTrackable
from app.models.dashboard import BudgetLine, BudgetTotals
from app.models.tracking import Status

FILE_NAME = "bilan-{year}.xlsx"
__all__ = ["FILE_NAME", "MEDIA_TYPE", "SHEETS", "workbook"]

SHEETS = (
    "Notice",
    "Plan",
    "Engagements",
    "Axes",
    "Actions",
    "Projets phares",
    "Indicateurs",
    "Budgets",
    "Directions",
)
PERCENT_FORMAT = "0.0"
POINTS_FORMAT = "+0.0;-0.0;0.0"
AMOUNT_FORMAT = "#,##0.00"
COUNT_FORMAT = "0"
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
TOTAL_FILL = PatternFill("solid", fgColor="EDEDED")
WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
YES, NO = "Oui", "Non"


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its French header, its width, the number format of its numbers,
    whether its texts wrap, and what it shows of a row."""

    title: str
    width: float
    value: Callable[[Any], Any]
    number_format: str | Callable[[Any], str] | None = None
    wrap: bool = False

    def format_of(self, row: Any) -> str | None:
        if callable(self.number_format):
            return self.number_format(row)
        return self.number_format


# --- Cells ----------------------------------------------------------------------------------------


def _cell(sheet: Worksheet, value: Any, number_format: str | None = None) -> Cell:
    """A cell: a number as a number, nothing as an empty cell, a text as a text cell that is
    never a formula, without the control characters a worksheet cannot hold (U+001A…)."""
    if isinstance(value, str):
        value = worksheet_text(value) or None
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _table(
    sheet: Worksheet,
    columns: Sequence[Column],
    rows: Sequence[Any],
    emphasised: Callable[[Any], bool] = lambda _row: False,
) -> None:
    """``rows`` under a bold header row, frozen, filtered; the columns at their width; the rows
    ``emphasised`` says in bold on grey."""
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    header = []
    for column in columns:
        cell = _cell(sheet, column.title)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        strong = emphasised(row)
        for column in columns:
            cell = _cell(sheet, column.value(row), column.format_of(row))
            if column.wrap:
                cell.alignment = WRAP
            if strong:
                cell.font, cell.fill = BOLD, TOTAL_FILL
            cells.append(cell)
        sheet.append(cells)


# --- The levels ---------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return YES if value else NO


def _status(status: Status | None) -> str:
    return status.label if status is not None else ""


def _counter(status: Status) -> Callable[[BilanNode], int]:
    """How many top-level actions of a node have ``status``."""
    return lambda node: node.status_counts.get(status, 0)


def _node_columns(bilan: Bilan, *first: Column) -> list[Column]:
    y, previous = bilan.year, bilan.previous_year
    return [
        Column("Code", 12, lambda n: n.code),
        *first,
        Column("Intitulé", 60, lambda n: n.title, wrap=True),
        Column(f"Avancement {y} (%)", 14, lambda n: n.progress, PERCENT_FORMAT),
        Column(f"Avancement {previous} (%)", 14, lambda n: n.previous_progress, PERCENT_FORMAT),
        Column("Évolution (points)", 12, lambda n: n.change, POINTS_FORMAT),
        *(Column(f"Actions : {s.label.lower()}", 12, _counter(s), COUNT_FORMAT) for s in Status),
    ]


def _budget_columns() -> list[Column]:
    return [
        Column(title, 16, attrgetter(name), AMOUNT_FORMAT)
        for title, name in (
            ("Budget prévu, investissement (€)", "budget_planned_investment"),
            ("Budget prévu, fonctionnement (€)", "budget_planned_operating"),
            ("Budget réalisé, investissement (€)", "budget_spent_investment"),
            ("Budget réalisé, fonctionnement (€)", "budget_spent_operating"),
        )
    ]


def _trackable_columns(bilan: Bilan, *where: Column) -> list[Column]:
    y, previous = bilan.year, bilan.previous_year
    return [
        Column("Code", 12, lambda t: t.code),
        *where,
        Column("Intitulé", 60, lambda t: t.title, wrap=True),
        Column("Direction pilote", 14, lambda t: t.lead_directorate or ""),
        Column(f"Bilan {y} publié", 10, lambda t: _yes_no(t.reported)),
        Column(f"Statut {y}", 14, lambda t: _status(t.status)),
        Column(f"Avancement {y} (%)", 14, lambda t: t.progress, PERCENT_FORMAT),
        Column(f"Avancement {previous} (%)", 14, lambda t: t.previous_progress, PERCENT_FORMAT),
        Column(f"Commentaire du bilan {y}", 70, lambda t: t.comment, wrap=True),
        *_budget_columns(),
    ]


def _action_level(action: BilanTrackable) -> str:
    return "Sous-action" if action.parent_code else "Action"


def _actions_sheet(bilan: Bilan) -> tuple[list[Column], list[BilanTrackable]]:
    columns = _trackable_columns(
        bilan,
        Column("Niveau", 12, _action_level),
        Column("Action parente", 12, lambda t: t.parent_code or ""),
        Column("Axe", 10, lambda t: t.axis_code or ""),
        Column("Engagement", 12, lambda t: t.engagement_code or ""),
    )
    return columns, bilan.actions


def _flagship_sheet(bilan: Bilan) -> tuple[list[Column], list[BilanTrackable]]:
    columns = _trackable_columns(bilan, Column("Engagement", 12, lambda t: t.engagement_code or ""))
    return columns, bilan.flagship_projects


def _indicator_columns(bilan: Bilan) -> list[Column]:
    def t(indicator: BilanIndicator) -> Any:
        return indicator.trajectory

    def value(title: str, width: float, name: str) -> Column:
        return Column(title, width, lambda i: getattr(t(i), name), _decimal_format)

    return [
        Column("Code", 12, lambda i: i.code),
        Column("Indicateur", 50, lambda i: i.name, wrap=True),
        Column("Unité", 10, lambda i: i.unit),
        Column("Direction pilote", 14, lambda i: i.lead_directorate or ""),
        Column("Mesure", 20, lambda i: ", ".join(i.measures), wrap=True),
        value(f"Dernière valeur connue en {bilan.year}", 16, "current_value"),
        Column("Année de la valeur", 10, lambda i: t(i).current_year, COUNT_FORMAT),
        value("Cible", 14, "target_value"),
        Column("Année de la cible", 10, lambda i: t(i).target_year, COUNT_FORMAT),
        value("Valeur attendue", 14, "expected_value"),
        Column("Année attendue", 10, lambda i: t(i).expected_year, COUNT_FORMAT),
        Column("Progression vers la cible (%)", 14, lambda i: t(i).progress_rate, PERCENT_FORMAT),
        Column(f"Trajectoire en {bilan.year}", 22, lambda i: t(i).trajectory.label),
    ]


def _decimal_format(indicator: BilanIndicator) -> str:
    """An indicator's values with its own number of decimals (0 to 6)."""
    places = min(max(indicator.decimals, 0), 6)
    return "#,##0" + ("." + "0" * places if places else "")


@dataclass(frozen=True)
class BudgetRow:
    """A line of the Budgets sheet: a group's line, or the group's total row."""

    group: str
    code: str
    title: str
    totals: BudgetTotals
    total: bool = False


#: The groups of the Budgets sheet: their French name, and their lines in ``BudgetSummary``.
BUDGET_GROUPS = (
    ("Engagement", "engagements"),
    ("Axe", "axes"),
    ("Direction", "directorates"),
    ("Projet phare", "flagship_projects"),
)
TOTAL_TITLE = "Total du plan (toutes les actions, sous-actions et projets phares)"


def _budget_rows(bilan: Bilan) -> list[BudgetRow]:
    rows: list[BudgetRow] = []
    for group, attribute in BUDGET_GROUPS:
        lines: list[BudgetLine] = getattr(bilan.budgets, attribute)
        rows.extend(
            BudgetRow(group, line.code or "", line.title or "Sans direction pilote", line)
            for line in lines
        )
        rows.append(BudgetRow(group, "Total", TOTAL_TITLE, bilan.budgets.total, total=True))
    return rows


def _budget_sheet_columns() -> list[Column]:
    def amount(title: str, name: str) -> Column:
        return Column(title, 16, lambda r: getattr(r.totals, name), AMOUNT_FORMAT)

    return [
        Column("Regroupement", 14, lambda r: r.group),
        Column("Code", 12, lambda r: r.code),
        Column("Intitulé", 55, lambda r: r.title, wrap=True),
        amount("Prévu, investissement (€)", "planned_investment"),
        amount("Prévu, fonctionnement (€)", "planned_operating"),
        amount("Prévu, total (€)", "planned"),
        amount("Réalisé, investissement (€)", "spent_investment"),
        amount("Réalisé, fonctionnement (€)", "spent_operating"),
        amount("Réalisé, total (€)", "spent"),
        Column("Bilans comptés", 10, lambda r: r.totals.reports, COUNT_FORMAT),
    ]


def _directorate_columns(bilan: Bilan) -> list[Column]:
    y = bilan.year
    return [
        Column("Code", 12, lambda d: d.code),
        Column("Direction", 45, lambda d: d.name, wrap=True),
        Column("Actions et projets pilotés", 14, lambda d: d.expected, COUNT_FORMAT),
        Column(f"Bilans {y} publiés", 12, lambda d: d.reported, COUNT_FORMAT),
        Column(
            "Part remise (%)",
            12,
            lambda d: round(100 * d.reported / d.expected, 1) if d.expected else None,
            PERCENT_FORMAT,
        ),
        Column("À tout remis", 10, lambda d: _yes_no(d.reported >= d.expected)),
    ]


# --- The notice -----------------------------------------------------------------------------------


def _state(bilan: Bilan) -> str:
    """Provisional or frozen, said in French."""
    if not bilan.provisional and bilan.source == BilanSource.snapshot:
        frozen = ""
        if bilan.frozen_at is not None:
            at = bilan.frozen_at
            day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(PARIS).date()
            frozen = f" le {french_day(day)}"
        return (
            f"Bilan arrêté : la campagne du bilan {bilan.year} est close, ses bilans ont été "
            f"figés{frozen}. Ce classeur les reprend tels qu'ils étaient alors."
        )
    campaign = (
        f"la campagne du bilan {bilan.year} est en cours"
        if bilan.campaign_state == "open"
        else f"aucune campagne du bilan {bilan.year} n'a été close"
    )
    return (
        f"Bilan provisoire : {campaign}. Ce classeur reprend les bilans publiés au "
        f"{french_day(paris_today())} ; ils peuvent encore changer."
    )


def _notice(sheet: Worksheet, bilan: Bilan) -> None:
    y = bilan.year
    lines: list[tuple[str, bool]] = [
        (f"Projet de territoire 2024-2044 de La Porte du Hainaut — bilan {y}", True),
        (_state(bilan), True),
        (
            "Source : Boussole, le suivi du projet de territoire de la Communauté "
            "d'agglomération de La Porte du Hainaut (CAPH) ; les bilans annuels des actions "
            "et projets phares sont remplis par leurs directions pilotes.",
            False,
        ),
        (
            f"Avancement : moyenne pondérée des actions, chacune à son dernier bilan publié "
            f"jusqu'en {y} (jusqu'en {bilan.previous_year} pour la colonne de l'année "
            "précédente) ; évolution en points de pourcentage.",
            False,
        ),
        ("Les feuilles :", True),
        (
            "• Plan, Engagements, Axes : l'avancement, son évolution et les statuts des actions ;",
            False,
        ),
        (
            "• Actions : chaque action et sous-action, son statut, son avancement, le "
            f"commentaire de son bilan {y} et ses budgets ;",
            False,
        ),
        ("• Projets phares : les projets phares, de même ;", False),
        (
            f"• Indicateurs : chaque indicateur, sa dernière valeur connue en {y}, sa cible et "
            "sa trajectoire ;",
            False,
        ),
        (
            "• Budgets : les montants prévus et réalisés par engagement, axe, direction et "
            "projet phare, chaque regroupement suivi du total du plan (les axes ne comptent "
            "pas les bilans propres aux projets phares ; un projet phare compte aussi les "
            "actions qu'il sert : ces deux regroupements ne s'additionnent pas au total) ;",
            False,
        ),
        (f"• Directions : les bilans {y} attendus et publiés de chaque direction pilote.", False),
    ]
    sheet.column_dimensions["A"].width = 120
    for number, (text, bold) in enumerate(lines, start=1):
        cell = _cell(sheet, text)
        cell.alignment = WRAP
        if bold:
            cell.font = Font(bold=True, size=14 if number == 1 else 11)
        sheet.append([cell])


# --- The workbook ---------------------------------------------------------------------------------


def workbook(bilan: Bilan) -> bytes:
    """The bilan of ``bilan.year`` as an XLSX workbook (see the module's docstring)."""
    book = Workbook(write_only=True)  # streamed: a few times faster for thousands of rows
    _notice(book.create_sheet(SHEETS[0]), bilan)
    plan: list[BilanNode] = [bilan.plan]
    engagement = Column("Engagement", 12, lambda a: a.engagement_code)
    tables: list[tuple[str, list[Column], Sequence[Any]]] = [
        ("Plan", _node_columns(bilan), plan),
        ("Engagements", _node_columns(bilan), bilan.engagements),
        ("Axes", _node_columns(bilan, engagement), [a for e in bilan.engagements for a in e.axes]),
        ("Actions", *_actions_sheet(bilan)),
        ("Projets phares", *_flagship_sheet(bilan)),
        ("Indicateurs", _indicator_columns(bilan), bilan.indicators),
        ("Budgets", _budget_sheet_columns(), _budget_rows(bilan)),
        ("Directions", _directorate_columns(bilan), bilan.directorates),
    ]
    for title, columns, rows in tables:
        _table(book.create_sheet(title), columns, rows, lambda row: getattr(row, "total", False))
    return saved(book, f"Bilan {bilan.year} du projet de territoire")
