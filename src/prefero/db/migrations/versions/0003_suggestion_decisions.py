"""suggestion decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suggestion_decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('facet', sa.String(length=500), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('decided_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision in ('accepted','rejected')",
                       name=op.f('ck_suggestion_decisions_decision')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_suggestion_decisions_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_decisions'))
    )
    with op.batch_alter_table('suggestion_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_decisions_customer_key',
                              ['customer_id', 'kind', 'facet', 'value', 'decided_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('suggestion_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_decisions_customer_key')

    op.drop_table('suggestion_decisions')
