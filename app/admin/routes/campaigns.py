"""/admin/campagnes: the yearly reporting campaigns. Open the campaign of a year (its deadline and
message), follow it (where every expected report stands, overall and per lead directorate, the
reports submitted), review a report (beside the published one: validate and publish, or send it
back with a comment), change the deadline or the message, close it (its published reports are
frozen), and see who the reminders would reach. Writes go through app.campaigns, audited as the
admin."""

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from fastapi import Request, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.admin import pages
from app.api.deps import SessionDep, SettingsDep
from app.auth.sessions import SignedIn
from app.campaigns import campaigns, pending, reminders
from app.core.config import Settings
from app.core.dates import paris_today
from app.core.errors import (
    BoussoleError,
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
)
from app.core.validation_messages import french_message
from app.models import Campaign, ReportState
from app.models.campaigns import CampaignOpen, CampaignUpdate, SendBack
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.web.reporting_routes import Year, form_context
from app.web.reporting_scope import KIND_LABELS, find_trackable
from app.web.signed_in import AdminPerson, CsrfForm

router = pages.admin_router()
T = TypeVar("T")

SECTION = "campaigns"
#: What each field must be, as the forms say it (any refusal of the field shows its rule).
RULES = {
    "year": f"L'année du bilan s'écrit avec quatre chiffres, de {FIRST_YEAR} à {LAST_YEAR}.",
    "deadline": "La date limite s'écrit AAAA-MM-JJ, par exemple 2026-03-31.",
    "message": "Le message tient en 20 000 caractères au plus.",
    "comment": "Dites à la direction ce qu'il faut corriger : le commentaire est obligatoire, "
    "en 5 000 caractères au plus.",
}
CONFIRM_CLOSE = "Cochez la case pour confirmer la clôture."
STALE = (
    "La campagne a été modifiée entre-temps par quelqu'un d'autre : rien n'a été enregistré. "
    "Relisez la page, puis recommencez."
)
STALE_REPORT = (
    "Ce bilan a été modifié depuis que vous l'avez ouvert : rien n'a été enregistré. Relisez-le "
    "ci-dessous, puis recommencez."
)
DONE = {
    "ouverte": "La campagne est ouverte : les directions peuvent remplir leurs bilans.",
    "modifiee": "La campagne a été modifiée.",
    "valide": "Le bilan {subject} a été validé et publié.",
    "renvoye": "Le bilan {subject} a été renvoyé à sa direction pour correction.",
}
#: The longest text read from the message and comment fields (longer ones are refused).
MAX_TEXT = 20_001


def _long_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_TEXT].replace("\r\n", "\n") if isinstance(value, str) else ""


def _ruled(error: ValidationError) -> pages.Refusal:
    """422: each field at fault with its rule."""
    errors: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "form"
        if name in RULES:
            errors.setdefault(name, RULES[name])
        else:
            text = french_message(item)
            errors.setdefault(name, f"{text[:1].upper()}{text[1:]}.")
    return pages.Refusal(422, errors)


def worded(call: Callable[..., T], **arguments: Any) -> T:
    """``call(**arguments)``; a refusal of the service reads as a sentence on the page (the API's
    problems word it as a detail: « la campagne 2025 a déjà eu lieu »)."""
    try:
        return call(**arguments)
    except BoussoleError as error:
        error.message = f"{error.message[:1].upper()}{error.message[1:]}."
        raise


# --- The campaigns -------------------------------------------------------------------------------


def _campaigns_page(
    request: Request, session: Session, outcome: pages.Outcome = pages.FIRST_VIEW
) -> Response:
    rows = campaigns.get_all(session=session)
    under_way = next((c for c in rows if c.is_open), None)
    suggested = min(max(paris_today().year - 1, FIRST_YEAR), LAST_YEAR)
    return pages.admin_page(
        request,
        session,
        "campaigns.html",
        outcome,
        title="Campagnes de bilan",
        section=SECTION,
        campaigns=rows,
        under_way=under_way,
        entered={"year": str(suggested), "deadline": "", "message": ""},
    )


@router.get("/campagnes", name="admin_campaigns")
def campaigns_page(request: Request, session: SessionDep, person: AdminPerson) -> Response:
    return _campaigns_page(request, session)


@router.post("/campagnes", name="admin_campaign_open")
def open_campaign(
    request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    entered = {
        "year": pages.text(form, "year").strip(),
        "deadline": pages.text(form, "deadline").strip(),
        "message": _long_text(form, "message"),
    }
    redraw = partial(_campaigns_page, request, session)
    if not (entered["year"].isdigit() and len(entered["year"]) == 4):
        refused = pages.Refusal(422, {"year": RULES["year"]})
        return redraw(pages.Outcome(refused=refused, entered=entered))
    try:
        data = CampaignOpen.model_validate(entered | {"year": int(entered["year"])})
    except ValidationError as error:
        return redraw(pages.Outcome(refused=_ruled(error), entered=entered))

    def create() -> Response:
        campaign = worded(campaigns.create, session=session, actor=person.actor, data=data)
        location = pages.page_path(request, "admin_campaign", year=campaign.year)
        return pages.done(location, "ouverte")

    return pages.submit(session, create, redraw, entered=entered, default_field="year")


# --- One campaign ---------------------------------------------------------------------------------


def _reminders(session: Session, settings: Settings, campaign: Campaign) -> dict[str, Any]:
    """Who the reminders would reach today, and whether mail is set up."""
    due = []
    if campaign.is_open:
        due = reminders.due(
            session=session, today=paris_today(), days_before=settings.reminder_days
        )
    return {
        "reminders": due,
        "mail_ready": settings.smtp_server is not None,
        "reminder_days": settings.reminder_days,
    }


def _campaign_page(
    request: Request,
    session: Session,
    settings: Settings,
    year: int,
    outcome: pages.Outcome = pages.FIRST_VIEW,
) -> Response:
    campaign = campaigns.get(session=session, year=year)
    summary = campaigns.public(session=session, campaign=campaign)
    titles = {t.code: t.title for t in campaigns.expected(session)}
    reports = pending.get_all(session=session, year=year, trackable_ids=None)
    submitted = sorted(
        (item for item in reports if item[0].state == ReportState.submitted),
        key=lambda item: (item[0].submitted_at is None, item[0].submitted_at, item[1]),
    )
    others = [item for item in reports if item[0].state != ReportState.submitted]
    frozen = None if campaign.is_open else len(campaigns.snapshot_rows(session=session, year=year))
    validated = next((s.count for s in summary.states if s.state == ReportState.validated), 0)
    return pages.admin_page(
        request,
        session,
        "campaign.html",
        outcome,
        title=f"Campagne de bilan {year}",
        section=SECTION,
        campaign=campaign,
        summary=summary,
        titles=titles,
        submitted=submitted,
        others=others,
        frozen=frozen,
        validated=validated,
        entered={"deadline": campaign.deadline.isoformat(), "message": campaign.message},
        **_reminders(session, settings, campaign),
    )


@router.get("/campagnes/{year}", name="admin_campaign")
def campaign_page(
    year: Year,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: AdminPerson,
    said: pages.SaidDep,
) -> Response:
    campaign = campaigns.get(session=session, year=year)
    outcome = said.outcome(DONE, "bilan", _known_codes(session, said))
    if said.key == "close" and not campaign.is_open:
        count = len(campaigns.snapshot_rows(session=session, year=year))
        reports = (
            f"{count} bilan publié est figé" if count == 1 else f"{count} bilans publiés sont figés"
        )
        outcome = pages.Outcome(done=f"La campagne {year} est close : {reports}.")
    return _campaign_page(request, session, settings, year, outcome)


def _known_codes(session: Session, said: pages.Said) -> set[str]:
    """The code the address names, if it is a trackable's."""
    code = said.named.get("bilan")
    if not code:
        return set()
    try:
        return {find_trackable(session, code).code}
    except NotFoundError:
        return set()


def _submitter(
    request: Request, session: Session, settings: Settings, year: int
) -> Callable[..., Response]:
    back_to = pages.page_path(request, "admin_campaign", year=year)
    redraw = partial(_campaign_page, request, session, settings, year)
    return partial(pages.submit_then_back, session, redraw=redraw, back_to=back_to)


def _version(form: FormData) -> int | None:
    text = pages.text(form, "version")
    return int(text) if text.isdigit() else None


@router.post("/campagnes/{year}/modifier", name="admin_campaign_update")
def update_campaign(
    year: Year,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: AdminPerson,
    form: CsrfForm,
) -> Response:
    entered = {
        "deadline": pages.text(form, "deadline").strip(),
        "message": _long_text(form, "message"),
    }
    redraw = partial(_campaign_page, request, session, settings, year)
    try:
        data = CampaignUpdate.model_validate(
            {"deadline": entered["deadline"] or None, "message": entered["message"]}
        )
    except ValidationError as error:
        return redraw(pages.Outcome(refused=_ruled(error), entered=entered))

    def change() -> None:
        campaign = campaigns.get(session=session, year=year)
        try:
            worded(
                campaigns.update,
                session=session,
                actor=person.actor,
                campaign=campaign,
                data=data,
                if_match=_version(form),
            )
        except PreconditionFailedError:
            raise ConflictError(STALE) from None

    submitter = _submitter(request, session, settings, year)
    return submitter(change, key="modifiee", entered=entered, default_field="deadline")


@router.post("/campagnes/{year}/cloturer", name="admin_campaign_close")
def close_campaign(
    year: Year,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: AdminPerson,
    form: CsrfForm,
) -> Response:
    if not pages.text(form, "confirmer"):
        refused = pages.Refusal(422, {"confirmer": CONFIRM_CLOSE})
        return _campaign_page(request, session, settings, year, pages.Outcome(refused=refused))

    def close() -> None:
        campaign = campaigns.get(session=session, year=year)
        worded(campaigns.close, session=session, actor=person.actor, campaign=campaign)

    return _submitter(request, session, settings, year)(
        close, key="close", default_field="confirmer"
    )


# --- Reviewing a report ---------------------------------------------------------------------------


def _review_page(
    request: Request,
    session: Session,
    person: SignedIn,
    year: int,
    code: str,
    outcome: pages.Outcome = pages.FIRST_VIEW,
) -> Response:
    campaign = campaigns.get(session=session, year=year)
    trackable = find_trackable(session, code)
    ctx = form_context(session, person, trackable, year)
    if ctx.row is None:
        raise NotFoundError(
            "pending report", f"{trackable.code}/{year}", f"aucun bilan {year} en attente"
        )
    return pages.admin_page(
        request,
        session,
        "campaign_review.html",
        outcome,
        title=f"Bilan {year} de {trackable.code}",
        section=SECTION,
        campaign=campaign,
        ctx=ctx,
        kind_label=KIND_LABELS[trackable.kind],
        entered={"comment": ""},
    )


@router.get("/campagnes/{year}/bilans/{code}", name="admin_campaign_review")
def review_page(
    year: Year, code: str, request: Request, session: SessionDep, person: AdminPerson
) -> Response:
    return _review_page(request, session, person, year, code)


def _review_step(
    request: Request,
    session: Session,
    person: SignedIn,
    year: int,
    code: str,
    step: Callable[[], object],
    key: str,
    entered: dict[str, str] | None = None,
) -> Response:
    """``step``, then back to the campaign's page naming the report; refused, the review page
    again with the refusal (a stale version said as such)."""
    try:
        worded(step)
    except PreconditionFailedError:
        refused = pages.Refusal(412, {"form": STALE_REPORT})
        session.rollback()
        return _review_page(
            request, session, person, year, code, pages.Outcome(refused=refused, entered=entered)
        )
    except BoussoleError as error:
        refused = pages.refusal(session, error)
        return _review_page(
            request, session, person, year, code, pages.Outcome(refused=refused, entered=entered)
        )
    location = pages.page_path(request, "admin_campaign", year=year)
    return pages.done(location, key, bilan=code)


@router.post("/campagnes/{year}/bilans/{code}/valider", name="admin_campaign_validate")
def validate_report(
    year: Year,
    code: str,
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    form: CsrfForm,
) -> Response:
    trackable = find_trackable(session, code)
    step = partial(
        pending.validate,
        session=session,
        actor=person.actor,
        trackable=trackable,
        year=year,
        if_match=_version(form),
    )
    return _review_step(request, session, person, year, trackable.code, step, "valide")


@router.post("/campagnes/{year}/bilans/{code}/renvoyer", name="admin_campaign_send_back")
def send_back_report(
    year: Year,
    code: str,
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    form: CsrfForm,
) -> Response:
    trackable = find_trackable(session, code)
    entered = {"comment": _long_text(form, "comment")}
    try:
        data = SendBack.model_validate(entered)
    except ValidationError as error:
        outcome = pages.Outcome(refused=_ruled(error), entered=entered)
        return _review_page(request, session, person, year, trackable.code, outcome)
    step = partial(
        pending.send_back,
        session=session,
        actor=person.actor,
        trackable=trackable,
        year=year,
        comment=data.comment,
        if_match=_version(form),
    )
    return _review_step(request, session, person, year, trackable.code, step, "renvoye", entered)
