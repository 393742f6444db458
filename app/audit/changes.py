"""The change feed: every public write, in commit order, for partners who sync incrementally.

It reads the audit trail without its internal details (who, before, after), and without the
entries of what is not public (``PRIVATE_ENTITIES``: the accounts of the people who sign in, whose
key would name them, the API tokens, and the reports not yet published). Cursors are audit
ids: writers number their entries while holding the revision counter's row (app.models.revision),
so ids grow in commit order and a reader that saw id N will never later see a smaller one appear.
"""

from sqlmodel import Session, col, select

from app.models import AuditEntry
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
