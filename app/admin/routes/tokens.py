"""/admin/jetons: the API tokens of machines (list, create, revoke), through
app.accounts.machine_tokens, audited as the admin. A new token is shown once, on the page answering
the form; only its hash is kept."""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from fastapi import Query, Request, Response
from sqlmodel import Session

from app.accounts import machine_tokens
from app.admin import pages
from app.api.deps import SessionDep
from app.auth import tokens
from app.core.errors import BoussoleError
from app.models import Role
from app.web.signed_in import AdminPerson, CsrfForm

router = pages.admin_router()

DONE = {"revoque": "Le jeton « {subject} » a été révoqué : il est refusé dès maintenant."}


def _list_page(
    request: Request,
    session: Session,
    *,
    done_message: str | None = None,
    refused: pages.Refusal | None = None,
    entered: Mapping[str, object] | None = None,
) -> Response:
    return pages.admin_page(
        request,
        session,
        "tokens.html",
        title="Jetons d'API",
        section="tokens",
        refused=refused,
        infos=[
            (info, datetime.fromisoformat(info.created_at))
            for info in tokens.get_all(session=session)
        ],
        choices=pages.directorate_choices(session),
        done=done_message,
        entered=entered or {"name": "", "role": Role.editor.value, "directorates": []},
    )


@router.get("/jetons", name="admin_tokens")
def tokens_page(
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    fait: pages.DoneQuery = None,
    jeton: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    revoked = {info.name for info in tokens.get_all(session=session) if info.revoked}
    known = jeton if jeton in revoked else None
    return _list_page(request, session, done_message=pages.confirmation(DONE, fait, known))


@router.post("/jetons", name="admin_token_create")
def create_token(
    request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    """Create the token: the answer shows it, once."""
    entered = {
        "name": pages.text(form, "name"),
        "role": pages.text(form, "role"),
        "directorates": pages.texts(form, "directorates"),
    }
    try:
        row, token = machine_tokens.create(
            session=session,
            actor=person.actor,
            name=pages.text(form, "name"),
            role=pages.role_of(form),
            directorate_codes=pages.texts(form, "directorates"),
        )
    except BoussoleError as error:
        refused = pages.refusal(session, error, "name")
        return _list_page(request, session, refused=refused, entered=entered)
    return pages.admin_page(
        request,
        session,
        "shown_once.html",
        title="Nouveau jeton d'API",
        section="tokens",
        heading=f"Jeton « {row.name} »",
        done=f"Le jeton « {row.name} » a été créé.",
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
