"""Tracking: status and owners of trackables, partners, communes, values, yearly progress,
milestones, API tokens and the audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:33:13.971463
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('name', name=op.f('uq_api_token_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_name'))
    )
    op.create_table('api_token_directorate',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('directorate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['directorate_id'], ['directorate.id'], name=op.f('fk_api_token_directorate_directorate_id_directorate')),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_api_token_directorate_token_id_api_token')),
    sa.PrimaryKeyConstraint('token_id', 'directorate_id', name=op.f('pk_api_token_directorate'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('actor_directorates', sa.JSON(), nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('entity_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('trackable_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_audit_entry_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_trackable_id'), ['trackable_id'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('achieved_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_milestone_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_trackable_id'), ['trackable_id'], unique=False)

    op.create_table('progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('budget_planned_investment', sa.Float(), nullable=True),
    sa.Column('budget_planned_operating', sa.Float(), nullable=True),
    sa.Column('budget_spent_investment', sa.Float(), nullable=True),
    sa.Column('budget_spent_operating', sa.Float(), nullable=True),
    sa.Column('reported_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_progress_report_progress_range')),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_progress_report_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report')),
    sa.UniqueConstraint('trackable_id', 'year', name=op.f('uq_progress_report_trackable_id'))
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_report_trackable_id'), ['trackable_id'], unique=False)

    op.create_table('trackable_commune',
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('insee_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['insee_code'], ['commune.insee_code'], name=op.f('fk_trackable_commune_insee_code_commune')),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_trackable_commune_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('trackable_id', 'insee_code', name=op.f('pk_trackable_commune'))
    )
    with op.batch_alter_table('trackable_commune', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trackable_commune_insee_code'), ['insee_code'], unique=False)

    op.create_table('trackable_directorate',
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('directorate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['directorate_id'], ['directorate.id'], name=op.f('fk_trackable_directorate_directorate_id_directorate')),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_trackable_directorate_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('trackable_id', 'directorate_id', name=op.f('pk_trackable_directorate'))
    )
    with op.batch_alter_table('trackable_directorate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trackable_directorate_directorate_id'), ['directorate_id'], unique=False)

    op.create_table('trackable_partner',
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_trackable_partner_partner_id_partner')),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_trackable_partner_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('trackable_id', 'partner_id', name=op.f('pk_trackable_partner'))
    )
    with op.batch_alter_table('trackable_partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trackable_partner_partner_id'), ['partner_id'], unique=False)

    op.create_table('trackable_value',
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('value_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_trackable_value_trackable_id_trackable')),
    sa.ForeignKeyConstraint(['value_id'], ['plan_value.id'], name=op.f('fk_trackable_value_value_id_plan_value')),
    sa.PrimaryKeyConstraint('trackable_id', 'value_id', name=op.f('pk_trackable_value'))
    )
    with op.batch_alter_table('trackable_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trackable_value_value_id'), ['value_id'], unique=False)

    with op.batch_alter_table('trackable', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='planned'))
        batch_op.add_column(sa.Column('priority', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('planned_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('planned_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('actual_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('actual_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('objectives', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('lead_directorate_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('weight', sa.Float(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_check_constraint(op.f('ck_trackable_weight_positive'), 'weight > 0')
        batch_op.create_index(batch_op.f('ix_trackable_lead_directorate_id'), ['lead_directorate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trackable_status'), ['status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_trackable_lead_directorate_id_directorate'), 'directorate', ['lead_directorate_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('trackable', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_trackable_weight_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_trackable_lead_directorate_id_directorate'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_trackable_status'))
        batch_op.drop_index(batch_op.f('ix_trackable_lead_directorate_id'))
        batch_op.drop_column('version')
        batch_op.drop_column('weight')
        batch_op.drop_column('lead_directorate_id')
        batch_op.drop_column('objectives')
        batch_op.drop_column('description')
        batch_op.drop_column('actual_end')
        batch_op.drop_column('actual_start')
        batch_op.drop_column('planned_end')
        batch_op.drop_column('planned_start')
        batch_op.drop_column('priority')
        batch_op.drop_column('status')

    with op.batch_alter_table('trackable_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trackable_value_value_id'))

    op.drop_table('trackable_value')
    with op.batch_alter_table('trackable_partner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trackable_partner_partner_id'))

    op.drop_table('trackable_partner')
    with op.batch_alter_table('trackable_directorate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trackable_directorate_directorate_id'))

    op.drop_table('trackable_directorate')
    with op.batch_alter_table('trackable_commune', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trackable_commune_insee_code'))

    op.drop_table('trackable_commune')
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_report_trackable_id'))

    op.drop_table('progress_report')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_trackable_id'))

    op.drop_table('milestone')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_trackable_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))

    op.drop_table('audit_entry')
    op.drop_table('api_token_directorate')
    op.drop_table('partner')
    op.drop_table('api_token')
