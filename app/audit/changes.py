"""The change feed: every public write, in commit order, for partners who sync incrementally.

It reads the audit trail without its internal details (who, before, after). Cursors are audit
ids: writers number their entries while holding the revision counter's row (app.models.revision),
so ids grow in commit order and a reader that saw id N will never later see a smaller one appear.
"""

from sqlmodel import Session, col, select

from app.models import AuditEntry
from app.models.changes import Change, ChangePage


def get_page(*, session: Session, since: int, limit: int) -> ChangePage:
    rows = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.id) > since)
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
