"""Folded keys for sorting trackables by title and searching indicators, the same on SQLite and
PostgreSQL; filled for the rows that exist.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:01:29.365054
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.core.text import fold


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False, server_default=''))

    with op.batch_alter_table('trackable', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_key', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))

    connection = op.get_bind()
    trackable = sa.table('trackable', sa.column('id'), sa.column('title'), sa.column('title_key'))
    for row_id, title in connection.execute(sa.select(trackable.c.id, trackable.c.title)).all():
        connection.execute(
            trackable.update().where(trackable.c.id == row_id).values(title_key=fold(title))
        )
    indicator = sa.table(
        'indicator', sa.column('id'), sa.column('code'), sa.column('name'), sa.column('search_text')
    )
    rows = connection.execute(sa.select(indicator.c.id, indicator.c.code, indicator.c.name)).all()
    for row_id, code, name in rows:
        connection.execute(
            indicator.update()
            .where(indicator.c.id == row_id)
            .values(search_text=fold(f"{code} {name}"))
        )



def downgrade() -> None:
    with op.batch_alter_table('trackable', schema=None) as batch_op:
        batch_op.drop_column('title_key')

    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('search_text')

