"""The yearly bilan's pages: ``/bilan`` (to the default year's), ``/bilan/{year}`` (French,
printable) and ``/bilan/{year}.pdf``, from the same figures as the API's ``/api/v1/bilan/{year}``
(app.bilan), which also serves the workbook (``/api/v1/bilan/{year}.xlsx``).

The bilan and its PDF are kept per database revision (app.trackables.kept): a crowd asking for
them while nothing changes builds the bilan and lays out the PDF once. The routes are plain
functions, so FastAPI runs them, and the PDF's layout, in its threadpool, not on the event loop."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.api.deps import SessionDep
from app.bilan import bilan as bilan_service
from app.core.errors import NotFoundError
from app.models.bilan import Bilan
from app.trackables import kept
from app.web import bilan_document
from app.web.routes import WebRoute, error_page, load_plan, page
from app.web.signed_in import PAGE_DEPENDENCIES, finish_page

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)

PDF_MEDIA_TYPE = "application/pdf"
PDF_NAME = "bilan-{year}.pdf"
WORKBOOK_PATH = "/api/v1/bilan/{year}.xlsx"


def _bilan(session: Session, year: int) -> Bilan:
    """The bilan of ``year``, kept until the next write (read-only: shared between requests)."""
    return kept.by_revision(
        session, ("bilan", year), lambda: bilan_service.build(session=session, year=year)
    )


def _no_bilan(request: Request, year: int) -> Response | None:
    """The French 404 page for a year without bilan (before the plan's or after this one)."""
    try:
        bilan_service.check_year(year)
    except NotFoundError as error:
        return error_page(request, 404, "Page introuvable", error.message)
    return None


@router.get("/bilan", name="web_bilan_default")
def bilan_default(request: Request, session: SessionDep) -> Response:
    year = bilan_service.default_year(session=session)
    return RedirectResponse(request.app.url_path_for("web_bilan", year=str(year)), 307)


# Before /bilan/{year}, which would take "2025.pdf" for its year.
@router.get("/bilan/{year}.pdf", name="web_bilan_pdf")
def bilan_pdf(request: Request, session: SessionDep, year: int) -> Response:
    if (refused := _no_bilan(request, year)) is not None:
        return refused
    content = kept.by_revision(
        session,
        ("bilan-pdf", year),
        lambda: bilan_document.render_pdf(_bilan(session, year)),
    )
    response = Response(
        content,
        media_type=PDF_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{PDF_NAME.format(year=year)}"',
            "Cache-Control": "no-cache",
        },
    )
    finish_page(request, response)
    return response


@router.get("/bilan/{year}", name="web_bilan")
def bilan_page(request: Request, session: SessionDep, year: int) -> Response:
    if (refused := _no_bilan(request, year)) is not None:
        return refused
    context = bilan_document.context(_bilan(session, year))
    context["downloads"] = {
        "pdf": request.app.url_path_for("web_bilan_pdf", year=str(year)),
        "xlsx": WORKBOOK_PATH.format(year=year),
    }
    context["years"] = list(bilan_service.years())
    return page(
        request,
        bilan_document.PAGE_TEMPLATE,
        load_plan(session),
        title=f"Bilan {year}",
        section="bilan",
        **context,
    )
