"""The change feed: every public write, in commit order, for partners who sync incrementally.

It reads the audit trail without its internal details (who, before, after), and without the
entries of what is not public (``PRIVATE_ENTITIES``: the accounts of the people who sign in, whose
key would name them, the API tokens, and the reports not yet published). Cursors are audit
ids: writers number their entries while holding the revision counter's row (app.models.revision),
so ids grow in commit order and a reader that saw id N will never later see a smaller one appear.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, and_, col, func, or_, select

from app.models import AuditAction, AuditEntry, Indicator, Trackable, TrackableKind
from app.models.accounts import ACCOUNT_ENTITY
from app.models.auth import API_TOKEN_ENTITY
from app.models.campaigns import PENDING_REPORT_ENTITY
from app.models.changes import Change, ChangePage

#: Audit entities recorded but never in the feed.
PRIVATE_ENTITIES = (ACCOUNT_ENTITY, API_TOKEN_ENTITY, PENDING_REPORT_ENTITY)


def get_page(*, session: Session, since: int, limit: int) -> ChangePage:
    rows = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.id) > since, col(AuditEntry.entity).not_in(PRIVATE_ENTITIES))
        .order_by(col(AuditEntry.id))
        .limit(limit + 1)
    ).all()
    items = [
        Change(
            cursor=row.id or 0, at=row.at, entity=row.entity, code=row.entity_key, change=row.action
        )
        for row in rows[:limit]
    ]
    return ChangePage(
        items=items, next=items[-1].cursor if items else since, has_more=len(rows) > limit
    )


#: What the home page's "Dernières modifications" tells (the rest is set-up: axes, directorates…).
NEWS_ENTITIES = (
    "action",
    "flagship_project",
    "progress_report",
    "milestone",
    "indicator",
    "indicator_value",
)
#: The loaders of the plan, of the organisation and of the demo data (app.tooling): what they
#: create is the set-up, not news, but for the yearly reports and values a demo publishes.
SET_UP_ACTORS = ("seed", "cli", "demo")
#: What is news even when a loader creates it: a yearly report, an indicator's value.
PUBLISHED_ENTITIES = ("progress_report", "indicator_value")


@dataclass(frozen=True)
class News:
    """An entry of the audit trail worth telling, with the names of what it concerns: its
    trackable's kind, code and title, or its indicator's code and name."""

    entry: AuditEntry
    kind: TrackableKind | None
    code: str | None
    title: str | None


def get_news(
    *, session: Session, limit: int, entities: Sequence[str] = NEWS_ENTITIES
) -> list[News]:
    """The newest ``limit`` public writes of ``entities``, newest first, without the seed's and
    the set-up's creations (``SET_UP_ACTORS``), each with what it concerns: one query."""
    key = col(AuditEntry.entity_key)
    indicator_code = col(Indicator.code)
    # "ENR-01" itself, or a value of it: "ENR-01/2025", "ENR-01/2025/59172".
    of_indicator = and_(
        col(AuditEntry.entity).in_(("indicator", "indicator_value")),
        or_(
            key == indicator_code,
            func.substr(key, 1, func.length(indicator_code) + 1) == indicator_code + "/",
        ),
    )
    newest = (
        select(col(AuditEntry.id))
        .where(
            col(AuditEntry.entity).in_(entities),
            col(AuditEntry.actor_name) != "seed",
            or_(
                col(AuditEntry.action) != AuditAction.create,
                col(AuditEntry.actor_name).not_in(SET_UP_ACTORS),
                col(AuditEntry.entity).in_(PUBLISHED_ENTITIES),
            ),
        )
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
        .scalar_subquery()
    )
    # What each concerns, joined to these few entries only.
    rows = session.execute(
        select(
            AuditEntry,
            col(Trackable.kind),
            func.coalesce(col(Trackable.code), indicator_code),
            func.coalesce(col(Trackable.title), col(Indicator.name)),
        )
        .outerjoin(Trackable, col(Trackable.id) == col(AuditEntry.trackable_id))
        .outerjoin(Indicator, of_indicator)
        .where(col(AuditEntry.id).in_(newest))
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    ).all()
    return [News(entry, kind, code, title) for entry, kind, code, title in rows]
