"""What the campaigns' routes share: a campaign's year in a path, the answers about pending
reports, and the loader of a trackable whose pending report a caller reads (404, then 403 out of
the token's scope)."""

from typing import Annotated

from fastapi import Path, Response
from sqlmodel import Session

from app.api.permissions import out_of_scope
from app.api.responses import WRITE, Responses
from app.auth.tokens import Actor
from app.core.versioning import version_etag
from app.models import Trackable, TrackableKind
from app.models.inputs import YEAR_FORMAT
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.trackables import trackables

Year = Annotated[
    int,
    Path(
        ge=FIRST_YEAR, le=LAST_YEAR, description=f"The campaign's year, {FIRST_YEAR} to {LAST_YEAR}"
    ),
    YEAR_FORMAT,
]

#: The answers of a read that needs a token (401 without one), and is refused out of its scope.
AUTHENTICATED: Responses = {status: WRITE[status] for status in (401, 403, 429, 503)}

#: The answers about reports not yet published: never kept by a cache on the way (the HTTP cache
#: leaves the GETs' alone: app.revision.http_cache).
PRIVATE = "private, no-store"


def private(response: Response, version: int) -> None:
    """The headers of an answer about a pending report: its version as ETag, never stored."""
    response.headers["ETag"] = version_etag(version)
    response.headers["Cache-Control"] = PRIVATE


def readable_trackable(
    *, session: Session, actor: Actor, code: str, kind: TrackableKind
) -> Trackable:
    """The trackable whose pending report ``actor`` may read: admins every one, editors those
    one of their directorates leads (those they write). 404 for an unknown code, then 403."""
    trackable = trackables.get_trackable(session=session, code=code, kind=kind)
    if not actor.may_write(trackable.lead_directorate_id):
        raise out_of_scope(actor, "consulter le bilan en attente de", trackable.code)
    return trackable
