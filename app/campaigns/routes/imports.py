"""``POST /api/v1/progress/import``: yearly reports from a file (CSV, XLSX or ODS), all or
nothing. An admin token's import publishes them (app.campaigns.upload.publish, as the command line's
`boussole import-progress`); an editor token's files them as pending reports, submitted, within
the open campaign of their year (app.campaigns.upload), answered 202.

Here rather than in app.trackables (where the import's reading and checks live): what an
editor's write becomes is the campaign's rule, and app.trackables may not import app.campaigns.
The file is streamed into a temporary file before the session takes its turn (``file_upload``).
"""

import tempfile
from collections.abc import AsyncIterator
from typing import IO, TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.api.deps import SessionDep, SettingsDep
from app.api.permissions import TrackingWriter
from app.api.responses import WRITE, problem
from app.campaigns import upload
from app.core.errors import BoussoleError, PayloadTooLargeError, UnsupportedMediaTypeError
from app.models.imports import PROGRESS_COLUMNS, ImportReport
from app.models.inputs import FLAG_FORMAT
from app.trackables import imports
from app.trackables.import_files import MAX_SHEET_ROWS, NOTICE_SHEET

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

router = APIRouter(tags=["tracking"])

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
#: The types a body may be sent as (its content tells the format: app.trackables.import_files).
BODY_TYPES = CSV_TYPES | {XLSX_TYPE, ODS_TYPE}
#: What browsers and spreadsheets announce for a .csv, .xlsx or .ods file in a form upload.
UPLOAD_TYPES = BODY_TYPES | {"application/vnd.ms-excel", "application/octet-stream", ""}
#: The names a file of a type announced vaguely may have.
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".ods")
#: Bytes of an upload kept in memory; beyond, the spool moves to a temporary file on disk.
SPOOL_IN_MEMORY = 1024 * 1024
#: What a form upload may hold besides the file (boundaries, part headers, small fields): the
#: allowance the body size limit gives the import's path (app.main).
FORM_OVERHEAD = 64 * 1024
#: Headers of one part of a form, at most.
MAX_PART_HEADERS = 8 * 1024
SEND_AS_FILE = "Envoyez le fichier dans le champ « file » du formulaire."


def file_too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"Le fichier dépasse la limite de {limit} octets.")


class MalformedFormError(BoussoleError):
    status_code = 400
    problem_type = "malformed-form"
    title = "Formulaire mal formé"


async def file_upload(request: Request, settings: SettingsDep) -> AsyncIterator[IO[bytes]]:
    """The file sent as the body (text/csv, or a spreadsheet's type) or as the `file` field of a
    form upload, streamed
    into a temporary file (in memory up to 1 MiB, then on disk): 413 as soon as it passes the
    size limit, so that no more of it is read."""
    limit = settings.import_max_bytes
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form = content_type == "multipart/form-data"
    if not form and content_type not in BODY_TYPES:
        raise UnsupportedMediaTypeError(
            "Envoyez le fichier en text/csv (ou au type d'un classeur XLSX ou ODS) ou dans un "
            f"formulaire multipart, pas en « {content_type or 'rien'} »."
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + (FORM_OVERHEAD if form else 0):
        raise file_too_large(limit)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        if form:
            await _spool_form_file(request, spool, limit=limit)
        else:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise file_too_large(limit)
                # A blocking write, but a short one: to memory, or to the page cache.
                spool.write(chunk)
        spool.seek(0)
        yield spool


async def _spool_form_file(request: Request, spool: IO[bytes], *, limit: int) -> None:
    """Write the `file` field of a multipart form to ``spool``; other fields are read past."""
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if not boundary:
        raise MalformedFormError("Formulaire multipart sans délimiteur (boundary).")
    receiver = _FormFileReceiver(spool, limit=limit)
    parser = MultipartParser(boundary, receiver.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + FORM_OVERHEAD:
                raise file_too_large(limit)
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise MalformedFormError("Formulaire multipart mal formé.") from exc
    if not receiver.found:
        raise UnsupportedMediaTypeError(SEND_AS_FILE)
    if not receiver.complete:
        raise MalformedFormError("Le formulaire multipart s'arrête au milieu du fichier.")


class _FormFileReceiver:
    """The callbacks of python-multipart's streaming parser, for one file field."""

    def __init__(self, spool: IO[bytes], *, limit: int) -> None:
        self.spool = spool
        self.limit = limit
        self.size = 0
        self.found = False  # a `file` field began
        self.complete = False  # and ended
        self.in_file = False  # the part being read is that field
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.header_bytes = 0

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value_part,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers, self.header_bytes, self.in_file = {}, 0, False

    def _count_header_bytes(self, size: int) -> None:
        self.header_bytes += size
        if self.header_bytes > MAX_PART_HEADERS:
            raise MalformedFormError(
                f"Une partie du formulaire a plus de {MAX_PART_HEADERS} octets d'en-têtes."
            )

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self.header_name += data[start:end]

    def header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = self.header_value = b""

    def headers_finished(self) -> None:
        _, disposition = parse_options_header(self.headers.get(b"content-disposition", b""))
        if disposition.get(b"name") != b"file":
            return  # another field: read past
        if self.found:
            raise MalformedFormError(
                "Envoyez un seul fichier, dans le champ « file » du formulaire."
            )
        filename = disposition.get(b"filename")
        if filename is None:
            raise UnsupportedMediaTypeError(SEND_AS_FILE)
        name = filename.decode("utf-8", errors="replace")
        part_type = self.headers.get(b"content-type", b"").decode("latin-1")
        upload_type = part_type.split(";")[0].strip().lower()
        # Checked before the file's first byte is read.
        if upload_type not in UPLOAD_TYPES or (
            upload_type not in BODY_TYPES and not name.lower().endswith(UPLOAD_SUFFIXES)
        ):
            raise UnsupportedMediaTypeError(
                f"Ce n'est ni un CSV, ni un classeur XLSX ou ODS : {upload_type or name}."
            )
        self.found = self.in_file = True

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file:
            return
        self.size += end - start
        if self.size > self.limit:
            raise file_too_large(self.limit)
        self.spool.write(data[start:end])

    def part_end(self) -> None:
        if self.in_file:
            self.in_file, self.complete = False, True


IMPORT_DESCRIPTION = (
    "A CSV file, or an XLSX or ODS workbook (its format told by its content, not its name), with "
    "the columns of the progress export (`/open-data/progress.csv`): "
    + ", ".join(f"`{c}`" for c in PROGRESS_COLUMNS)
    + f""", or their French titles (those of the campaign's spreadsheet, "Télécharger mon tableau":
`Code`, `Année`, `Avancement (%)`, `Statut`, `Commentaire`, `Budget prévu, investissement (€)`…),
whatever their case or accents. `trackable_code`, `year` and `progress` are required; the
spreadsheet's reference columns are read past; **any other column is refused**, naming it (a
renamed column would otherwise be read as missing and its values lost). Comma or semicolon
separator, decimal comma accepted; statuses as keys, French labels ("En cours"), the national
schema's words ("Terminé", "Idée") or usual synonyms ("Réalisée", "Suspendu"), whatever their case
or accents.

**Encoding** of a CSV, decided once for the whole file: UTF-8 (with or without BOM) when every
byte of the file is valid UTF-8; otherwise Windows-1252 (what Excel writes on Windows), but only
when the file has no UTF-8 BOM and not a single valid accented UTF-8 character. A file that mixes
the two (a UTF-8 file with one stray byte), a UTF-8 BOM followed by invalid UTF-8, a byte that
Windows-1252 leaves undefined, or UTF-16 is refused, naming the line and byte offset (from 0) of
the first byte that cannot be read: nothing is guessed.

**Cells**: a quote never closed, or text after a closing quote, is refused, as is a NUL character
in any cell and a value in a column without a title. The export makes cells inert for
spreadsheets by a leading `'` when they start with `=`, `+`, `-`, `@`, a tab or a carriage
return, after any number of `'`; the import takes one `'` off exactly those cells of a CSV, so
`'=1+1` round-trips as itself and `'hello` is left as it is. Comments are kept as they are (not
trimmed).

**Workbooks**: one sheet of data (a sheet named `{NOTICE_SHEET}` aside): another sheet is refused;
a cell holding a formula is refused, naming it (`E5`); a cell shown as a percentage is read as
shown (0.45 shown "45 %" is 45); at most {MAX_SHEET_ROWS} data rows; `line` is the sheet's row.
Excel 97-2003 (`.xls`), `.xlsb` and password-protected workbooks are refused.

**All or nothing**: one bad row and nothing is written; the answer lists the problems (line,
column, message) in the order of the file. After `BOUSSOLE_IMPORT_MAX_PROBLEMS` (1,000) problems
the import stops reading: `truncated` is then true and the rest of the file is unchecked.
`dry_run=true` reports what would be created, updated or left unchanged.

**Scope and campaign**, checked in the same pass as the values: an editor's row about something
its directorates do not lead is a problem of its row, naming who leads it, and so is a row of a
year whose reporting campaign is not open. Among other problems, they are listed in the one 422;
when the file's only problems are rows out of scope, the answer is 403 (as every write route
answers a token out of its scope), when they are only rows of years without an open campaign, 409.

**What the import becomes**: an admin token's rows are published at once (200; the latest
year's report of a trackable sets its status; each ends the pending report of its trackable and
year, if any, its content kept in the audit trail). An editor token's are filed as pending reports,
**submitted** for an admin to validate (202, `published` false): the public API, pages and open
data show them once validated. A pending report already there keeps its milestones and indicator
values.

Each created or changed report is recorded in the audit trail. Size limit:
`BOUSSOLE_IMPORT_MAX_BYTES` (5 MiB) of file, as the body or the form field `file`;
413 as soon as it is passed."""
)


@router.post(
    "/progress/import",
    response_model=ImportReport,
    summary="Import yearly progress from a CSV, XLSX or ODS file",
    description=IMPORT_DESCRIPTION,
    responses={
        status.HTTP_202_ACCEPTED: {
            "model": ImportReport,
            "description": "An editor's import, filed as pending reports (submitted) for an admin "
            "to validate",
        },
        **WRITE,
        400: problem("A malformed multipart form"),
        403: problem(
            "The file's only problems are rows about what the token's directorates do not lead, "
            "listed in `errors` (with other problems, they are listed in the 422)"
        ),
        409: problem(
            "An editor's file whose only problems are rows of years without an open campaign, "
            "listed in `errors`"
        ),
        413: problem("The file is larger than `BOUSSOLE_IMPORT_MAX_BYTES`"),
        415: problem("Neither a CSV file nor an XLSX or ODS workbook"),
        422: problem(
            "Bad rows (problem type `import-refused`), listed in `errors` in the order of the "
            "file, each with its `line` and `column` (the first `BOUSSOLE_IMPORT_MAX_PROBLEMS` at "
            "most, then `truncated` is true), rows out of the token's scope included (`type` "
            "`out-of-scope`), and problems of the whole file (`invalid-file`); or a bad query "
            "parameter (`validation-error`): nothing was written"
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                ODS_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    },
                    # A part of another type is refused with 415, unless its filename ends in
                    # .csv, .xlsx or .ods.
                    "encoding": {"file": {"contentType": f"text/csv, {XLSX_TYPE}, {ODS_TYPE}"}},
                },
            },
        }
    },
)
def import_progress(
    # The file first: it is received before the session takes its turn (and, for a write, the
    # database's writer lock), which a slow upload must not hold.
    upload_file: Annotated[IO[bytes], Depends(file_upload)],
    session: SessionDep,
    # Who leads each row's trackable is known once the file is read: the checks see them all.
    actor: TrackingWriter,
    settings: SettingsDep,
    response: Response,
    dry_run: Annotated[
        bool,
        Query(description="Validate and report what would change, write nothing"),
        FLAG_FORMAT,
    ] = False,
) -> ImportReport:
    if actor.is_admin:
        return upload.publish(
            session=session,
            actor=actor,
            source=upload_file,
            dry_run=dry_run,
            max_problems=settings.import_max_problems,
        )
    who = f"Le jeton « {actor.name} »"
    parsed, trackables = imports.check(
        session=session,
        actor=actor,
        source=upload_file,
        max_problems=settings.import_max_problems,
        year_check=upload.open_years(session),
    )
    refused = imports.refusal(parsed, actor, who)
    if refused is not None:
        raise refused
    filed = upload.file(
        session=session,
        actor=actor,
        parsed=parsed,
        trackables=trackables,
        submit=True,
        dry_run=dry_run,
    )
    if not dry_run:
        response.status_code = status.HTTP_202_ACCEPTED
    return ImportReport(
        dry_run=dry_run,
        rows=filed.rows,
        created=filed.created,
        updated=filed.updated,
        unchanged=filed.unchanged,
        published=False,
        errors=[],
    )
