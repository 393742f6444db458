"""CSV import of yearly progress: the spreadsheet a directorate keeps, read back all or nothing.

``parse`` reads rows and a list of row errors from a binary file (or bytes) — it never raises.
``run`` checks the rows against the database and the caller's scope, then writes every row or
none, in bulk.

The encoding is decided once, for the whole file (``decide_encoding``): UTF-8, with or without a
BOM, when every byte of the file is valid UTF-8; otherwise Windows-1252 (what Excel writes on
Windows), but only when the file has no BOM and holds no valid multi-byte UTF-8 sequence — a
UTF-8 file with one stray byte is refused, naming the line, rather than read as Windows-1252 with
every "é" turned into "Ã©". A byte Windows-1252 does not define is refused too. Strict decoding
can yield no lone surrogate, so the cells need no check for them.

Reading stops once more than ``max_problems`` problems are found: a file of bad rows costs the
reading of its first bad rows, not of all of them.
"""

import codecs
import csv
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, select

from app import revision
from app.auth.tokens import Actor
from app.models import AuditAction, AuditEntry, Directorate, ProgressReport, Status, Trackable
from app.models.base import utcnow
from app.models.imports import REQUIRED_COLUMNS, ImportReport, RowError
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.trackables import writes
from app.trackables.import_refusals import (
    INVALID_ROW,
    OUT_OF_SCOPE,
    ImportForbiddenError,
)
from app.trackables.import_refusals import (
    ImportRefusedError as ImportRefusedError,  # raised to the CLI too (app.cli)
)
from app.trackables.progress import PROGRESS_ENTITY
from app.trackables.status_words import status_word

BUDGET_COLUMNS = (
    "budget_planned_investment",
    "budget_planned_operating",
    "budget_spent_investment",
    "budget_spent_operating",
)
MAX_COMMENT = 20_000
#: Bytes read at a time when the file is checked before parsing.
CHUNK = 64 * 1024
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: A character that only a valid multi-byte UTF-8 sequence decodes to: with "surrogateescape",
#: an invalid byte decodes to U+DC80–U+DCFF instead, and ASCII to itself.
_UTF8_NON_ASCII = re.compile(r"[^\x00-\x7f\udc80-\udcff]")
#: A cell the export prefixed with a quote to make it inert in a spreadsheet (see
#: app.opendata.neutralise): quotes, then what a spreadsheet takes for a formula.
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


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
    #: How many of ``errors`` are scope problems (a row about what the caller may not write).
    scope_errors: int = 0
    #: The codes of those rows, in the order of the file.
    out_of_scope: list[str] = field(default_factory=list)


#: Why the caller may not report on a trackable (its code), or None when it may.
ScopeCheck = Callable[[str], str | None]


# --- Encoding -------------------------------------------------------------------------------------


def decide_encoding(file: IO[bytes]) -> str | RowError:
    """The codec the whole file decodes with (``utf-8-sig`` or ``cp1252``), or the problem that
    refuses it, naming the line and byte offset of the first byte that cannot be decoded.

    Reads the file through, in chunks, up to three times (a few milliseconds for 5 MiB); leaves
    it at its start."""
    try:
        file.seek(0)
        head = file.read(len(UTF8_BOM))
        if head.startswith(UTF16_BOMS):
            return RowError(
                line=1,
                column=None,
                message="le fichier est en UTF-16 : enregistrez-le en CSV UTF-8",
            )
        bad_utf8 = _first_invalid(file, "utf-8")
        if bad_utf8 is None:
            return "utf-8-sig"
        if head == UTF8_BOM:
            return _undecodable(
                file,
                bad_utf8,
                "n'est pas de l'UTF-8, alors que le fichier commence par la marque d'ordre des "
                "octets (BOM) de l'UTF-8",
            )
        if _has_utf8_non_ascii(file):
            # Both valid UTF-8 accents and invalid bytes: read as Windows-1252, every accent of
            # the file would be garbled; read as UTF-8, that byte has no meaning.
            return _undecodable(
                file, bad_utf8, "n'est pas de l'UTF-8, alors que le reste du fichier l'est"
            )
        bad_cp1252 = _first_invalid(file, "cp1252")
        if bad_cp1252 is None:
            return "cp1252"
        return _undecodable(file, bad_cp1252, "n'est ni de l'UTF-8 ni du Windows-1252")
    finally:
        file.seek(0)


def _first_invalid(file: IO[bytes], encoding: str) -> int | None:
    """Offset of the first byte of ``file`` that ``encoding`` cannot decode, if one cannot."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0  # of the start of ``chunk`` in the file
    pending = 0  # bytes the decoder keeps from the previous chunk (an unfinished sequence)
    while True:
        chunk = file.read(CHUNK)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # The error's offsets count from the bytes kept from the previous chunk.
            return offset - pending + exc.start
        if not chunk:
            return None
        offset += len(chunk)
        pending = len(decoder.getstate()[0])


def _has_utf8_non_ascii(file: IO[bytes]) -> bool:
    """Whether ``file`` holds at least one valid multi-byte UTF-8 sequence."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    while chunk := file.read(CHUNK):
        if _UTF8_NON_ASCII.search(decoder.decode(chunk)):
            return True
    return bool(_UTF8_NON_ASCII.search(decoder.decode(b"", final=True)))


def _undecodable(file: IO[bytes], offset: int, why: str) -> RowError:
    file.seek(offset)
    byte = file.read(1)
    return RowError(
        line=_line_at(file, offset),
        column=None,
        message=f"l'octet 0x{byte.hex()} (position {offset}) {why} : enregistrez le fichier en "
        "CSV UTF-8",
    )


def _line_at(file: IO[bytes], offset: int) -> int:
    """The line (from 1) of the byte at ``offset``, lines ending as the CSV reader ends them:
    at a line feed, a carriage return and line feed, or a lone carriage return."""
    file.seek(0)
    line = 1
    previous = b""
    remaining = offset
    while remaining > 0 and (chunk := file.read(min(CHUNK, remaining))):
        remaining -= len(chunk)
        line += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if previous == b"\r" and chunk.startswith(b"\n"):
            line -= 1  # a CR LF split between two chunks was counted twice
        previous = chunk[-1:]
    return line


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
) -> Parsed:
    """Rows and row errors from a binary file (read from its start) or bytes; never raises but
    for the file's own read errors. Reading stops once more than ``max_problems`` problems are
    found: the first ``max_problems`` are kept and ``truncated`` is set. With ``known_codes``, a
    code not among them is a problem of its row; with ``scope``, so is a known code the caller
    may not report on (in the same pass: one answer lists every kind of problem)."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    result = Parsed()
    encoding = decide_encoding(file)
    if isinstance(encoding, RowError):
        result.errors.append(encoding)
        return result
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        _read(text, result, max_problems=max_problems, known_codes=known_codes, scope=scope)
    finally:
        text.detach()  # the file stays open: it is the caller's
    return result


def _read(
    text: io.TextIOWrapper,
    result: Parsed,
    *,
    max_problems: int | None,
    known_codes: Collection[str] | None,
    scope: ScopeCheck | None,
) -> None:
    errors = result.errors
    first_line = text.readline()
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # strict: a quote never closed, or text after a closing quote, is an error, not a guess.
    reader = csv.reader(
        itertools.chain([first_line] if first_line else [], text),
        delimiter=delimiter,
        strict=True,
    )
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        errors.append(RowError(line=1, column=None, message="le fichier est vide"))
        return
    except csv.Error as exc:
        errors.append(RowError(line=1, column=None, message=_csv_problem(exc, 1, reader.line_num)))
        return
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        errors.append(
            RowError(line=1, column=None, message=f"colonne(s) manquante(s) : {', '.join(missing)}")
        )
        return
    index = {name: position for position, name in enumerate(header) if name}
    seen: dict[tuple[str, int], int] = {}
    limit = max_problems if max_problems is not None else math.inf
    while len(errors) <= limit:
        start = reader.line_num + 1  # where the next row begins (a quoted cell may span lines)
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the reader goes on with the line after
            errors.append(
                RowError(line=start, column=None, message=_csv_problem(exc, start, reader.line_num))
            )
            continue
        line = reader.line_num
        if not "".join(cells).strip():  # a blank line, or a row of empty cells
            continue
        row = _parse_row(line, cells, header, index, result, known_codes, scope)
        if row is None:
            continue
        key = (row.trackable_code, row.year)
        if key in seen:
            errors.append(
                RowError(
                    line=line,
                    column="year",
                    message=f"{row.trackable_code} {row.year} figure déjà ligne {seen[key]}",
                )
            )
            continue
        seen[key] = line
        result.rows.append(row)
    if len(errors) > limit:
        del errors[int(limit) :]
        result.truncated = True
        # Only what ``errors`` still lists counts (the answer is then 422 anyway).
        result.scope_errors = min(result.scope_errors, len(errors))


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


def _unneutralised(text: str) -> str:
    """Undo the export's protection against formula injection (see
    app.opendata.neutralise): one quote off a cell the export would have prefixed.
    ``'=SUM(A1)`` → ``=SUM(A1)``, ``''=1`` → ``'=1``; ``'hello`` stays as it is."""
    return text[1:] if text[:1] == "'" and _NEUTRALISED.match(text) else text


def _parse_row(
    line: int,
    cells: list[str],
    header: list[str],
    index: dict[str, int],
    result: Parsed,
    known_codes: Collection[str] | None,
    scope: ScopeCheck | None,
) -> ParsedRow | None:
    def cell(name: str) -> str:
        position = index.get(name)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    problems: list[RowError] = []

    def fail(column: str | None, message: str, kind: str = INVALID_ROW) -> None:
        problems.append(RowError(line=line, column=column, message=message, type=kind))

    # PostgreSQL cannot store it in text, SQLite would: refused on both alike. The first cell
    # holding one is named, once per row however many cells hold one.
    nul_at = next((place for place, text in enumerate(cells) if "\x00" in text), None)
    if nul_at is not None:
        column = header[nul_at] if nul_at < len(header) and header[nul_at] else None
        fail(column, "contient un caractère NUL (U+0000), qui ne peut pas être enregistré")
    code = cell("trackable_code")
    if not code:
        fail("trackable_code", "manquant")
    elif known_codes is not None and code not in known_codes:
        fail("trackable_code", f"action ou projet phare inconnu : « {code} »")
    elif scope is not None and (refusal := scope(code)) is not None:
        fail("trackable_code", refusal, OUT_OF_SCOPE)
        result.scope_errors += 1
        result.out_of_scope.append(code)
    year = 0
    try:
        year = int(_number(cell("year")))
        if not FIRST_YEAR <= year <= LAST_YEAR or _number(cell("year")) != year:
            fail("year", f"doit être une année de {FIRST_YEAR} à {LAST_YEAR}")
    except ValueError:
        fail("year", f"« {cell('year')} » n'est pas une année")
    value = 0.0
    try:
        value = _number(cell("progress"))
        if not 0 <= value <= 100:
            fail("progress", f"{value:g} est hors de 0–100")
    except ValueError:
        fail("progress", f"« {cell('progress')} » n'est pas un nombre")
    status = None
    if cell("status"):
        status = status_word(cell("status"))
        if status is None:
            fail("status", f"statut inconnu : « {cell('status')} »")
    # Free text, kept as it is (not stripped), so that export → import changes nothing.
    comment_at = index.get("comment")
    comment = _unneutralised(
        cells[comment_at] if comment_at is not None and comment_at < len(cells) else ""
    )
    if len(comment) > MAX_COMMENT:
        fail("comment", f"plus de {MAX_COMMENT} caractères")
    budgets: dict[str, float | None] = {}
    for name in BUDGET_COLUMNS:
        raw = cell(name)
        budgets[name] = None
        if raw:
            try:
                budgets[name] = _number(raw)
                if budgets[name] < 0 or budgets[name] > 1e12:  # type: ignore[operator]
                    fail(name, "doit être compris entre 0 et 1 000 milliards d'euros")
            except ValueError:
                fail(name, f"« {raw} » n'est pas un montant")
    if problems:
        result.errors.extend(problems)
        return None
    return ParsedRow(line, code, year, value, status, comment, budgets)


def run(
    *,
    session: Session,
    actor: Actor,
    source: IO[bytes] | bytes,
    dry_run: bool,
    max_problems: int,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate everything, then write every row or none (bulk statements, one transaction).
    Refused (``ImportRefusedError``) with the first ``max_problems`` problems of the file."""
    # Every trackable, in a few columns: the codes are checked while the file is read, so that
    # a file of unknown codes stops at the problem limit like any other.
    trackables = {
        t.code: t
        for t in session.execute(
            select(Trackable.code, Trackable.id, Trackable.status, Trackable.lead_directorate_id)
        )
    }
    parsed = parse(
        source,
        max_problems=max_problems,
        known_codes=trackables.keys(),
        scope=None if actor.is_admin else _scope_check(session, actor, trackables),
    )
    if parsed.errors:
        if parsed.scope_errors == len(parsed.errors) and not parsed.truncated:
            # Only scope problems: the file is fine, the token may not write it — 403, as every
            # write route answers a token out of its scope. Any other problem: 422, listing
            # them all, the scope problems included.
            outside = sorted(set(parsed.out_of_scope))
            raise ImportForbiddenError(
                f"Le jeton « {actor.name} » ne peut pas faire le bilan de {', '.join(outside)} : "
                f"hors du périmètre de {actor.directorates_label}. Rien n'a été écrit.",
                parsed.errors,
            )
        raise ImportRefusedError(parsed.errors, truncated=parsed.truncated)
    used = {row.trackable_code for row in parsed.rows}

    ids = [trackables[code].id for code in used]
    # The reports the file may replace, as plain rows: only its trackables and its years.
    compared = ("progress", "status", "comment", *BUDGET_COLUMNS)
    table: Any = ProgressReport.__table__  # type: ignore[attr-defined]
    existing = {
        (row.trackable_id, row.year): row
        for row in session.execute(
            select(table.c.id, table.c.trackable_id, table.c.year, *(table.c[n] for n in compared))
            .where(table.c.trackable_id.in_(ids))
            .where(table.c.year.in_(sorted({row.year for row in parsed.rows})))
        )
    }
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    unchanged = 0
    for row in parsed.rows:
        trackable = trackables[row.trackable_code]
        fields = {
            "progress": row.progress,
            "status": (row.status or Status(trackable.status)).value,
            "comment": row.comment,
            **row.budgets,
        }
        current = existing.get((trackable.id or 0, row.year))
        key = f"{trackable.code}/{row.year}"
        if current is None:
            inserts.append(
                fields
                | {
                    "trackable_id": trackable.id,
                    "year": row.year,
                    "reported_by": actor.name,
                    "reported_at": now,
                    "version": 1,
                }
            )
            audits.append(_audit(actor, key, trackable.id, AuditAction.create, None, fields, now))
            continue
        before = {name: getattr(current, name) for name in fields}
        if before == fields:
            unchanged += 1
            continue
        updates.append(
            {f"new_{name}": value for name, value in fields.items()}
            | {"row_id": current.id, "new_reported_by": actor.name, "new_reported_at": now}
        )
        audits.append(_audit(actor, key, trackable.id, AuditAction.update, before, fields, now))
    report = ImportReport(
        dry_run=dry_run,
        rows=len(parsed.rows),
        created=len(inserts),
        updated=len(updates),
        unchanged=unchanged,
        errors=[],
    )
    if dry_run or not (inserts or updates):
        return report
    # Yearly progress only; the audit entries below name every report's trackable.
    revision.touch(session, structure=False)
    for chunk in _chunks(inserts):
        session.execute(insert(table), chunk)
        if on_progress:
            on_progress(len(chunk))
    if updates:
        # Parameters are named "new_<column>": a bound name may not be a column's own name.
        columns = [name.removeprefix("new_") for name in updates[0] if name != "row_id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                {name: bindparam(f"new_{name}") for name in columns}
                | {"version": table.c.version + 1}
            )
        )
        for chunk in _chunks(updates):
            session.execute(statement, chunk)
            if on_progress:
                on_progress(len(chunk))
    for chunk in _chunks(audits):
        session.execute(insert(AuditEntry.__table__), chunk)  # type: ignore[attr-defined]
    # One status (app.trackables.progress): a trackable whose latest report the file wrote takes
    # that report's status.
    writes.follow_reports(
        session=session, actor=actor, trackable_ids=[i for i in ids if i is not None]
    )
    return report


def _scope_check(session: Session, actor: Actor, trackables: dict[str, Any]) -> ScopeCheck:
    """The scope problem of a row about ``code``, naming who leads it, or None."""
    leads = {id_: code for id_, code in session.execute(select(Directorate.id, Directorate.code))}

    def check(code: str) -> str | None:
        lead_id = trackables[code].lead_directorate_id
        if actor.may_write(lead_id):
            return None
        lead = leads.get(lead_id, "?") if lead_id is not None else "aucune direction"
        return (
            f"{code} est piloté par {lead}, pas par {actor.directorates_label} : le jeton "
            f"« {actor.name} » ne peut pas en faire le bilan"
        )

    return check


def _audit(
    actor: Actor,
    key: str,
    trackable_id: int | None,
    action: AuditAction,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    at: Any,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor_name": actor.name,
        "actor_role": actor.role.value,
        "actor_directorates": list(actor.directorate_codes),
        "entity": PROGRESS_ENTITY,
        "entity_key": key,
        "trackable_id": trackable_id,
        "action": action.value,
        "before": json.loads(json.dumps(before)) if before else None,
        "after": json.loads(json.dumps(after)),
    }


def _chunks(items: list[dict[str, Any]], size: int = 1000) -> list[list[dict[str, Any]]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
