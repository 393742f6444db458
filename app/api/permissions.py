"""Who may write what, declared at the route, in the manner of Netflix/dispatch's
``PermissionsDependency``.

Every write route takes its caller through one of two aliases, so reading the route tells who may
call it (tests/api/test_permissions.py fails for a write route that declares neither):

* ``AdminActor`` (``Permission.admin``): admin tokens only; anyone else gets 403 before any work.
* ``TrackingWriter`` (``Permission.write_tracking``): admin tokens, and editor tokens for what one
  of their directorates leads. Who leads is in the data: the route loads what it writes with
  ``writable_trackable``, ``writable_milestone`` or ``writable_indicator`` (404 for an unknown
  one, then 403 out of the token's scope) and hands the service the authorised object. The
  import checks every row of its file the same way, once the file is read.

The data-dependent rule itself, "may this token write what this directorate leads?", is
``Actor.may_write`` (app.auth.tokens), the one place it is decided. ``ADMIN_ONLY`` is the
declared rule of PATCH on a trackable: the fields an editor may not change.

Order of the answers: 401 (``AuthenticationMiddleware``, before anything), then what FastAPI
settles while solving the dependencies (the admin check, a malformed If-Match: 400), then the
validation of the path, query and body (422), then the route: 404, 403, and the service's own
answers (412…). The loaders run in the route rather than as dependencies for that reason: a
dependency runs before FastAPI validates the body, and would answer 404 or 403 to a request that
has always been refused 422.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends
from pydantic import BaseModel

from app.api.deps import CurrentActor
from app.auth.tokens import Actor
from app.core.errors import ForbiddenError

#: The 403 of an admin-only operation called with an editor token.
ADMIN_RESERVED = "Cette opération est réservée aux jetons administrateur."


class Permission(StrEnum):
    """What a write route asks of its caller."""

    #: Admin tokens only.
    admin = "admin"
    #: Admin tokens, and editors for what one of their directorates leads (yearly progress,
    #: milestones, the tracking fields of a trackable, the values of an indicator, the import).
    write_tracking = "write_tracking"


class PermissionDependency:
    """The dependency a route declares: the caller (401 without a token), refused with 403 when
    its role cannot hold the permission whatever it writes."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, actor: CurrentActor) -> Actor:
        if self.permission == Permission.admin and not actor.is_admin:
            raise ForbiddenError(ADMIN_RESERVED)
        return actor

    def __repr__(self) -> str:
        return f"require(Permission.{self.permission.name})"


# One instance per permission: FastAPI caches a dependency's result by its callable.
_DEPENDENCIES = {permission: PermissionDependency(permission) for permission in Permission}


def require(permission: Permission) -> Callable[..., Any]:
    """For ``Depends``: ``dependencies=[Depends(require(Permission.admin))]``."""
    return _DEPENDENCIES[permission]


def declared(call: object) -> Permission | None:
    """The permission a dependency declares, if it is one of ``require``'s."""
    return call.permission if isinstance(call, PermissionDependency) else None


AdminActor = Annotated[Actor, Depends(require(Permission.admin))]
TrackingWriter = Annotated[Actor, Depends(require(Permission.write_tracking))]


# --- What the data decides ----------------------------------------------------------------------

#: Fields of a trackable that shape the plan or its roll-ups rather than report on it: editors may
#: not change them in a PATCH, admins may.
ADMIN_ONLY = frozenset(
    {
        "title",
        "axis",
        "parent",
        "archived",
        "lead_directorate",
        "weight",
        "engagement",
        "actions",
        # The national classification (betagouv/projets-territoire) of the plan's projects.
        "competences",
        "leviers",
    }
)


def out_of_scope(actor: Actor, what: str, code: str) -> ForbiddenError:
    """403 for ``actor``, which may not ``what`` (a French verb: « modifier ») ``code``."""
    return ForbiddenError(
        f"Le jeton « {actor.name} » ne peut pas {what} {code} : la direction qui le pilote "
        f"n'est pas {actor.directorates_label}."
    )


def check_admin_only(actor: Actor, data: BaseModel) -> None:
    """403 for an editor's PATCH that sends a field of ``ADMIN_ONLY``, naming them."""
    if not actor.is_admin and (reserved := sorted(ADMIN_ONLY & data.model_fields_set)):
        raise ForbiddenError(
            f"Seuls les jetons administrateur peuvent modifier : {', '.join(reserved)}."
        )
