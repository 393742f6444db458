"""The yearly reporting campaign: the campaign of a year (``campaign``), the reports waiting to
be published (``pending_report``), the frozen snapshot of a closed campaign
(``campaign_snapshot``) and the reminders already mailed (``sent_reminder``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:22:13.244777
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    sa.UniqueConstraint('year', name=op.f('uq_campaign_year'))
    )
    op.create_table('sent_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_reminder')),
    sa.UniqueConstraint('year', 'kind', 'subject', 'email', name=op.f('uq_sent_reminder_year')),
    info={'revision': False}
    )
    op.create_table('campaign_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('trackable_code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('lead_directorate', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('budget_planned_investment', sa.Float(), nullable=True),
    sa.Column('budget_planned_operating', sa.Float(), nullable=True),
    sa.Column('budget_spent_investment', sa.Float(), nullable=True),
    sa.Column('budget_spent_operating', sa.Float(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_campaign_snapshot_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_snapshot')),
    sa.UniqueConstraint('year', 'trackable_id', name=op.f('uq_campaign_snapshot_year'))
    )
    with op.batch_alter_table('campaign_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_snapshot_year'), ['year'], unique=False)

    op.create_table('pending_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('budget_planned_investment', sa.Float(), nullable=True),
    sa.Column('budget_planned_operating', sa.Float(), nullable=True),
    sa.Column('budget_spent_investment', sa.Float(), nullable=True),
    sa.Column('budget_spent_operating', sa.Float(), nullable=True),
    sa.Column('milestones', sa.JSON(), nullable=False),
    sa.Column('indicator_values', sa.JSON(), nullable=False),
    sa.Column('saved_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_pending_report_progress_range')),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_pending_report_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_report')),
    sa.UniqueConstraint('trackable_id', 'year', name=op.f('uq_pending_report_trackable_id'))
    )
    with op.batch_alter_table('pending_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_report_trackable_id'), ['trackable_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_report_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pending_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_report_year'))
        batch_op.drop_index(batch_op.f('ix_pending_report_trackable_id'))

    op.drop_table('pending_report')
    with op.batch_alter_table('campaign_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_snapshot_year'))

    op.drop_table('campaign_snapshot')
    op.drop_table('sent_reminder')
    op.drop_table('campaign')
