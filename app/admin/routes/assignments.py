"""/admin/pilotage: who leads and who contributes to each action and flagship project, filtered
by the query (engagement, lead directorate or none, text), and the bulk form that changes many
rows at once, all or nothing, through the service of ``boussole assign``
(app.tooling.organisation.apply_assignments), audited as the admin."""

from functools import partial
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from sqlmodel import Session

from app.admin import pages, pilotage
from app.admin.pilotage import BulkChange, Filters
from app.api.deps import SessionDep
from app.core.errors import InvalidInputError
from app.reference import reference
from app.tooling import organisation
from app.trackables import trackables
from app.web.format import plural
from app.web.signed_in import AdminPerson, CsrfForm

router = pages.admin_router()


def _page(
    request: Request,
    session: Session,
    filters: Filters,
    outcome: pages.Outcome = pages.FIRST_VIEW,
    change: BulkChange | None = None,
) -> Response:
    table = pilotage.rows(session=session)
    return pages.admin_page(
        request,
        session,
        "assignments.html",
        outcome,
        title="Pilotage des actions",
        section="assignments",
        shown=[row for row in table if filters.keep(row)],
        total=len(table),
        filters=filters,
        engagements=trackables.get_all_engagements(session=session),
        directorates=pages.directorate_choices(session, every=True),
        in_service=pages.directorate_choices(session),
        no_lead=pilotage.NO_LEAD,
        change=change or BulkChange(codes=()),
    )


def _filters(
    engagement: Annotated[str | None, Query(max_length=30)] = None,
    direction: Annotated[str | None, Query(max_length=30)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Filters:
    """The filters of the page's address."""
    return Filters.of({"engagement": engagement, "direction": direction, "q": q})


@router.get("/pilotage", name="admin_assignments")
def assignments_page(
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    filters: Annotated[Filters, Depends(_filters)],
    fait: pages.DoneQuery = None,
    nombre: Annotated[int | None, Query(ge=0, le=pilotage.MAX_ROWS)] = None,
) -> Response:
    message = None
    if fait == "affectees" and nombre is not None:
        message = (
            f"{plural(nombre, 'ligne modifiée', 'lignes modifiées')}."
            if nombre
            else "Rien n'a changé : les lignes cochées étaient déjà ainsi."
        )
    return _page(request, session, filters, pages.Outcome(done=message))


@router.post("/pilotage", name="admin_assignments_apply")
def apply_assignments(
    request: Request, session: SessionDep, person: AdminPerson, form: CsrfForm
) -> Response:
    filters = Filters.of(form)
    change = BulkChange(
        codes=pages.texts(form, "codes"),
        lead=pages.text(form, "lead").strip(),
        add=pages.text(form, "add").strip(),
        remove=pages.text(form, "remove").strip(),
    )

    def apply() -> Response:
        rows = change.assignments(
            table=pilotage.rows(session=session),
            directorates=reference.get_all_directorates(session=session),
        )
        try:
            counts = organisation.apply_assignments(session=session, actor=person.actor, rows=rows)
        except organisation.OrganisationError as error:
            raise InvalidInputError(("form",), " ; ".join(error.problems)) from None
        location = pages.page_path(request, "admin_assignments")
        return pages.done(location, "affectees", **filters.query(), nombre=counts.updated)

    redraw = partial(_page, request, session, filters, change=change)
    return pages.submit(session, apply, redraw, default_field="codes")
