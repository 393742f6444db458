"""The national classification of the plan's projects (betagouv/projets-territoire): each
trackable's M57 competences and SGPE levers (``trackable_competence``, ``trackable_lever``, codes
checked by the writes against app/reference/data), and the communes' own SIREN (``commune.siren``,
filled by ``boussole seed`` from seed/communes.csv).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('trackable_competence',
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_trackable_competence_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('trackable_id', 'code', name=op.f('pk_trackable_competence'))
    )
    op.create_table('trackable_lever',
    sa.Column('trackable_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['trackable_id'], ['trackable.id'], name=op.f('fk_trackable_lever_trackable_id_trackable')),
    sa.PrimaryKeyConstraint('trackable_id', 'name', name=op.f('pk_trackable_lever'))
    )
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('siren', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.drop_column('siren')
    op.drop_table('trackable_lever')
    op.drop_table('trackable_competence')
