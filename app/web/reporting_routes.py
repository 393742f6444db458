"""The yearly reporting campaign as the directorates live it: "Mes actions" and the report form.

- ``GET /mes-actions``: for the open campaign, the actions and flagship projects the person's
  directorates lead, each with its state for the year and what its report still lacks, and apart,
  read-only, those they contribute to; admins see every one (``?direction=`` filters by lead
  directorate). A "Transmettre" button per draft, one for every draft, and the links of the
  spreadsheet round trip (app/web/spreadsheet_routes.py). Who leads what, and what each report
  lacks: app.web.reporting_scope.
- ``GET|POST /mes-actions/{year}/bilan/{code}``: the report form (app.web.reporting_form), saved
  as a draft or submitted; the previous year's published report beside it. A version saved by
  someone else meanwhile answers 412 with both versions (theirs, and the form as typed).
- ``POST /mes-actions/{year}/bilan/{code}/transmettre``: submit a saved draft as it is;
  ``POST /mes-actions/{year}/transmettre``: submit all of them.

Every write goes through app.campaigns.pending with the signed-in account as actor; an editor
writes only what one of their directorates leads (403 page otherwise) and only within the open
campaign of that year (409 otherwise, nothing written). A refused form is drawn again as typed,
each message next to its field and in the summary at the top.
"""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.api.deps import OffsetQuery, SessionDep
from app.auth.sessions import SignedIn
from app.campaigns import campaigns, pending
from app.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
)
from app.models import Campaign, PendingReport, ReportState, Trackable, TrackableKind
from app.models.inputs import YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, LAST_YEAR, MilestonePublic, ProgressReportPublic
from app.reference import reference
from app.trackables import milestones as milestone_service
from app.trackables import progress
from app.web import reporting_form as form_fields
from app.web.reporting_form import Entered, FieldErrors, IndicatorInfo
from app.web.reporting_scope import (
    KIND_LABELS,
    NO_LEAD,
    PAGE_SIZE,
    find_trackable,
    indicator_infos,
    lines,
    scope,
)
from app.web.routes import Pages, WebRoute, load_plan, page
from app.web.signed_in import (
    NO_STORE,
    PAGE_DEPENDENCIES,
    CsrfForm,
    PageRefused,
    SignedInPerson,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)

Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR), YEAR_FORMAT]
DirectionQuery = Annotated[str | None, Query(alias="direction", max_length=30)]
DoneQuery = Annotated[str | None, Query(alias="fait", max_length=30)]
CodeQuery = Annotated[str | None, Query(alias="bilan", max_length=30)]
#: The most milestones of a trackable the form shows.
MAX_MILESTONES = 500
DONE = {
    "transmis": "Le bilan {subject} a été transmis à l'équipe de pilotage.",
    "tous": "Vos brouillons ont été transmis à l'équipe de pilotage.",
    "aucun": "Vous n'aviez aucun brouillon à transmettre.",
}
FORM_DONE = {
    "brouillon": "Brouillon enregistré : il n'est visible que de votre direction et de "
    "l'équipe de pilotage. Transmettez-le quand il est prêt.",
}
#: The value of the form's "Transmettre" button (``intent``); the other saves a draft.
SUBMIT_INTENT = "transmettre"


def install_reporting_pages(app: FastAPI) -> None:
    app.include_router(router)


def _redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": NO_STORE})


def _path(request: Request, name: str, **params: str | int) -> str:
    return request.url_for(name, **{k: str(v) for k, v in params.items()}).path


# --- Mes actions ------------------------------------------------------------------------------


def _list_page(
    request: Request,
    session: Session,
    person: SignedIn,
    direction: str | None,
    *,
    offset: int = 0,
    done: str | None = None,
    refused: str | None = None,
    status_code: int = 200,
) -> Response:
    campaign = campaigns.get_open(session=session)
    directorates = reference.get_all_directorates(session=session)
    context: dict[str, Any] = {
        "campaign": campaign,
        "led": [],
        "contributed": [],
        "counts": {},
        "direction": direction,
        "no_lead": NO_LEAD,
        "directorates": [(d.code, d.name) for d in directorates],
        "mine": [(d.code, d.name) for d in directorates if d.id in person.directorate_ids],
        "done": done,
        "refused": refused,
    }
    if campaign is not None:
        found = lines(session, scope(session, person, direction), campaign.year, offset=offset)
        query = [(k, v) for k, v in request.query_params.multi_items() if k in ("direction",)]
        context |= {
            "led": found.led,
            "contributed": found.contributed,
            "counts": [(s, found.counts[s]) for s in ReportState if found.counts[s]],
            "drafts": found.drafts,
            "pages": Pages.of(request, query, offset=offset, size=PAGE_SIZE, total=found.total),
        }
    return page(
        request,
        "my_actions.html",
        load_plan(session),
        title=f"Mes actions — bilan {campaign.year}" if campaign else "Mes actions",
        status_code=status_code,
        **context,
    )


@router.get("/mes-actions", name="web_my_actions")
def my_actions(
    request: Request,
    session: SessionDep,
    person: SignedInPerson,
    direction: DirectionQuery = None,
    fait: DoneQuery = None,
    bilan: CodeQuery = None,
    offset: OffsetQuery = 0,
) -> Response:
    done = DONE.get(fait or "")
    if done is not None and "{subject}" in done:
        # The code is named only if it is one of the person's: never text from the address.
        known = bilan is not None and _known_code(session, person, bilan)
        done = done.format(subject=bilan) if known else None
    filtered = direction if person.is_admin else None
    return _list_page(request, session, person, filtered, offset=offset, done=done)


def _known_code(session: Session, person: SignedIn, code: str) -> bool:
    try:
        trackable = find_trackable(session, code)
    except NotFoundError:
        return False
    return person.actor.may_write(trackable.lead_directorate_id)


@router.post("/mes-actions/{year}/transmettre", name="web_submit_drafts")
def submit_drafts(
    year: Year, request: Request, session: SessionDep, person: SignedInPerson, form: CsrfForm
) -> Response:
    """Submit every draft (and every report sent back) the person leads (an admin: those of the
    list's filter)."""
    direction = form.get("direction")
    filtered = direction if isinstance(direction, str) and direction and person.is_admin else None
    found = scope(session, person, filtered)
    by_id = {t.id: t for t in found.led if t.id is not None}
    rows = pending.get_all(session=session, year=year, trackable_ids=list(by_id))
    drafts = [
        (row, by_id[row.trackable_id])
        for row, _ in rows
        if row.state in (ReportState.draft, ReportState.sent_back)
    ]
    try:
        for row, trackable in drafts:
            pending.submit(
                session=session,
                actor=person.actor,
                trackable=trackable,
                year=year,
                if_match=row.version,
            )
    except (ConflictError, PreconditionFailedError) as error:
        session.rollback()
        return _list_page(
            request,
            session,
            person,
            filtered,
            refused=f"Rien n'a été transmis : {error.message}.",
            status_code=error.status_code,
        )
    location = _path(request, "web_my_actions")
    key = "tous" if drafts else "aucun"
    query = {"fait": key} | ({"direction": filtered} if filtered else {})
    return _redirect(f"{location}?{urlencode(query)}")


# --- The report form ----------------------------------------------------------------------------


def writable(session: Session, person: SignedIn, code: str) -> Trackable:
    """The trackable ``code``, whose report ``person`` may write: 404 page, then 403 page."""
    trackable = find_trackable(session, code)
    if not person.actor.may_write(trackable.lead_directorate_id):
        raise PageRefused(
            403,
            "Accès refusé",
            f"Le bilan de {trackable.code} est rempli par la direction qui le pilote, et vos "
            "directions ne la pilotent pas. Vous le retrouvez en lecture seule sur « Mes "
            "actions » si vos directions y contribuent.",
        )
    return trackable


@dataclass
class FormContext:
    """What the report form shows besides its fields."""

    trackable: Trackable
    year: int
    campaign: Campaign | None
    editable: bool
    row: PendingReport | None
    state: ReportState
    published: ProgressReportPublic | None  # the year's
    previous: ProgressReportPublic | None  # the year before's
    stored: list[MilestonePublic]
    infos: list[IndicatorInfo]
    lead_name: str | None


def form_context(
    session: Session, person: SignedIn, trackable: Trackable, year: int
) -> FormContext:
    try:
        campaign: Campaign | None = campaigns.get(session=session, year=year)
    except NotFoundError:
        campaign = None
    editable = person.is_admin or (campaign is not None and campaign.is_open)
    row = pending.find(session, trackable, year)
    reports = {r.year: r for r in progress.get_all(session=session, trackable=trackable)}
    published = reports.get(year)
    if row is not None:
        state = ReportState(row.state)
    else:
        state = ReportState.validated if published else ReportState.to_do
    stored, _ = milestone_service.get_all(
        session=session, trackable=trackable, limit=MAX_MILESTONES, offset=0
    )
    assert trackable.id is not None
    names = {d.id: d.name for d in reference.get_all_directorates(session=session)}
    return FormContext(
        trackable=trackable,
        year=year,
        campaign=campaign,
        editable=editable,
        row=row,
        state=state,
        published=published,
        previous=reports.get(year - 1),
        stored=stored,
        infos=indicator_infos(session).get(trackable.id, []),
        lead_name=names.get(trackable.lead_directorate_id),
    )


def first_entered(ctx: FormContext) -> Entered:
    """The form as it opens: the pending report, else the year's published one, else the
    previous year's progress and status to start from."""
    if ctx.row is not None:
        return form_fields.from_pending(ctx.row, ctx.stored, ctx.infos)
    return form_fields.from_published(
        ctx.published or ctx.previous,
        ctx.stored,
        ctx.infos,
        year=ctx.year,
        default_status=ctx.trackable.status,
        whole=ctx.published is not None,
    )


def _form_page(
    request: Request,
    session: Session,
    ctx: FormContext,
    entered: Entered,
    *,
    errors: FieldErrors | None = None,
    conflict: dict[str, Any] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    code = ctx.trackable.code
    return page(
        request,
        "report_form.html",
        load_plan(session),
        title=f"Bilan {ctx.year} de {code}",
        status_code=status_code,
        ctx=ctx,
        kind_label=KIND_LABELS[TrackableKind(ctx.trackable.kind)],
        entered=entered,
        errors=(errors or FieldErrors()).by_name,
        summary=(errors or FieldErrors()).summary,
        conflict=conflict,
        done=done,
        status_choices=form_fields.STATUS_CHOICES,
        budgets=form_fields.BUDGETS,
        public_path=_path(
            request,
            "web_action" if ctx.trackable.kind == TrackableKind.action else "web_flagship_project",
            code=code,
        ),
    )


@router.get("/mes-actions/{year}/bilan/{code}", name="web_report_form")
def report_form(
    year: Year,
    code: str,
    request: Request,
    session: SessionDep,
    person: SignedInPerson,
    fait: DoneQuery = None,
) -> Response:
    trackable = writable(session, person, code)
    ctx = form_context(session, person, trackable, year)
    done = FORM_DONE.get(fait or "") if ctx.row is not None else None
    return _form_page(request, session, ctx, first_entered(ctx), done=done)


def _conflict(session: Session, ctx: FormContext, entered: Entered) -> dict[str, Any]:
    """What was saved meanwhile (after the refused write is rolled back): the pending report now,
    or the published one when it was validated meanwhile; the form's version becomes the current
    one, so that saving again replaces theirs knowingly."""
    now = pending.find(session, ctx.trackable, ctx.year)
    entered.version = now.version if now is not None else 0
    if now is not None:
        return {
            "report": now,
            "by": now.saved_by,
            "at": now.saved_at,
            "state": ReportState(now.state).label,
            "drafts": now.milestones,
            "measures": now.indicator_values,
        }
    published = next(
        (
            r
            for r in progress.get_all(session=session, trackable=ctx.trackable)
            if r.year == ctx.year
        ),
        None,
    )
    return {
        "report": published,
        "by": published.reported_by if published else None,
        "at": published.reported_at if published else None,
        "state": ReportState.validated.label if published else ReportState.to_do.label,
        "drafts": [],
        "measures": {},
    }


@router.post("/mes-actions/{year}/bilan/{code}", name="web_report_save")
def save_report(
    year: Year,
    code: str,
    request: Request,
    session: SessionDep,
    person: SignedInPerson,
    form: CsrfForm,
) -> Response:
    trackable = writable(session, person, code)
    ctx = form_context(session, person, trackable, year)
    posted = form_fields.read(form, ctx.stored, ctx.infos)
    submit = form.get("intent") == SUBMIT_INTENT
    data = form_fields.validated(posted, ctx.infos)
    if data is None:
        return _form_page(
            request, session, ctx, posted.entered, errors=posted.errors, status_code=422
        )
    try:
        pending.save(
            session=session,
            actor=person.actor,
            trackable=trackable,
            year=year,
            data=data,
            if_match=posted.entered.version,
            submit=submit,
        )
    except PreconditionFailedError:
        session.rollback()
        conflict = _conflict(session, ctx, posted.entered)
        return _form_page(request, session, ctx, posted.entered, conflict=conflict, status_code=412)
    except InvalidInputError as error:
        session.rollback()
        form_fields.refused_by_service(posted, ctx.infos, error)
        return _form_page(
            request, session, ctx, posted.entered, errors=posted.errors, status_code=422
        )
    except ConflictError as error:
        session.rollback()
        posted.errors.add("form", "Campagne", f"{error.message[:1].upper()}{error.message[1:]}.")
        return _form_page(
            request, session, ctx, posted.entered, errors=posted.errors, status_code=409
        )
    if submit:
        location = _path(request, "web_my_actions")
        return _redirect(f"{location}?fait=transmis&bilan={trackable.code}")
    location = _path(request, "web_report_form", year=year, code=trackable.code)
    return _redirect(f"{location}?fait=brouillon")


@router.post("/mes-actions/{year}/bilan/{code}/transmettre", name="web_report_submit")
def submit_report(
    year: Year,
    code: str,
    request: Request,
    session: SessionDep,
    person: SignedInPerson,
    form: CsrfForm,
) -> Response:
    """Submit the saved draft as it is (the version the list showed)."""
    trackable = writable(session, person, code)
    version = form.get("version")
    if_match = int(version) if isinstance(version, str) and version.isdigit() else None
    try:
        pending.submit(
            session=session, actor=person.actor, trackable=trackable, year=year, if_match=if_match
        )
    except (ConflictError, PreconditionFailedError, NotFoundError) as error:
        session.rollback()
        if isinstance(error, PreconditionFailedError):
            reason = (
                f"le bilan {trackable.code} a été modifié depuis l'affichage de cette page : "
                "relisez-le avant de le transmettre"
            )
        else:
            reason = error.message
        return _list_page(
            request,
            session,
            person,
            None,
            refused=f"Rien n'a été transmis : {reason}.",
            status_code=error.status_code,
        )
    location = _path(request, "web_my_actions")
    return _redirect(f"{location}?fait=transmis&bilan={trackable.code}")
