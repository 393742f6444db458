"""/admin/directions: the directorates (list, create), and one directorate's page (rename,
archive, restore). Writes go through app.reference.writes, as the API's, audited as the admin."""

from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.admin import pages
from app.api.deps import SessionDep
from app.core.errors import BoussoleError, ConflictError, NotFoundError
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.reference import writes as reference_writes
from app.tooling import organisation
from app.tooling.organisation import DirectorateLine
from app.web.signed_in import AdminPerson, CsrfForm

router = pages.admin_router()

#: What each field must be, as the forms say it.
RULES = {
    "code": "Le code est obligatoire : lettres sans accent, chiffres et « . _ - », sans espace, "
    "30 caractères au plus.",
    "name": "Le nom est obligatoire, en 300 caractères au plus.",
}
DONE = {
    "creee": "La direction {subject} a été créée.",
    "renommee": "La direction a été renommée.",
    "archivee": "La direction a été archivée : elle n'est plus proposée.",
    "restauree": "La direction a été restaurée : elle est de nouveau proposée.",
}


def _list_page(
    request: Request,
    session: Session,
    *,
    done_message: str | None = None,
    refused: pages.Refusal | None = None,
    entered: dict[str, str] | None = None,
) -> Response:
    return pages.admin_page(
        request,
        session,
        "directorates.html",
        title="Directions",
        section="directorates",
        refused=refused,
        lines=organisation.list_directorates(session=session),
        done=done_message,
        entered=entered or {"code": "", "name": ""},
    )


@router.get("/directions", name="admin_directorates")
def directorates_page(
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    fait: pages.DoneQuery = None,
    direction: Annotated[str | None, Query(max_length=30)] = None,
) -> Response:
    lines = organisation.list_directorates(session=session)
    subject = direction if any(line.code == direction for line in lines) else None
    return _list_page(request, session, done_message=pages.confirmation(DONE, fait, subject))


@router.post("/directions", name="admin_directorate_create")
def create_directorate(
    request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    entered = {"code": pages.text(form, "code").strip(), "name": pages.text(form, "name")}
    try:
        data = DirectorateCreate.model_validate(entered)
        reference_writes.create_directorate(session=session, actor=person.actor, data=data)
    except ValidationError as error:
        return _list_page(
            request, session, refused=pages.invalid_fields(error, RULES), entered=entered
        )
    except BoussoleError as error:
        refused = pages.refusal(session, error, "code")
        return _list_page(request, session, refused=refused, entered=entered)
    return pages.done(pages.page_path(request, "admin_directorates"), "creee", direction=data.code)


def _line(session: Session, code: str) -> DirectorateLine:
    for line in organisation.list_directorates(session=session):
        if line.code == code:
            return line
    raise NotFoundError("directorate", code)


def _directorate_page(
    request: Request,
    session: Session,
    code: str,
    *,
    done_message: str | None = None,
    refused: pages.Refusal | None = None,
    name: str | None = None,
) -> Response:
    line = _line(session, code)
    return pages.admin_page(
        request,
        session,
        "directorate.html",
        title=f"Direction {line.code}",
        section="directorates",
        refused=refused,
        line=line,
        done=done_message,
        name=line.name if name is None else name,
    )


@router.get("/directions/{code}", name="admin_directorate")
def directorate_page(
    code: str,
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    fait: pages.DoneQuery = None,
) -> Response:
    return _directorate_page(request, session, code, done_message=pages.confirmation(DONE, fait))


def _back(request: Request, code: str, key: str) -> Response:
    return pages.done(pages.page_path(request, "admin_directorate", code=code), key)


@router.post("/directions/{code}/nom", name="admin_directorate_rename")
def rename_directorate(
    code: str, request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    name = pages.text(form, "name")
    try:
        data = DirectorateUpdate.model_validate({"name": name})
        reference_writes.update_directorate(
            session=session, actor=person.actor, code=code, data=data
        )
    except ValidationError as error:
        refused = pages.invalid_fields(error, RULES)
        return _directorate_page(request, session, code, refused=refused, name=name)
    return _back(request, code, "renommee")


@router.post("/directions/{code}/archiver", name="admin_directorate_archive")
def archive_directorate(
    code: str, request: Request, session: SessionDep, person: AdminPerson, _form: CsrfForm
) -> Response:
    try:
        reference_writes.archive_directorate(session=session, actor=person.actor, code=code)
    except ConflictError as error:
        return _directorate_page(request, session, code, refused=pages.refusal(session, error))
    return _back(request, code, "archivee")


@router.post("/directions/{code}/restaurer", name="admin_directorate_restore")
def restore_directorate(
    code: str, request: Request, session: SessionDep, person: AdminPerson, _form: CsrfForm
) -> Response:
    reference_writes.restore_directorate(session=session, actor=person.actor, code=code)
    return _back(request, code, "restauree")
