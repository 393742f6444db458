"""/admin/: the administration's home, with what each of its pages holds."""

from fastapi import Request, Response

from app.accounts import accounts
from app.admin import pages, pilotage
from app.api.deps import SessionDep
from app.auth import tokens
from app.models import Role
from app.tooling import organisation
from app.web import legal
from app.web.signed_in import AdminPerson

router = pages.admin_router()


@router.get("/", name="admin_overview")
def overview(request: Request, session: SessionDep, person: AdminPerson) -> Response:
    lines = organisation.list_directorates(session=session)
    views = accounts.get_all(session=session)
    active = [v for v in views if v.active]
    table = pilotage.rows(session=session)
    infos = tokens.get_all(session=session)
    counts = {
        "directorates": sum(not line.archived for line in lines),
        "archived_directorates": sum(line.archived for line in lines),
        "admins": sum(v.role == Role.admin for v in active),
        "editors": sum(v.role == Role.editor for v in active),
        "invited": sum(v.invitation_expires_at is not None for v in active),
        "inactive": len(views) - len(active),
        "trackables": len(table),
        "without_lead": sum(row.lead is None for row in table),
        "tokens": sum(not info.revoked for info in infos),
        "revoked_tokens": sum(info.revoked for info in infos),
    }
    return pages.admin_page(
        request,
        session,
        "overview.html",
        title="Administration",
        section="overview",
        counts=counts,
        no_lead=pilotage.NO_LEAD,
        legal_unset=legal.unset_settings(request.app.state.settings),
    )
