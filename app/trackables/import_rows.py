"""A file of yearly reports read into rows: the header matched to the columns, each row's values
checked (with the caller's scope and years, in the same pass), every problem located (row,
column, value, what is expected, in French). The file's format is app.trackables.import_files';
what is done with the rows is app.trackables.imports'.

The header names each column by its key (``progress``: the open-data export's) or by its French
title (``Avancement (%)``: the campaign's spreadsheet's, ``COLUMN_TITLES``), whatever its case,
accents, spaces or dashes. The columns written only to be read (``INFORMATIVE_TITLES``) are read
past; any other column is refused, naming it — a renamed column would otherwise be read as
missing, and its values lost.
"""

import io
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import IO

from app.core.text import fold
from app.models import Status
from app.models.imports import REQUIRED_COLUMNS, RowError
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.trackables.import_files import INVALID_FILE, SheetRow, Table, file_problem, open_table
from app.trackables.import_refusals import INVALID_ROW, OUT_OF_SCOPE
from app.trackables.status_words import status_word

BUDGET_COLUMNS = (
    "budget_planned_investment",
    "budget_planned_operating",
    "budget_spent_investment",
    "budget_spent_operating",
)
#: The columns the import reads, by key, with their French titles.
COLUMN_TITLES = {
    "trackable_code": "Code",
    "year": "Année",
    "status": "Statut",
    "progress": "Avancement (%)",
    "comment": "Commentaire",
    "budget_planned_investment": "Budget prévu, investissement (€)",
    "budget_planned_operating": "Budget prévu, fonctionnement (€)",
    "budget_spent_investment": "Budget dépensé, investissement (€)",
    "budget_spent_operating": "Budget dépensé, fonctionnement (€)",
}
#: The columns a row reports in (the others say which report it is).
VALUE_COLUMNS = ("status", "progress", "comment", *BUDGET_COLUMNS)
#: Columns written to be read, never imported: the export's date, the spreadsheet's references.
INFORMATIVE_TITLES = {
    "reported_at": "Date du bilan",
    "kind": "Type",
    "title": "Intitulé",
    "lead_directorate": "Direction pilote",
    "state": "État du bilan",
    "source": "Valeurs pré-remplies",
    "previous_comment": "Commentaire de l'an dernier",
}
MAX_COMMENT = 20_000
#: A cell the export prefixed with a quote to make it inert in a spreadsheet (see
#: app.core.cells.neutralise): quotes, then what a spreadsheet takes for a formula.
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
PERCENT = "un avancement en %, de 0 à 100"
AMOUNT = "un montant en euros, de 0 à 1 000 milliards"
EXPECTED_COLUMNS = (
    "les colonnes attendues sont Code, Année, Statut, Avancement (%), Commentaire et les quatre "
    "budgets (prévu et dépensé, investissement et fonctionnement), ou leurs noms anglais "
    "(trackable_code, year, progress…)"
)


def _header_key(text: str) -> str:
    """A column's name, case, accents, spaces, dashes and underscores aside."""
    return " ".join(re.split(r"[\s_\-–—,]+", fold(text))).strip()


#: Every accepted name of a column: its key, its title.
_HEADER_NAMES = {
    _header_key(name): key
    for key, title in (COLUMN_TITLES | INFORMATIVE_TITLES).items()
    for name in (key, title)
}


@dataclass(frozen=True)
class ParsedRow:
    line: int
    trackable_code: str
    year: int
    progress: float
    status: Status | None
    comment: str
    budgets: dict[str, float | None]


@dataclass
class Parsed:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Reading stopped early: the file has more problems than ``errors`` lists.
    truncated: bool = False
    #: The codes of the rows about what the caller may not write, in the order of the file.
    out_of_scope: list[str] = field(default_factory=list)
    #: The file's format: "csv", "xlsx" or "ods".
    kind: str = "csv"
    #: How a person finds each column read, by key: « colonne E, « Avancement (%) » ».
    columns: dict[str, str] = field(default_factory=dict)
    #: Rows with nothing filled in, read past (``skip_unfilled``).
    skipped: int = 0


#: Why the caller may not report on a trackable (its code), or None when it may.
ScopeCheck = Callable[[str], str | None]
#: Why a row may not report on a year, and the problem's type; None when it may.
YearCheck = Callable[[int], tuple[str, str] | None]


def _number(raw: str) -> float:
    """``12.5``, ``12,5``, ``1 200 000,50`` (spaces and no-break spaces as thousands)."""
    text = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def parse(
    source: IO[bytes] | bytes,
    *,
    max_problems: int | None = None,
    known_codes: Collection[str] | None = None,
    scope: ScopeCheck | None = None,
    year_check: YearCheck | None = None,
    max_rows: int | None = None,
    skip_unfilled: bool = False,
) -> Parsed:
    """Rows and problems from a binary file (read from its start) or bytes; never raises but
    for the file's own read errors. Reading stops once more than ``max_problems`` problems are
    found: the first ``max_problems`` are kept and ``truncated`` is set. With ``known_codes``, a
    code not among them is a problem of its row; with ``scope``, so is a known code the caller
    may not report on, and with ``year_check`` a year it may not (in the same pass: one answer
    lists every kind of problem). ``max_rows``: a CSV's data rows too are bounded (a sheet's
    always are: app.trackables.import_files). ``skip_unfilled``: a row with no value in its
    value columns (a trackable of the spreadsheet left as it was) is read past."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    result = Parsed()
    with open_table(file, max_rows=max_rows) as table:
        if isinstance(table, RowError):
            result.errors.append(table)
            return result
        result.kind = table.kind
        index = _read_header(table, result)
        if index is not None:
            reader = _RowReader(table, index, result, known_codes, scope, year_check)
            _read_rows(table, reader, result, max_problems, skip_unfilled)
    return result


def _read_header(table: Table, result: Parsed) -> dict[str, int] | None:
    """The position of each column named, by key (the informative ones too); None when the rows
    cannot be read (a column missing, or no header at all), the problems added to ``result``."""
    index: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    problems = result.errors
    for position, raw in enumerate(table.header):
        name = raw.strip()
        if not name:
            continue
        key = _HEADER_NAMES.get(_header_key(name))
        if key is None:
            unknown.append((position, name))
        elif key in index:
            problems.append(
                file_problem(
                    f"la {table.column_name(position)}, « {name} », répète la "
                    f"{table.column_name(index[key])} : une colonne ne peut figurer qu'une fois"
                )
            )
        else:
            index[key] = position
            result.columns[key] = f"{table.column_name(position)}, « {name} »"
    if not index:
        problems.append(
            file_problem(
                f"la première ligne n'est pas l'en-tête du tableau des bilans : {EXPECTED_COLUMNS}"
            )
        )
        return None
    for position, name in unknown:
        problems.append(
            file_problem(
                f"la {table.column_name(position)}, « {name} », n'est pas une colonne du tableau "
                f"(renommée ?) : {EXPECTED_COLUMNS}"
            )
        )
    missing = [key for key in REQUIRED_COLUMNS if key not in index]
    for key in missing:
        problems.append(
            file_problem(f"la colonne « {COLUMN_TITLES[key]} » ({key}) manque : {EXPECTED_COLUMNS}")
        )
    return None if missing else index


def _read_rows(
    table: Table,
    reader: "_RowReader",
    result: Parsed,
    max_problems: int | None,
    skip_unfilled: bool,
) -> None:
    errors = result.errors
    seen: dict[tuple[str, int], int] = {}
    limit = max_problems if max_problems is not None else math.inf
    for sheet_row in table.rows:
        if len(errors) > limit:
            break
        if sheet_row.problem is not None:
            errors.append(sheet_row.problem)
            if sheet_row.problem.type == INVALID_FILE:
                break  # too many rows: nothing further is read
            continue
        if not sheet_row.formulas and not "".join(sheet_row.cells).strip():
            continue  # a blank line, or a row of empty cells
        row = reader.read(sheet_row, skip_unfilled)
        if row is None:
            continue
        key = (row.trackable_code, row.year)
        if key in seen:
            errors.append(
                RowError(
                    line=row.line,
                    column="year",
                    message=f"{row.trackable_code} {row.year} figure déjà ligne {seen[key]}",
                )
            )
            continue
        seen[key] = row.line
        result.rows.append(row)
    if len(errors) > limit:
        del errors[int(limit) :]
        result.truncated = True


def _unneutralised(text: str) -> str:
    """Undo the export's protection against formula injection (see
    app.core.cells.neutralise): one quote off a cell the export would have prefixed.
    ``'=SUM(A1)`` → ``=SUM(A1)``, ``''=1`` → ``'=1``; ``'hello`` stays as it is."""
    return text[1:] if text[:1] == "'" and _NEUTRALISED.match(text) else text


def _quoted(text: str, size: int = 40) -> str:
    """A cell's value as a message quotes it: « … », cut past ``size`` characters."""
    shown = text if len(text) <= size else text[: size - 1] + "…"
    return f"« {shown} »"


@dataclass
class _RowReader:
    """Reads a row of the table into a report, or into the problems of the row."""

    table: Table
    index: dict[str, int]
    result: Parsed
    known_codes: Collection[str] | None
    scope: ScopeCheck | None
    year_check: YearCheck | None

    def read(self, row: SheetRow, skip_unfilled: bool) -> ParsedRow | None:
        line, cells, index = row.line, row.cells, self.index
        keys = {position: key for key, position in index.items()}
        problems: list[RowError] = []

        def fail(column: str | None, message: str, kind: str = INVALID_ROW) -> None:
            problems.append(RowError(line=line, column=column, message=message, type=kind))

        for position, formula in sorted(row.formulas.items()):
            fail(
                keys.get(position),
                f"{self.table.cell_name(position, line)} contient une formule "
                f"({_quoted(formula)}) : remplacez-la par sa valeur (copier, puis collage spécial "
                "« valeurs seulement »)",
            )
        for position, text in enumerate(cells):
            if text.strip() and (
                position >= len(self.table.header) or not self.table.header[position].strip()
            ):
                fail(
                    None,
                    f"{self.table.cell_name(position, line)} contient {_quoted(text.strip())}, "
                    "hors des colonnes du tableau (sa colonne n'a pas de titre)",
                )

        def cell(name: str) -> str | None:
            """The cell's text, stripped; None for a formula (already a problem)."""
            position = index.get(name)
            if position in row.formulas:
                return None
            return cells[position].strip() if position is not None and position < len(cells) else ""

        # PostgreSQL cannot store it in text, SQLite would: refused on both alike. The first
        # cell holding one is named, once per row however many cells hold one.
        nul_at = next((place for place, text in enumerate(cells) if "\x00" in text), None)
        if nul_at is not None:
            fail(
                keys.get(nul_at),
                "contient un caractère NUL (U+0000), qui ne peut pas être enregistré",
            )
        if skip_unfilled and not problems and not any(cell(name) for name in VALUE_COLUMNS):
            self.result.skipped += 1
            return None
        code = self._code(cell("trackable_code"), fail)
        year = self._year(cell("year"), cell, fail)
        value = self._progress(cell("progress"), fail)
        status = None
        raw_status = cell("status")
        if raw_status:
            status = status_word(raw_status)
            if status is None:
                fail(
                    "status",
                    f"statut inconnu : {_quoted(raw_status)} ; attendu un statut de la liste "
                    f"({', '.join(s.label for s in Status)}) ou du schéma national (« Terminé »…)",
                )
        comment = self._comment(row, fail)
        budgets: dict[str, float | None] = {}
        for name in BUDGET_COLUMNS:
            budgets[name] = self._amount(name, cell(name), fail)
        if problems:
            self.result.errors.extend(problems)
            return None
        assert code is not None and year is not None and value is not None
        return ParsedRow(line, code, year, value, status, comment, budgets)

    def _code(self, code: str | None, fail: Callable[..., None]) -> str | None:
        if code is None:
            return None
        if not code:
            fail(
                "trackable_code", "manquant : le code de l'action ou du projet phare (E1.2.3, PP5)"
            )
        elif self.known_codes is not None and code not in self.known_codes:
            fail("trackable_code", f"action ou projet phare inconnu : {_quoted(code)}")
        elif self.scope is not None and (refusal := self.scope(code)) is not None:
            fail("trackable_code", refusal, OUT_OF_SCOPE)
            self.result.out_of_scope.append(code)
        else:
            return code
        return None

    def _year(
        self, raw: str | None, cell: Callable[[str], str | None], fail: Callable[..., None]
    ) -> int | None:
        if raw is None:
            return None
        expected = f"attendu une année de {FIRST_YEAR} à {LAST_YEAR}"
        if not raw:
            spent = [n for n in BUDGET_COLUMNS if "spent" in n and cell(n)]
            fail(
                "year",
                "manquante : un budget dépensé doit être rattaché à l'année où il l'a été"
                if spent
                else "manquante : l'année du bilan",
            )
            return None
        try:
            number = _number(raw)
        except ValueError:
            fail("year", f"{_quoted(raw)} n'est pas une année : {expected}")
            return None
        if not FIRST_YEAR <= number <= LAST_YEAR or number != int(number):
            fail("year", f"{_quoted(raw)} : {expected}")
            return None
        year = int(number)
        if self.year_check is not None and (refusal := self.year_check(year)) is not None:
            fail("year", *refusal)
            return None
        return year

    def _progress(self, raw: str | None, fail: Callable[..., None]) -> float | None:
        if raw is None:
            return None
        if not raw:
            fail("progress", f"manquant : {PERCENT}")
            return None
        try:
            value = _number(raw)
        except ValueError:
            fail("progress", f"{_quoted(raw)} n'est pas un nombre : attendu {PERCENT}")
            return None
        if not 0 <= value <= 100:
            fail("progress", f"{_quoted(raw)} : attendu {PERCENT}")
            return None
        return value

    def _comment(self, row: SheetRow, fail: Callable[..., None]) -> str:
        # Free text, kept as it is (not stripped), so that export → import changes nothing.
        at = self.index.get("comment")
        if at is None or at >= len(row.cells) or at in row.formulas:
            return ""
        text = row.cells[at]
        comment = text if self.table.is_sheet else _unneutralised(text)
        if len(comment) > MAX_COMMENT:
            fail("comment", f"trop long : {len(comment)} caractères, {MAX_COMMENT} au plus")
        return comment

    @staticmethod
    def _amount(name: str, raw: str | None, fail: Callable[..., None]) -> float | None:
        if not raw:
            return None
        try:
            value = _number(raw)
        except ValueError:
            fail(name, f"{_quoted(raw)} n'est pas un montant : attendu {AMOUNT}")
            return None
        if not 0 <= value <= 1e12:
            fail(name, f"{_quoted(raw)} : attendu {AMOUNT}")
            return None
        return value
