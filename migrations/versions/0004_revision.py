"""The revision counter behind HTTP caching and the change feed (one row, bumped by every
writing transaction).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:56:08.475266
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    revision_table = op.create_table('revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revision'))
    )
    # Its one row, from the start: every writer updates it, nobody inserts it.
    op.bulk_insert(revision_table, [{"id": 1, "value": 0, "changed_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table('revision')
