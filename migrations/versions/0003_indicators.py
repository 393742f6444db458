"""Indicators: baseline, targets, yearly values (per commune too) and what they measure.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:48:33.502562
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('update_frequency', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('lead_directorate_id', sa.Integer(), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('baseline_value', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_directorate_id'], ['directorate.id'], name=op.f('fk_indicator_lead_directorate_id_directorate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('code', name=op.f('uq_indicator_code'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_lead_directorate_id'), ['lead_directorate_id'], unique=False)

    op.create_table('indicator_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_target_indicator_id_indicator')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_target')),
    sa.UniqueConstraint('indicator_id', 'year', name=op.f('uq_indicator_target_indicator_id'))
    )
    with op.batch_alter_table('indicator_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_target_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_value_indicator_id_indicator')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
    sa.UniqueConstraint('indicator_id', 'year', 'commune', name=op.f('uq_indicator_value_indicator_id'))
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('indicator_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('trackable_id', sa.Integer(), nullable=True),
    sa.Column('axis_id', sa.Integer(), nullable=True),
    sa.Column('engagement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(CASE WHEN trackable_id IS NULL THEN 0 ELSE 1 END + CASE WHEN axis_id IS NULL THEN 0 ELSE 1 END + CASE WHEN engagement_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_indicator_link_one_target')),
    sa.ForeignKeyConstraint(['axis_id'], ['axis.id'], name=op.f('fk_indicator_link_axis_id_axis')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_indicator_link_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_link_indicator_id_indicator')),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_indicator_link_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_link'))
    )
    with op.batch_alter_table('indicator_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_link_axis_id'), ['axis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_link_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_link_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_link_trackable_id'), ['trackable_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_link_trackable_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_link_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_link_engagement_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_link_axis_id'))

    op.drop_table('indicator_link')
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_indicator_id'))

    op.drop_table('indicator_value')
    with op.batch_alter_table('indicator_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_target_indicator_id'))

    op.drop_table('indicator_target')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_lead_directorate_id'))

    op.drop_table('indicator')
