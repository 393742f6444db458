"""The revision counter's third stamp: bumped only by the transactions that write the
indicators' tables (and by bulk loads), so that what reads the indicators alone (the tree's
trajectory counts) is kept across every other write.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('indicators_value', sa.BigInteger(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column('indicators_changed_at', sa.DateTime(timezone=True), nullable=True)
        )
    # The existing row: its indicators last changed with its last write, as far as anyone knows.
    op.execute("UPDATE revision SET indicators_value = value, indicators_changed_at = changed_at")
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.alter_column('indicators_changed_at', nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_column('indicators_changed_at')
        batch_op.drop_column('indicators_value')
