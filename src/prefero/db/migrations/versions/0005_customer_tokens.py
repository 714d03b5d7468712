"""customer token revocations and exchange codes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_token_revocations',
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('not_before', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_token_revocations'))
    )
    op.create_table('token_exchange_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('expires_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_token_exchange_codes'))
    )
    with op.batch_alter_table('token_exchange_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_exchange_codes_customer_id'),
                              ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('token_exchange_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_token_exchange_codes_customer_id'))

    op.drop_table('token_exchange_codes')
    op.drop_table('customer_token_revocations')
