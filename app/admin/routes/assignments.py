"""/admin/pilotage: who leads and who contributes to each action and flagship project, filtered
by the query (engagement, lead directorate or none, text), and the bulk form that changes many
rows at once, all or nothing, through the service of ``boussole assign``
(app.tooling.organisation.apply_assignments), audited as the admin."""

from typing import Annotated

from fastapi import Query, Request, Response
from sqlmodel import Session

from app.admin import pages, pilotage
from app.admin.pilotage import BulkChange, Filters
from app.api.deps import SessionDep
from app.core.errors import BoussoleError
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
    *,
    done_message: str | None = None,
    refused: pages.Refusal | None = None,
    change: BulkChange | None = None,
) -> Response:
    table = pilotage.rows(session=session)
    shown = [row for row in table if filters.keep(row)]
    return pages.admin_page(
        request,
        session,
        "assignments.html",
        title="Pilotage des actions",
        section="assignments",
        refused=refused,
        shown=shown,
        total=len(table),
        filters=filters,
        engagements=trackables.get_all_engagements(session=session),
        directorates=pages.directorate_choices(session, every=True),
        in_service=pages.directorate_choices(session),
        no_lead=pilotage.NO_LEAD,
        change=change or BulkChange(codes=()),
        done=done_message,
    )


@router.get("/pilotage", name="admin_assignments")
def assignments_page(
    request: Request,
    session: SessionDep,
    person: AdminPerson,
    engagement: Annotated[str | None, Query(max_length=30)] = None,
    direction: Annotated[str | None, Query(max_length=30)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    fait: pages.DoneQuery = None,
    nombre: Annotated[int | None, Query(ge=0, le=pilotage.MAX_ROWS)] = None,
) -> Response:
    filters = Filters.of({"engagement": engagement, "direction": direction, "q": q})
    message = None
    if fait == "affectees" and nombre is not None:
        message = (
            f"{plural(nombre, 'ligne modifiée', 'lignes modifiées')}."
            if nombre
            else "Rien n'a changé : les lignes cochées étaient déjà ainsi."
        )
    return _page(request, session, filters, done_message=message)


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
    try:
        rows = change.assignments(
            table=pilotage.rows(session=session),
            directorates=reference.get_all_directorates(session=session),
        )
        counts = organisation.apply_assignments(session=session, actor=person.actor, rows=rows)
    except BoussoleError as error:
        refused = pages.refusal(session, error, "codes")
        return _page(request, session, filters, refused=refused, change=change)
    except organisation.OrganisationError as error:
        session.rollback()
        refused = pages.Refusal(422, {"form": " ; ".join(error.problems)})
        return _page(request, session, filters, refused=refused, change=change)
    location = pages.page_path(request, "admin_assignments")
    return pages.done(location, "affectees", **filters.query(), nombre=counts.updated)
