"""One status: each trackable's current status becomes its latest yearly report's (the report of
the highest year) where the two differ, as every write keeps them from now on
(app.trackables.progress). The revision and its structure stamp move when a row changed, so
readers drop what they kept.

A data step only (``sa.table()`` handles, as 0005): the downgrade leaves the data as it is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    report = sa.table(
        'progress_report', sa.column('trackable_id'), sa.column('year'), sa.column('status')
    )
    trackable = sa.table(
        'trackable',
        sa.column('id'),
        sa.column('status'),
        sa.column('version'),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    newest = (
        sa.select(report.c.trackable_id, sa.func.max(report.c.year).label('year'))
        .group_by(report.c.trackable_id)
        .subquery()
    )
    rows = connection.execute(
        sa.select(trackable.c.id, report.c.status)
        .select_from(report)
        .join(
            newest,
            (report.c.trackable_id == newest.c.trackable_id) & (report.c.year == newest.c.year),
        )
        .join(trackable, trackable.c.id == report.c.trackable_id)
        .where(trackable.c.status != report.c.status)
    ).all()
    if not rows:
        return
    now = datetime.now(UTC)
    for row_id, status in rows:
        connection.execute(
            trackable.update()
            .where(trackable.c.id == row_id)
            .values(status=status, version=trackable.c.version + 1, updated_at=now)
        )
    revision_table = sa.table(
        'revision',
        sa.column('value'),
        sa.column('changed_at', sa.DateTime(timezone=True)),
        sa.column('structure_value'),
        sa.column('structure_changed_at', sa.DateTime(timezone=True)),
    )
    connection.execute(
        revision_table.update().values(
            value=revision_table.c.value + 1,
            changed_at=now,
            structure_value=revision_table.c.structure_value + 1,
            structure_changed_at=now,
        )
    )


def downgrade() -> None:
    pass
