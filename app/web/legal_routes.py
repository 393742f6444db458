"""The pages a French public body must publish, linked from every page's footer: the
accessibility statement (RGAA), the legal notice and the contact page. What they say comes from
the settings (app.web.legal); a setting not given yet is shown as to be filled in."""

from typing import Any

from fastapi import APIRouter, Request, Response

from app.api.deps import SessionDep
from app.core.config import Settings
from app.web import legal
from app.web.routes import WebRoute, load_plan, page
from app.web.signed_in import PAGE_DEPENDENCIES

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)


def _legal_page(
    request: Request, session: SessionDep, section: str, title: str, **context: Any
) -> Response:
    """The page of ``section`` (its template is named after it), marked in the footer."""
    settings: Settings = request.app.state.settings
    plan = load_plan(session)
    organisation = plan.organisation if plan else None
    return page(
        request,
        f"{section}.html",
        plan,
        title=title,
        section=section,
        settings=settings,
        publisher=settings.publisher_name or organisation or "l'organisation qui publie ce site",
        site_url=settings.public_url or str(request.base_url).rstrip("/"),
        **context,
    )


@router.get("/accessibilite", name="web_accessibility")
def accessibility_page(request: Request, session: SessionDep) -> Response:
    settings: Settings = request.app.state.settings
    return _legal_page(
        request,
        session,
        "accessibility",
        "Déclaration d'accessibilité",
        conformity=legal.conformity_label(settings.accessibility_status),
        not_accessible=legal.not_accessible_text(settings),
    )


@router.get("/mentions-legales", name="web_legal_notice")
def legal_notice_page(request: Request, session: SessionDep) -> Response:
    return _legal_page(request, session, "legal_notice", "Mentions légales")


@router.get("/contact", name="web_contact")
def contact_page(request: Request, session: SessionDep) -> Response:
    return _legal_page(request, session, "contact", "Contact")
