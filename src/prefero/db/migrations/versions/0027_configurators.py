"""configurators

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

Configurable products: option groups, options, rules and saved configurations (prefero.configurators).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_configurations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('choices', prefero.db.base.JsonDoc, nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_saved_configurations_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_configurations'))
    )
    op.create_index('ix_saved_configurations_customer', 'saved_configurations', ['customer_id', 'created_at'], unique=False)
    op.create_table('configurator_stock',
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('group_key', sa.String(length=60), nullable=False),
    sa.Column('option_key', sa.String(length=60), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('remaining >= 0', name=op.f('ck_configurator_stock_remaining')),
    sa.PrimaryKeyConstraint('product_id', 'group_key', 'option_key', name=op.f('pk_configurator_stock'))
    )


def downgrade() -> None:
    op.drop_table('configurator_stock')
    op.drop_index('ix_saved_configurations_customer', table_name='saved_configurations')
    op.drop_table('saved_configurations')
