"""Jinja2 set-up of the dashboard: templates, French filters and the headers of every page."""

from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from app.web import format as fr
from app.web.legal import conformity_label
from app.web.trajectory_words import trajectory_explanation

# FastAPI's Request, Response and Jinja2Templates are Starlette's, imported from there: the bilan's
# document (app.web.bilan_document, `boussole report`) renders these templates without loading
# FastAPI; app.web.signed_in (the sessions, FastAPI's dependencies) is imported by the functions
# of the pages that use it.

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

#: Pages load nothing from elsewhere and run no script: the browser is told so, and refuses
#: anything else. (A site-wide security middleware may set its own, no looser, policy.)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"}


@jinja2.pass_context
def _path(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """The path of a named route, relative to the host: ``path("web_action", code="E1.1.1")``."""
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))


@jinja2.pass_context
def _csrf_field(context: dict[str, Any]) -> Markup:
    """The hidden field of the CSRF token every form posted to the site carries
    (app.web.signed_in): ``{{ csrf_field() }}`` inside the ``<form>``."""
    from app.web.signed_in import CSRF_FIELD, form_token

    token = form_token(context["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=fr.number,
        percent=fr.percent,
        points=fr.points,
        quantity=fr.quantity,
        day=fr.day,
        moment=fr.moment,
        iso=fr.iso,
        status_label=fr.status_label,
        status_items=fr.status_items,
        priority_label=fr.priority_label,
        trajectory_label=fr.trajectory_label,
        trajectory_explanation=trajectory_explanation,
        direction_label=fr.direction_label,
        value_status_label=fr.value_status_label,
        entity_label=fr.entity_label,
        change_label=fr.change_label,
        role_label=fr.role_label,
    )
    env.globals.update(
        path=_path,
        plural=fr.plural,
        NOT_KNOWN=fr.NOT_KNOWN,
        csrf_field=_csrf_field,
        conformity_label=conformity_label,
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    """The page ``template``, with the person signed in (``person``: None for a visitor) for the
    header; its answer finished by ``finish_page`` (cookies, ``private, no-store``)."""
    from app.web.signed_in import finish_page

    context = {"person": getattr(request.state, "person", None), **context}
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=PAGE_HEADERS
    )
    finish_page(request, response)
    return response
