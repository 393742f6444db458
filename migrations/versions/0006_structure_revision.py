"""The revision counter's second stamp: bumped by every writing transaction except those that
write yearly progress only, so that what progress cannot change (the tree's structure, the
indicators) is kept across progress writes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('structure_value', sa.BigInteger(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column('structure_changed_at', sa.DateTime(timezone=True), nullable=True)
        )
    # The existing row: its structure last changed with its last write, as far as anyone knows.
    op.execute("UPDATE revision SET structure_value = value, structure_changed_at = changed_at")
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.alter_column('structure_changed_at', nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_column('structure_changed_at')
        batch_op.drop_column('structure_value')
