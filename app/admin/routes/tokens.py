"""/admin/jetons: the API tokens of machines (list, create, revoke), through
app.accounts.machine_tokens, audited as the admin. A new token is shown once, on the page answering
the form; only its hash is kept."""

from datetime import datetime
from functools import partial

from fastapi import Request, Response
from sqlmodel import Session

from app.accounts import machine_tokens
from app.admin import pages
from app.api.deps import SessionDep
from app.auth import tokens
from app.models import Role
from app.web.signed_in import AdminPerson, CsrfForm

router = pages.admin_router()

DONE = {"revoque": "Le jeton « {subject} » a été révoqué : il est refusé dès maintenant."}


def _tokens_shown(session: Session) -> dict[str, object]:
    return {
        "infos": [
            (info, datetime.fromisoformat(info.created_at))
            for info in tokens.get_all(session=session)
        ],
        "choices": pages.directorate_choices(session),
        "entered": {"name": "", "role": Role.editor.value, "directorates": []},
    }


_list_page = pages.ListPage("tokens.html", "Jetons d'API", "tokens", _tokens_shown)


@router.get("/jetons", name="admin_tokens")
def tokens_page(
    request: Request, session: SessionDep, person: AdminPerson, said: pages.SaidDep
) -> Response:
    revoked = {info.name for info in tokens.get_all(session=session) if info.revoked}
    return _list_page(request, session, said.outcome(DONE, "jeton", revoked))


@router.post("/jetons", name="admin_token_create")
def create_token(
    request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    """Create the token: the answer shows it, once."""
    name, directorates = pages.text(form, "name"), pages.texts(form, "directorates")

    def create() -> Response:
        row, token = machine_tokens.create(
            session=session,
            actor=person.actor,
            name=name,
            role=pages.role_of(form),
            directorate_codes=directorates,
        )
        return _shown_once(request, session, row.name, token)

    entered = {"name": name, "role": pages.text(form, "role"), "directorates": directorates}
    redraw = partial(_list_page, request, session)
    return pages.submit(session, create, redraw, entered=entered, default_field="name")


def _shown_once(request: Request, session: Session, name: str, token: str) -> Response:
    return pages.admin_page(
        request,
        session,
        "shown_once.html",
        pages.Outcome(done=f"Le jeton « {name} » a été créé."),
        title="Nouveau jeton d'API",
        section="tokens",
        heading=f"Jeton « {name} »",
        shown_label="Jeton",
        shown=token,
        explanation=(
            "Copiez-le maintenant dans la configuration de la machine qui appellera l'API (en-tête "
            "« Authorization: Bearer » suivi du jeton) : seule son empreinte est conservée, il ne "
            "sera plus affiché. S'il se perd, révoquez-le et faites-en un autre."
        ),
        back=(pages.page_path(request, "admin_tokens"), "Retour aux jetons"),
    )


@router.post("/jetons/revoquer", name="admin_token_revoke")
def revoke_token(
    request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    name = pages.text(form, "name")
    machine_tokens.revoke(session=session, actor=person.actor, name=name)
    return pages.done(pages.page_path(request, "admin_tokens"), "revoque", jeton=name)
