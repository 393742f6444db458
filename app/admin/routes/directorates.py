"""/admin/directions: the directorates (list, create), and one directorate's page (rename,
archive, restore). Writes go through app.reference.writes, as the API's, audited as the admin."""

from collections.abc import Callable
from functools import partial

from fastapi import Request, Response
from sqlmodel import Session

from app.admin import pages
from app.api.deps import SessionDep
from app.core.errors import NotFoundError
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


def _directorates_shown(session: Session) -> dict[str, object]:
    return {
        "lines": organisation.list_directorates(session=session),
        "entered": {"code": "", "name": ""},
    }


_list_page = pages.ListPage("directorates.html", "Directions", "directorates", _directorates_shown)


@router.get("/directions", name="admin_directorates")
def directorates_page(
    request: Request, session: SessionDep, person: AdminPerson, said: pages.SaidDep
) -> Response:
    codes = {line.code for line in organisation.list_directorates(session=session)}
    return _list_page(request, session, said.outcome(DONE, "direction", codes))


@router.post("/directions", name="admin_directorate_create")
def create_directorate(
    request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    entered = {"code": pages.text(form, "code").strip(), "name": pages.text(form, "name")}

    def create() -> Response:
        data = DirectorateCreate.model_validate(entered)
        reference_writes.create_directorate(session=session, actor=person.actor, data=data)
        location = pages.page_path(request, "admin_directorates")
        return pages.done(location, "creee", direction=data.code)

    redraw = partial(_list_page, request, session)
    return pages.submit(session, create, redraw, entered=entered, default_field="code", rules=RULES)


def _line(session: Session, code: str) -> DirectorateLine:
    for line in organisation.list_directorates(session=session):
        if line.code == code:
            return line
    raise NotFoundError("directorate", code)


def _directorate_page(
    request: Request, session: Session, code: str, outcome: pages.Outcome = pages.FIRST_VIEW
) -> Response:
    line = _line(session, code)
    return pages.admin_page(
        request,
        session,
        "directorate.html",
        outcome,
        title=f"Direction {line.code}",
        section="directorates",
        line=line,
        entered={"name": line.name},
    )


@router.get("/directions/{code}", name="admin_directorate")
def directorate_page(
    code: str,
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    fait: pages.DoneQuery = None,
) -> Response:
    return _directorate_page(request, session, code, pages.confirmation(DONE, fait))


def _submitter(request: Request, session: Session, code: str) -> Callable[..., Response]:
    """``pages.submit_then_back`` for the directorate ``code``: the change, then back to its page;
    refused, its page again with the refusal."""
    back_to = pages.page_path(request, "admin_directorate", code=code)
    redraw = partial(_directorate_page, request, session, code)
    return partial(pages.submit_then_back, session, redraw=redraw, back_to=back_to, rules=RULES)


@router.post("/directions/{code}/nom", name="admin_directorate_rename")
def rename_directorate(
    code: str, request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    entered = {"name": pages.text(form, "name")}

    def rename() -> None:
        data = DirectorateUpdate.model_validate(entered)
        reference_writes.update_directorate(
            session=session, actor=person.actor, code=code, data=data
        )

    return _submitter(request, session, code)(rename, key="renommee", entered=entered)


def _switch_route(path: str, name: str, service: Callable[..., object], key: str) -> None:
    """A button of the directorate's page that calls ``service`` on it, with nothing to enter."""

    @router.post(f"/directions/{{code}}/{path}", name=name)
    def switch(
        code: str, request: Request, session: SessionDep, person: AdminPerson, _form: CsrfForm
    ) -> Response:
        change = partial(service, session=session, actor=person.actor, code=code)
        return _submitter(request, session, code)(change, key=key)


_switch_route(
    "archiver", "admin_directorate_archive", reference_writes.archive_directorate, "archivee"
)
_switch_route(
    "restaurer", "admin_directorate_restore", reference_writes.restore_directorate, "restauree"
)
