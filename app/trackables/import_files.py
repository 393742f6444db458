"""The files an import reads — CSV, XLSX or ODS — as a header and rows of text cells.

``open_table`` tells the format by the file's first bytes, never by its name or announced type:
a ZIP archive holding ``xl/workbook.xml`` is an XLSX workbook, one whose ``mimetype`` says so an
ODS spreadsheet; anything else is read as CSV. What is refused before any row is read, as one
problem of the whole file (type ``invalid-file``): an empty file, a binary file (NUL bytes, no
header: an image, a PDF…), an Excel 97-2003 or encrypted workbook,
an archive that is neither an XLSX nor an ODS workbook, one whose parts unpack to more than
``MAX_UNPACKED`` bytes (a "ZIP bomb"), and a workbook with more than one sheet of data (the
spreadsheet's ``NOTICE_SHEET`` aside).

**CSV**: the encoding is decided once, for the whole file (app.trackables.import_encoding:
UTF-8 with or without a BOM, else Windows-1252, nothing guessed). The separator is the first
line's most frequent of ``;`` and ``,``.

**XLSX**: openpyxl, in its read-only mode (the sheet's XML streamed, row by row), with formulas
kept as formulas (``data_only=False``): a cell holding one is named (``formulas``), never read as
its cached value. **ODS**: the ``content.xml`` of the archive streamed through defusedxml's
``iterparse`` (no DTD, no entity: no "billion laughs"), repeated rows and cells expanded only as
far as the limits allow. python-calamine reads both formats faster but tells no formula and
expands repeated cells without bound; odfpy builds the whole document in memory.

Cells come as text: a number in plain decimal notation (a cell shown as a percentage, as the
person sees it: 0.45 shown "45 %" is "45"), a date as ISO 8601, a boolean as "VRAI" or "FAUX".
Rows are numbered as the file numbers them (the header is row 1; a CSV row spanning lines by a
quoted line break is numbered by its last line). A file with a value past ``max_rows`` data rows
(a sheet's always, a CSV's when asked) is refused before its rows are read, naming that row.
"""

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from app.core.cells import format_number
from app.core.text import fold
from app.models.imports import RowError
from app.trackables.import_encoding import UTF16_BOMS, decide_encoding

#: The type of a problem of the whole file (the row and column then locate it only roughly).
INVALID_FILE = "invalid-file"
#: The sheet the campaign's spreadsheet explains itself in: read past (app.campaigns.spreadsheet).
NOTICE_SHEET = "Notice"
#: Data rows a spreadsheet (XLSX, ODS) may hold: past it, refused.
MAX_SHEET_ROWS = 5000
#: Columns of a sheet read; cells further right are not.
MAX_COLUMNS = 64
#: Bytes the parts of a workbook may unpack to, and parts it may have.
MAX_UNPACKED = 32 * 1024 * 1024
MAX_PARTS = 500
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
EXPECTED = "envoyez le tableau en XLSX, en ODS ou en CSV"


def file_problem(message: str, line: int = 1) -> RowError:
    return RowError(line=line, column=None, message=message, type=INVALID_FILE)


@dataclass
class SheetRow:
    """A row of the file: its number, its cells as text, and what made some unreadable."""

    line: int
    cells: list[str] = field(default_factory=list)
    #: Cells holding a formula: their position (from 0) and the formula.
    formulas: dict[int, str] = field(default_factory=dict)
    #: What makes the row unreadable (a CSV quote never closed, a broken sheet past it).
    problem: RowError | None = None


@dataclass
class Table:
    """A file's header and its rows (an iterator: read once)."""

    kind: str  # "csv", "xlsx" or "ods"
    header: list[str]
    rows: Iterator[SheetRow]
    #: The sheet read (a workbook's), None for CSV.
    sheet: str | None = None

    @property
    def is_sheet(self) -> bool:
        return self.kind != "csv"

    def column_name(self, position: int) -> str:
        """How a person finds the column: its letter in a sheet ("E"), its rank in a CSV."""
        if self.is_sheet:
            return f"colonne {get_column_letter(position + 1)}"
        return f"{position + 1}{'re' if position == 0 else 'e'} colonne"

    def cell_name(self, position: int, line: int) -> str:
        if self.is_sheet:
            return f"la cellule {get_column_letter(position + 1)}{line}"
        return f"la {self.column_name(position)} de la ligne {line}"


@contextmanager
def open_table(file: IO[bytes], *, max_rows: int | None = None) -> Iterator[Table | RowError]:
    """The table of ``file`` (read from its start, left open: it is the caller's), or the
    problem that refuses the whole file. ``max_rows`` bounds a CSV's data rows too (a sheet's
    are always bounded, by ``MAX_SHEET_ROWS`` at most)."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if not head:
        yield file_problem("le fichier est vide")
    elif head.startswith(ZIP_MAGIC):
        with _workbook_table(file, min(max_rows or MAX_SHEET_ROWS, MAX_SHEET_ROWS)) as table:
            yield table
    elif head.startswith(OLE2_MAGIC):
        yield file_problem(
            "ce fichier est au format Office 97-2003 (un classeur .xls ?) ou protégé par un mot "
            f"de passe : enregistrez-le au format .xlsx, sans mot de passe, ou {EXPECTED}"
        )
    elif _binary(head):
        yield file_problem(f"ce fichier n'est pas un tableur ni un texte : {EXPECTED}")
    else:
        with _csv_table(file, max_rows) as table:
            yield table


# --- CSV ------------------------------------------------------------------------------------------


def _binary(head: bytes) -> bool:
    """A binary file: NUL bytes in its first 8 KiB, and a first line that is no header (a NUL in
    it, or not one separator). A NUL further down a CSV is a cell's problem."""
    if b"\x00" not in head or head.startswith(UTF16_BOMS):
        return False
    first = head.split(b"\n", 1)[0]
    return b"\x00" in first or not (b"," in first or b";" in first)


@contextmanager
def _csv_table(file: IO[bytes], max_rows: int | None) -> Iterator[Table | RowError]:
    encoding = decide_encoding(file)
    if isinstance(encoding, RowError):
        yield encoding
        return
    probe = io.TextIOWrapper(file, encoding=encoding, newline="")
    first_line = probe.readline()
    probe.detach()
    file.seek(0)
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if max_rows is not None and (past := _csv_past(file, encoding, delimiter, max_rows)):
        yield _too_many(past, max_rows)
        return
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        # strict: a quote never closed, or text after a closing quote, is an error, not a guess.
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            yield file_problem("le fichier est vide")
            return
        except csv.Error as exc:
            yield file_problem(_csv_problem(exc, 1, reader.line_num))
            return
        yield Table("csv", header, _csv_rows(reader))
    finally:
        text.detach()  # the file stays open: it is the caller's


def _csv_rows(reader: Any) -> Iterator[SheetRow]:
    while True:
        start = reader.line_num + 1  # where the next row begins (a quoted cell may span lines)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # the reader goes on with the line after
            problem = _csv_problem(exc, start, reader.line_num)
            yield SheetRow(start, problem=RowError(line=start, column=None, message=problem))
            continue
        yield SheetRow(reader.line_num, cells)


def _csv_past(file: IO[bytes], encoding: str, delimiter: str, max_rows: int) -> int | None:
    """The line of the first row past ``max_rows`` rows holding a value, if there is one: a
    pass of the csv module over the file (5 MiB in a tenth of a second)."""
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        reader = csv.reader(text, delimiter=delimiter)
        read = 0
        for cells in itertools.islice(reader, 1, None):
            read += bool("".join(cells).strip())
            if read > max_rows:
                return reader.line_num
        return None
    except csv.Error:
        return None  # the rows' reading says where
    finally:
        text.detach()
        file.seek(0)


def _too_many(line: int, max_rows: int) -> RowError:
    limit = f"{max_rows:,}".replace(",", "\u202f")
    return file_problem(
        f"le tableau a plus de {limit} lignes de bilans (ligne {line} et au-delà) : rien n'en "
        "a été lu ; découpez-le, ou n'y gardez que vos actions",
        line,
    )


def _csv_problem(exc: csv.Error, start: int, end: int) -> str:
    message = str(exc)
    # The csv module's words for the end of the file inside a quoted cell.
    if message == "unexpected end of data":
        return "guillemet jamais fermé : une cellule entre guillemets de cette ligne ne finit pas"
    if message.startswith("field larger than field limit"):
        size = f"{csv.field_size_limit():,}".replace(",", "\u202f")
        return (
            f"une cellule de plus de {size} caractères : un guillemet ouvert sur cette ligne "
            "n'est sans doute jamais fermé"
        )
    where = f" (ligne {end})" if end != start else ""
    if "expected after" in message:  # text after a closing quote, in strict mode
        return f"CSV illisible{where} : du texte suit le guillemet qui ferme une cellule"
    return f"CSV illisible{where}"


# --- Workbooks ------------------------------------------------------------------------------------


@contextmanager
def _workbook_table(file: IO[bytes], max_rows: int) -> Iterator[Table | RowError]:
    try:
        archive = zipfile.ZipFile(file)
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        yield file_problem(f"ce fichier compressé (ZIP) est illisible ou incomplet : {EXPECTED}")
        return
    with archive:
        names = {part.filename for part in parts}
        if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED:
            yield file_problem(
                f"ce classeur dépasse {MAX_UNPACKED // (1024 * 1024)} Mio une fois décompressé : "
                "n'y gardez que le tableau des bilans"
            )
        elif "xl/workbook.xml" in names:
            with _xlsx_table(file, max_rows) as table:
                yield table
        elif "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            yield _ods_table(archive, max_rows)
        elif "xl/workbook.bin" in names:
            yield file_problem(
                "ce classeur est au format binaire d'Excel (.xlsb) : enregistrez-le au format .xlsx"
            )
        else:
            yield file_problem(
                f"ce fichier compressé n'est ni un classeur XLSX ni un classeur ODS : {EXPECTED}"
            )


def _data_sheet(names: list[str]) -> str | RowError:
    """The one sheet of data among ``names`` (the notice aside), or the problem of the file."""
    data = [name for name in names if fold(name.strip()) != fold(NOTICE_SHEET)]
    if len(data) == 1:
        return data[0]
    if not data:
        return file_problem("le classeur n'a aucune feuille de bilans")
    listed = ", ".join(f"« {name} »" for name in data)
    return file_problem(
        f"le classeur a {len(data)} feuilles ({listed}) : une seule feuille de bilans est "
        f"attendue (la feuille « {NOTICE_SHEET} » peut rester) ; supprimez les autres, ou "
        "importez-les une à une"
    )


def _sheet_text(value: Any, percent: bool = False) -> str:
    """A typed cell as text (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, int | float):
        return format_number(value * 100 if percent else value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


@contextmanager
def _xlsx_table(file: IO[bytes], max_rows: int) -> Iterator[Table | RowError]:
    try:
        workbook = load_workbook(file, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises what its parts raise: a broken file, never ours
        yield file_problem(f"ce classeur XLSX est illisible : {EXPECTED}")
        return
    try:
        name = _data_sheet(workbook.sheetnames)
        if isinstance(name, RowError):
            yield name
            return
        sheet = workbook[name]
        if not hasattr(sheet, "iter_rows"):
            yield file_problem(f"la feuille « {name} » est un graphique, pas un tableau")
            return
        # The dimensions the file declares may be wrong: every row is read, as far as it goes.
        sheet.reset_dimensions()
        past = _xlsx_past(sheet, max_rows)
        if past is not None:
            yield _too_many(past, max_rows)
            return
        rows = _xlsx_rows(sheet.iter_rows(max_col=MAX_COLUMNS))
        try:
            header = next(rows)
        except StopIteration:
            yield file_problem("le fichier est vide")
            return
        except Exception:
            yield file_problem(f"ce classeur XLSX est illisible : {EXPECTED}")
            return
        yield Table("xlsx", header.cells, _guarded(rows), name)
    finally:
        workbook.close()


def _xlsx_past(sheet: Any, max_rows: int) -> int | None:
    """The first row past ``max_rows`` data rows holding a value, if there is one: the rows
    before are parsed, not turned into cells."""
    start = max_rows + 2
    rows = sheet.iter_rows(min_row=start, max_col=MAX_COLUMNS, values_only=True)
    for number, values in enumerate(rows, start=start):
        if any(value is not None and value != "" for value in values):
            return number
    return None


def _xlsx_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[SheetRow]:
    for number, cells in enumerate(rows, start=1):
        row = SheetRow(number)
        for position, cell in enumerate(cells):
            value = cell.value
            if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
                formula = value.text if isinstance(value, ArrayFormula) else str(value)
                row.formulas[position] = formula or "="
                row.cells.append("")
                continue
            percent = isinstance(value, int | float) and "%" in (cell.number_format or "")
            row.cells.append(_sheet_text(value, percent))
        yield row


def _guarded(rows: Iterator[SheetRow]) -> Iterator[SheetRow]:
    """``rows``, a broken part of the workbook found while reading them refusing the file."""
    line = 1
    try:
        for row in rows:
            line = row.line
            yield row
    except Exception:  # the sheet's XML, broken past the header
        yield SheetRow(
            line + 1,
            problem=file_problem(
                f"ce classeur est illisible après la ligne {line} : {EXPECTED}", line + 1
            ),
        )


# --- ODS ------------------------------------------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")


def _ods_table(archive: zipfile.ZipFile, max_rows: int) -> Table | RowError:
    """The data sheet of an ODS spreadsheet, read whole (bounded: ``max_rows`` rows of
    ``MAX_COLUMNS`` cells) in one streamed pass over ``content.xml``."""
    sheets: list[tuple[str, list[SheetRow]]] = []
    try:
        with archive.open("content.xml") as content:
            for name, rows in _ods_sheets(content, max_rows):
                sheets.append((name, rows))
    except Exception:  # a broken or hostile content.xml (defusedxml refuses entities)
        return file_problem(f"ce classeur ODS est illisible : {EXPECTED}")
    chosen = _data_sheet([name for name, _ in sheets])
    if isinstance(chosen, RowError):
        return chosen
    rows = next(rows for name, rows in sheets if name == chosen)
    if not rows:
        return file_problem("le fichier est vide")
    if rows[-1].problem is not None:  # past max_rows: the reading stopped there
        return rows[-1].problem
    return Table("ods", rows[0].cells, iter(rows[1:]), chosen)


def _ods_sheets(content: IO[bytes], max_rows: int) -> Iterator[tuple[str, list[SheetRow]]]:
    """Each sheet's name and rows; a notice sheet's rows are not kept. Each row and cell is
    dropped from the tree once read, so memory holds the rows kept and no more."""
    rows: list[SheetRow] = []
    name = ""
    keep = True
    number = 0  # the row being read, from 1
    full = False  # past max_rows: only a value further down matters (it refuses the file)
    cells: list[str] = []
    formulas: dict[int, str] = {}
    depth = 0  # tables open: 2 inside a table of a cell, whose rows are the cell's content
    stack: list[Element] = []
    for event, element in iterparse(content, events=("start", "end")):
        tag = element.tag
        if event == "start":
            stack.append(element)
            if tag == f"{_TABLE}table":
                depth += 1
                if depth == 1:
                    name = element.get(f"{_TABLE}name", "")
                    keep = fold(name.strip()) != fold(NOTICE_SHEET)
                    rows, number, full = [], 0, False
            elif tag == f"{_TABLE}table-row" and depth == 1:
                cells, formulas = [], {}
            continue
        stack.pop()
        if tag in _CELLS and depth == 1:
            if keep and not full:
                _ods_cell(element, cells, formulas)
        elif tag == f"{_TABLE}table-row" and depth == 1:
            repeat = _count(element.get(f"{_TABLE}number-rows-repeated"))
            while cells and not cells[-1] and len(cells) - 1 not in formulas:
                cells.pop()
            if not keep or full or not (cells or formulas):
                number += repeat
            else:
                for _ in range(repeat):
                    number += 1
                    if number > max_rows + 1:
                        rows.append(SheetRow(number, problem=_too_many(number, max_rows)))
                        full = True
                        break
                    rows.append(SheetRow(number, list(cells), dict(formulas)))
        elif tag == f"{_TABLE}table":
            depth -= 1
            if depth == 0:
                yield name, rows if keep else []
        else:
            continue
        if stack:  # read: dropped from its parent
            stack[-1].remove(element)


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def _ods_cell(element: Element, cells: list[str], formulas: dict[int, str]) -> None:
    repeat = _count(element.get(f"{_TABLE}number-columns-repeated"))
    formula = element.get(f"{_TABLE}formula")
    text = "" if formula else _ods_value(element)
    if not text and not formula:
        cells.extend([""] * min(repeat, MAX_COLUMNS - len(cells)))
        return
    for _ in range(min(repeat, MAX_COLUMNS - len(cells))):
        if formula:
            formulas[len(cells)] = formula
        cells.append(text)


def _ods_value(element: Element) -> str:
    kind = element.get(f"{_OFFICE}value-type")
    if kind in ("float", "currency", "percentage"):
        raw = element.get(f"{_OFFICE}value") or ""
        try:
            number = float(raw)
        except ValueError:
            return raw
        return format_number(number * 100 if kind == "percentage" else number)
    if kind == "date":
        return (element.get(f"{_OFFICE}date-value") or "").removesuffix("T00:00:00")
    if kind == "time":
        return element.get(f"{_OFFICE}time-value") or ""
    if kind == "boolean":
        return "VRAI" if element.get(f"{_OFFICE}boolean-value") == "true" else "FAUX"
    return "\n".join(_ods_text(p) for p in element if p.tag == f"{_TEXT}p")


def _ods_text(paragraph: Element) -> str:
    """A paragraph's text: its spans and links, ``text:s`` (spaces), tabs and line breaks."""
    parts = [paragraph.text or ""]
    for child in paragraph:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * _count(child.get(f"{_TEXT}c")))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        else:  # a span, a link: their text
            parts.append(_ods_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
