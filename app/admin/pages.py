"""What every admin page shares: its router, how a page is drawn, how a form's fields are read,
how a refusal is shown next to its field, and the confirmation after a change.

- Every route is under ``/admin``, declares ``AdminPerson`` (a visitor is sent to sign in, an
  editor gets the French 403 page) and, through ``PAGE_DEPENDENCIES``, the CSRF check of every
  POST (403, before any work).
- A change answers 303 back to its page (``done``), with a confirmation chosen by a key from the
  page's own table (``?fait=…``): no text from the address is ever shown, only a code or name
  the page has just read from the database (``confirmation``).
- A refusal (``refusal``) rolls the transaction back (nothing written) and draws the form again
  with the French message next to its field, at the error's status (422, 409, 404).
- A form's route reads the form, then hands ``submit`` the change (the service's call and the
  answer after it) and the page that draws the form again with an ``Outcome`` (the refusal and
  what was entered); a page drawn after a change gets the ``Outcome`` of ``confirmation``.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.core.errors import BoussoleError, InvalidInputError
from app.core.validation_messages import french_message
from app.models import Role
from app.reference import reference
from app.web.routes import WebRoute, load_plan, page
from app.web.signed_in import NO_STORE, PAGE_DEPENDENCIES

#: The longest value read from a field (longer ones are cut, then refused by the services'
#: own bounds), and the most values read from a field that holds many.
MAX_FIELD = 1024
MAX_VALUES = 2000
BAD_ROLE = "Choisissez un rôle : administration ou rédaction."
#: The query parameter naming the change just made.
DONE_PARAMETER = "fait"
#: The change a page is told was just made (``done``), a key of the page's own table.
#: Longest name a confirmation reads from the address (a token's name is the longest).
NAME_MAX_LENGTH = 100
DoneQuery = Annotated[str | None, Query(alias=DONE_PARAMETER, max_length=30)]
#: The pages of the administration, in the order of its menu: (route name, section, label).
SECTIONS = (
    ("admin_overview", "overview", "Vue d'ensemble"),
    ("admin_directorates", "directorates", "Directions"),
    ("admin_accounts", "accounts", "Comptes"),
    ("admin_assignments", "assignments", "Pilotage des actions"),
    ("admin_tokens", "tokens", "Jetons d'API"),
    ("admin_campaigns", "campaigns", "Campagnes de bilan"),
)


def admin_router() -> APIRouter:
    return APIRouter(
        prefix="/admin",
        route_class=WebRoute,
        include_in_schema=False,
        dependencies=PAGE_DEPENDENCIES,
    )


@dataclass
class Refusal:
    """A refused form: its status and the French message of each field at fault (the key
    ``form`` for a refusal of the whole form)."""

    status_code: int
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What a page says of the last form: the confirmation ``done`` of the change just made, or
    the form ``refused`` with what was ``entered`` in it (drawn again as typed)."""

    done: str | None = None
    refused: Refusal | None = None
    entered: Mapping[str, object] | None = None


#: A page drawn without a form just sent.
FIRST_VIEW = Outcome()


@dataclass(frozen=True)
class ListPage:
    """An admin page listing what it manages, above the form that adds one: its template, title
    and menu section, and ``shows``, what it reads from the database (the template's context,
    with the form's first ``entered`` values). Called as the page drawn after an ``Outcome``."""

    template: str
    title: str
    section: str
    shows: Callable[[Session], dict[str, Any]]

    def __call__(
        self, request: Request, session: Session, outcome: Outcome = FIRST_VIEW
    ) -> Response:
        return admin_page(
            request,
            session,
            self.template,
            outcome,
            title=self.title,
            section=self.section,
            **self.shows(session),
        )


def admin_page(
    request: Request,
    session: Session,
    template: str,
    outcome: Outcome = FIRST_VIEW,
    *,
    title: str,
    section: str,
    entered: Mapping[str, object] | None = None,
    **context: Any,
) -> Response:
    """The admin page ``admin/<template>`` under the plan's header and the admin menu, with the
    ``outcome`` of the last form: the confirmation of the change just made, or the form refused
    (its status, its messages, what was entered; else the form's ``entered`` values). Its answer
    is ``private, no-store`` (app.web.signed_in.finish_page)."""
    refused = outcome.refused
    return page(
        request,
        f"admin/{template}",
        load_plan(session),
        title=title,
        admin_section=section,
        admin_sections=SECTIONS,
        status_code=refused.status_code if refused else 200,
        done=outcome.done,
        errors=refused.errors if refused else {},
        entered=outcome.entered or entered,
        **context,
    )


# --- Reading a form -------------------------------------------------------------------------------


def text(form: FormData, name: str) -> str:
    """The text of field ``name`` ("" when absent or not text)."""
    value = form.get(name)
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every non-blank value of field ``name`` (checkboxes), trimmed, without repeats."""
    values = [v.strip()[:MAX_FIELD] for v in form.getlist(name)[:MAX_VALUES] if isinstance(v, str)]
    return list(dict.fromkeys(v for v in values if v))


def role_of(form: FormData) -> Role:
    """The role chosen in field ``role`` (an account's, a token's)."""
    try:
        return Role(text(form, "role"))
    except ValueError:
        raise InvalidInputError(("role",), BAD_ROLE) from None


def directorate_choices(
    session: Session, kept: Collection[str] = (), *, every: bool = False
) -> list[tuple[str, str]]:
    """The directorates a form offers, as (code, label): those in service, and the archived ones
    the account ``kept`` (an archived directorate is offered for nothing new), or ``every`` one."""
    return [
        (d.code, f"{d.name} ({d.code})" + (" — archivée" if d.archived_at else ""))
        for d in reference.get_all_directorates(session=session)
        if d.archived_at is None or d.code in kept or every
    ]


# --- Refusals -------------------------------------------------------------------------------------


def refusal(session: Session, error: BoussoleError, default_field: str = "form") -> Refusal:
    """Roll back what the refused change may have flushed; the message goes next to the field the
    error names (an ``InvalidInputError``'s), else next to ``default_field``."""
    session.rollback()
    name = default_field
    if isinstance(error, InvalidInputError) and error.loc:
        name = str(error.loc[-1])
    return Refusal(error.status_code, {name: error.message})


#: The errors of a field that breaks its stated rule (the page's message says the rule).
_RULE_BROKEN = frozenset(
    {"missing", "string_too_short", "string_too_long", "string_pattern_mismatch", "string_type"}
)


def invalid_fields(error: ValidationError, rules: Mapping[str, str]) -> Refusal:
    """A 422 of an input model's errors: a field that breaks its rule gets the rule (``rules``,
    by field), any other error its French message."""
    errors: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "form"
        if item["type"] in _RULE_BROKEN and name in rules:
            message = rules[name]
        else:
            message = french_message(item)
            message = f"{message[:1].upper()}{message[1:]}."
        errors.setdefault(name, message)
    return Refusal(422, errors)


def submit(
    session: Session,
    change: Callable[[], Response],
    redraw: Callable[[Outcome], Response],
    *,
    entered: Mapping[str, object] | None = None,
    default_field: str = "form",
    rules: Mapping[str, str] | None = None,
) -> Response:
    """The answer of ``change`` (the service's call, then the page after it), or, when it is
    refused, the form drawn again by ``redraw`` with what was ``entered`` and the refusal: an input
    model's errors by field (with the page's ``rules``), a domain error next to the field it names,
    else next to ``default_field``, after a rollback."""
    try:
        return change()
    except ValidationError as error:
        if rules is None:
            raise
        return redraw(Outcome(refused=invalid_fields(error, rules), entered=entered))
    except BoussoleError as error:
        return redraw(Outcome(refused=refusal(session, error, default_field), entered=entered))


def submit_then_back(
    session: Session,
    change: Callable[[], object],
    redraw: Callable[[Outcome], Response],
    *,
    back_to: str,
    key: str,
    entered: Mapping[str, object] | None = None,
    default_field: str = "form",
    rules: Mapping[str, str] | None = None,
) -> Response:
    """``change``, then 303 back to the page ``back_to`` saying change ``key`` was made; refused,
    as ``submit``."""

    def make() -> Response:
        change()
        return done(back_to, key)

    return submit(session, make, redraw, entered=entered, default_field=default_field, rules=rules)


# --- After a change -------------------------------------------------------------------------------


def page_path(request: Request, name: str, **params: str | int) -> str:
    """The path of page ``name`` (with the site's path prefix, if any)."""
    return request.url_for(name, **params).path


def done(location: str, key: str, **params: str | int) -> RedirectResponse:
    """303 back to ``location``, saying that change ``key`` was made (``params``: what it was
    made to, looked up again by the page before it is named)."""
    query = urlencode({DONE_PARAMETER: key, **params})
    separator = "&" if "?" in location else "?"
    return RedirectResponse(
        f"{location}{separator}{query}", status_code=303, headers={"Cache-Control": NO_STORE}
    )


@dataclass(frozen=True)
class Said:
    """What the address of a page after a change says: the change's key (``?fait=``) and the
    name of what it was made to (``?direction=ENV``), never shown unless the page finds it."""

    key: str | None
    named: Mapping[str, str]

    def outcome(
        self, messages: Mapping[str, str], parameter: str, known: Collection[str]
    ) -> Outcome:
        """The confirmation, naming the ``parameter``'s value only if it is one of ``known``."""
        subject = self.named.get(parameter)
        return confirmation(messages, self.key, subject if subject in known else None)


def _said(request: Request, fait: DoneQuery = None) -> Said:
    named = {name: value[:NAME_MAX_LENGTH] for name, value in request.query_params.items()}
    return Said(fait, named)


SaidDep = Annotated[Said, Depends(_said)]


def confirmation(
    messages: Mapping[str, str], key: str | None, subject: str | None = None
) -> Outcome:
    """The page's outcome after change ``key``: its message from the page's table; none for an
    unknown key, or for a message naming a ``{subject}`` when the page found none in the
    database (a made-up address)."""
    message = messages.get(key or "")
    if message is not None and "{subject}" in message:
        message = message.format(subject=subject) if subject else None
    return Outcome(done=message)
