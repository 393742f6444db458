from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile

from app.api.deps import CurrentActor, SessionDep, SettingsDep
from app.core.errors import PayloadTooLargeError, UnsupportedMediaTypeError
from app.models.imports import PROGRESS_COLUMNS, ImportReport
from app.services import imports

router = APIRouter(tags=["tracking"])

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
#: What browsers and spreadsheets announce for a .csv file in a form upload.
UPLOAD_TYPES = CSV_TYPES | {"application/vnd.ms-excel", "application/octet-stream", ""}


async def csv_body(request: Request, settings: SettingsDep) -> bytes:
    """The CSV sent as the body (text/csv) or as the `file` field of a form upload."""
    limit = settings.import_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the file is larger than {limit} bytes")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10, max_part_size=limit)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UnsupportedMediaTypeError("send the CSV as the form field 'file'")
        upload_type = (upload.content_type or "").split(";")[0].strip().lower()
        if upload_type not in UPLOAD_TYPES or (
            upload_type not in CSV_TYPES and not (upload.filename or "").lower().endswith(".csv")
        ):
            raise UnsupportedMediaTypeError(f"not a CSV file: {upload_type or upload.filename}")
        data = await upload.read(limit + 1)
    elif content_type in CSV_TYPES:
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > limit:
                break
    else:
        raise UnsupportedMediaTypeError(
            f"send text/csv or a multipart form upload, not '{content_type or 'nothing'}'"
        )
    if len(data) > limit:
        raise PayloadTooLargeError(f"the file is larger than {limit} bytes")
    return data


IMPORT_DESCRIPTION = (
    "The columns of the progress export (`/open-data/progress.csv`): "
    + ", ".join(f"`{c}`" for c in PROGRESS_COLUMNS)
    + """. `trackable_code`, `year` and `progress` are required and other columns are ignored, so
export → edit in a spreadsheet → import round-trips. UTF-8 with or without BOM (or Windows-1252),
comma or semicolon separator, decimal comma accepted; statuses as keys or French labels
("En cours"). All or nothing: one bad row and nothing is written, and the answer lists every bad
row (line, column, message). `dry_run=true` reports what would be created, updated or left
unchanged. Editors import only rows about what their directorates lead. Each created or changed
report is recorded in the audit trail. Size limit: `BOUSSOLE_IMPORT_MAX_BYTES` (5 MiB)."""
)


@router.post(
    "/progress/import",
    response_model=ImportReport,
    summary="Import yearly progress from a CSV file",
    description=IMPORT_DESCRIPTION,
    responses={
        401: {"description": "No token, or an invalid or revoked one"},
        403: {"description": "A row is about something the token's directorates do not lead"},
        413: {"description": "The file is too large"},
        415: {"description": "Not a CSV file"},
        422: {"description": "Bad rows: every one is listed in `errors`, nothing was written"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
def import_progress(
    data: Annotated[bytes, Depends(csv_body)],
    session: SessionDep,
    actor: CurrentActor,
    dry_run: Annotated[
        bool, Query(description="Validate and report what would change, write nothing")
    ] = False,
) -> ImportReport:
    return imports.run(session=session, actor=actor, data=data, dry_run=dry_run)
