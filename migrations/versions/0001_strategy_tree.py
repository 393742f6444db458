"""The plan and its strategy tree: engagements, axes, actions, flagship projects, reference data.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 19:28:13.696414
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ambition',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('quote_author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ambition')),
    sa.UniqueConstraint('code', name=op.f('uq_ambition_code'))
    )
    op.create_table('chronology_step',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('date_label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chronology_step')),
    sa.UniqueConstraint('code', name=op.f('uq_chronology_step_code'))
    )
    op.create_table('commune',
    sa.Column('insee_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('insee_code', name=op.f('pk_commune'))
    )
    op.create_table('directorate',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directorate')),
    sa.UniqueConstraint('code', name=op.f('uq_directorate_code'))
    )
    op.create_table('engagement',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('quote_author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement')),
    sa.UniqueConstraint('code', name=op.f('uq_engagement_code'))
    )
    op.create_table('key_point',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_point')),
    sa.UniqueConstraint('code', name=op.f('uq_key_point_code'))
    )
    op.create_table('plan',
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('subtitle', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation_acronym', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('siren', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('adopted_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan'))
    )
    op.create_table('plan_value',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_value')),
    sa.UniqueConstraint('code', name=op.f('uq_plan_value_code'))
    )
    op.create_table('axis',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('search_text', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_axis_engagement_id_engagement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_axis')),
    sa.UniqueConstraint('code', name=op.f('uq_axis_code'))
    )
    with op.batch_alter_table('axis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_axis_engagement_id'), ['engagement_id'], unique=False)

    op.create_table('trackable',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('axis_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('engagement_id', sa.Integer(), nullable=True),
    sa.Column('search_text', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'action' AND axis_id IS NOT NULL AND engagement_id IS NULL) OR (kind = 'flagship_project' AND engagement_id IS NOT NULL AND axis_id IS NULL AND parent_id IS NULL)", name=op.f('ck_trackable_kind_parent')),
    sa.ForeignKeyConstraint(['axis_id'], ['axis.id'], name=op.f('fk_trackable_axis_id_axis')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], name=op.f('fk_trackable_engagement_id_engagement')),
    sa.ForeignKeyConstraint(['parent_id'], ['trackable.id'], name=op.f('fk_trackable_parent_id_trackable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trackable')),
    sa.UniqueConstraint('code', name=op.f('uq_trackable_code'))
    )
    with op.batch_alter_table('trackable', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trackable_axis_id'), ['axis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trackable_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trackable_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_trackable_parent_id'), ['parent_id'], unique=False)

    op.create_table('flagship_action',
    sa.Column('flagship_project_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['trackable.id'], name=op.f('fk_flagship_action_action_id_trackable')),
    sa.ForeignKeyConstraint(['flagship_project_id'], ['trackable.id'], name=op.f('fk_flagship_action_flagship_project_id_trackable')),
    sa.PrimaryKeyConstraint('flagship_project_id', 'action_id', name=op.f('pk_flagship_action'))
    )
    with op.batch_alter_table('flagship_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flagship_action_action_id'), ['action_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('flagship_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flagship_action_action_id'))

    op.drop_table('flagship_action')
    with op.batch_alter_table('trackable', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trackable_parent_id'))
        batch_op.drop_index(batch_op.f('ix_trackable_kind'))
        batch_op.drop_index(batch_op.f('ix_trackable_engagement_id'))
        batch_op.drop_index(batch_op.f('ix_trackable_axis_id'))

    op.drop_table('trackable')
    with op.batch_alter_table('axis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_axis_engagement_id'))

    op.drop_table('axis')
    op.drop_table('plan_value')
    op.drop_table('plan')
    op.drop_table('key_point')
    op.drop_table('engagement')
    op.drop_table('directorate')
    op.drop_table('commune')
    op.drop_table('chronology_step')
    op.drop_table('ambition')
