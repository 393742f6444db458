""" "Mes actions" in a spreadsheet: the round trip of a campaign's reports.

- ``GET /mes-actions/{year}/tableau.xlsx`` ("Télécharger mon tableau"): the workbook of the
  trackables the person reports on for ``year`` — an editor, the expected ones (live, not
  abandoned) their directorates lead; an admin, every expected one — pre-filled
  (app.campaigns.spreadsheet). Any year of the plan, campaign open or not: it is a read.
- ``GET /mes-actions/{year}/import``: the upload form (and, after an upload, what it saved).
- ``POST /mes-actions/{year}/import``: the file (XLSX, ODS or CSV), all or nothing
  (app.campaigns.upload): every problem of the file on one page (row, column, value, what is
  expected), nothing written if there is one; else each row changed since the download saved as
  a draft, for editors and admins alike (an admin's API token import publishes instead), then a
  303 to the form, which says what was saved. Editors upload only within the open campaign of
  ``year`` (409 page otherwise, the file unread); admins any year.

The form is multipart; its CSRF token is checked before the file is read (app.web.signed_in).
The body may be as large as ``BOUSSOLE_IMPORT_MAX_BYTES`` plus the form's overhead
(``upload_limits``, given to the body size limit by app.main); a file larger than the setting is
refused with a French page.
"""

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.api.deps import SessionDep, SettingsDep
from app.auth.sessions import SignedIn
from app.campaigns import campaigns, spreadsheet, upload
from app.core.config import Settings
from app.core.errors import ConflictError, NotFoundError
from app.models import Campaign
from app.models.imports import RowError
from app.models.inputs import YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.trackables import imports
from app.trackables.import_files import MAX_SHEET_ROWS
from app.trackables.import_rows import Parsed
from app.web.reporting_scope import scope
from app.web.routes import WebRoute, load_plan, page
from app.web.signed_in import NO_STORE, PAGE_DEPENDENCIES, CsrfForm, SignedInPerson

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)

Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR), YEAR_FORMAT]
Count = Annotated[int | None, Query(ge=0, le=1_000_000)]
#: What a multipart form holds besides the file (boundaries, headers, the CSRF token).
FORM_OVERHEAD = 64 * 1024
WHO = "Votre compte"


def install_spreadsheet_pages(app: FastAPI) -> None:
    app.include_router(router)


def upload_limits(settings: Settings) -> dict[str, int]:
    """The body size allowed on the upload's paths (one per year of the plan)."""
    limit = settings.import_max_bytes + FORM_OVERHEAD
    return {f"/mes-actions/{year}/import": limit for year in range(FIRST_YEAR, LAST_YEAR + 1)}


@router.get("/mes-actions/{year}/tableau.xlsx", name="web_my_spreadsheet")
def download(year: Year, session: SessionDep, person: SignedInPerson) -> Response:
    found = scope(session, person, None)
    ids = [t.id for t in found.led if t.id is not None]
    campaign = campaigns.get_open(session=session)
    content = spreadsheet.build(
        trackables=found.led,
        leads=found.leads,
        rows=spreadsheet.prefilled(session, ids, year),
        year=year,
        campaign_open=campaign is not None and campaign.year == year,
    )
    who = "toutes-directions" if person.is_admin else "-".join(person.directorate_codes)
    name = f"bilan-{year}-{who or 'sans-direction'}.xlsx"
    return Response(
        content,
        media_type=spreadsheet.MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": NO_STORE,
        },
    )


def _closed(session: Session, person: SignedIn, year: int) -> str | None:
    """Why the person may not upload the reports of ``year`` (editors: only within its open
    campaign), or None."""
    if person.is_admin:
        return None
    campaign: Campaign | None = campaigns.get_open(session=session)
    if campaign is not None and campaign.year == year:
        return None
    try:
        campaigns.get(session=session, year=year)
    except NotFoundError:
        return (
            f"Aucune campagne de bilan n'est ouverte pour {year} : il n'y a rien à importer "
            "pour l'instant."
        )
    return (
        f"La campagne du bilan {year} est close : seule l'équipe de pilotage peut encore "
        "modifier ses bilans."
    )


def _size(settings: Settings) -> str:
    return f"{settings.import_max_bytes / (1024 * 1024):g} Mio".replace(".", ",")


def _import_page(
    request: Request,
    session: Session,
    settings: Settings,
    person: SignedIn,
    year: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    closed = _closed(session, person, year)
    context = {
        "year": year,
        "may_import": closed is None,
        "closed": closed,
        "done": None,
        "refused": None,
        "problems": [],
        "truncated": False,
        "file_name": "",
        "max_size": _size(settings),
        **context,
    }
    return page(
        request,
        "spreadsheet_import.html",
        load_plan(session),
        title=f"Importer mon tableau — bilan {year}",
        status_code=status_code,
        **context,
    )


def _done(saved: int, unchanged: int, skipped: int) -> str:
    parts = [
        f"{saved} bilan{'s' if saved > 1 else ''} enregistré{'s' if saved > 1 else ''} en "
        f"brouillon{'s' if saved > 1 else ''}"
    ]
    if unchanged:
        parts.append(f"{unchanged} inchangé{'s' if unchanged > 1 else ''}")
    if skipped:
        parts.append(
            f"{skipped} ligne{'s' if skipped > 1 else ''} laissée{'s' if skipped > 1 else ''} "
            "telle qu'au téléchargement, non importée" + ("s" if skipped > 1 else "")
        )
    return "Tableau importé : " + ", ".join(parts) + "."


@router.get("/mes-actions/{year}/import", name="web_spreadsheet_import")
def import_page(
    year: Year,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: SignedInPerson,
    enregistres: Count = None,
    inchanges: Count = None,
    ignores: Count = None,
) -> Response:
    done = None
    if enregistres is not None:
        done = _done(enregistres, inchanges or 0, ignores or 0)
    return _import_page(request, session, settings, person, year, done=done)


def _problems(parsed: Parsed) -> list[dict[str, Any]]:
    """The problems as the page lists them: the row, the column as the person finds it in
    their file (its letter and title in a sheet), the message."""

    def column(error: RowError) -> str:
        if error.column is None:
            return "—"
        return parsed.columns.get(error.column, error.column)

    return [
        {"line": error.line, "column": column(error), "message": error.message}
        for error in parsed.errors
    ]


@router.post("/mes-actions/{year}/import", name="web_spreadsheet_upload")
def upload_spreadsheet(
    year: Year,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: SignedInPerson,
    form: CsrfForm,
) -> Response:
    def refuse(status_code: int, message: str, **context: Any) -> Response:
        return _import_page(
            request,
            session,
            settings,
            person,
            year,
            status_code=status_code,
            refused=message,
            **context,
        )

    closed = _closed(session, person, year)
    if closed is not None:
        return refuse(409, closed)
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return refuse(422, "Choisissez le fichier de votre tableau (XLSX, ODS ou CSV).")
    if sent.size is not None and sent.size > settings.import_max_bytes:
        return refuse(
            413, f"Le fichier dépasse {_size(settings)} : n'y gardez que le tableau des bilans."
        )
    parsed, trackables = imports.check(
        session=session,
        actor=person.actor,
        source=sent.file,
        max_problems=settings.import_max_problems,
        who=WHO.lower(),
        year_check=upload.page_year(year),
        max_rows=MAX_SHEET_ROWS,
        skip_unfilled=True,
    )
    refused = imports.refusal(parsed, person.actor, WHO)
    if refused is not None:
        count = len(parsed.errors)
        return refuse(
            refused.status_code,
            f"{'Plus de ' if parsed.truncated else ''}{count} problème{'s' if count > 1 else ''} "
            f"dans « {sent.filename} » : rien n'a été enregistré.",
            problems=_problems(parsed),
            truncated=parsed.truncated,
            file_name=f"« {sent.filename} »",
        )
    try:
        filed = upload.file(
            session=session,
            actor=person.actor,
            parsed=parsed,
            trackables=trackables,
            submit=False,
            skip_as_downloaded=True,
        )
    except ConflictError as error:  # a report saved elsewhere meanwhile: nothing written
        session.rollback()
        return refuse(409, f"Rien n'a été enregistré : {error.message}.")
    location = str(request.url_for("web_spreadsheet_import", year=str(year)).path)
    query = f"enregistres={filed.created + filed.updated}&inchanges={filed.unchanged}"
    return RedirectResponse(
        f"{location}?{query}&ignores={filed.skipped}#resultat",
        status_code=303,
        headers={"Cache-Control": NO_STORE},
    )
