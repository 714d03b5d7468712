"""orders

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

Orders placed at the shop's checkout and their lines (prefero.orders).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('orders',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('delivery', prefero.db.base.JsonDoc, nullable=True),
    sa.Column('placed_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    op.create_index('ix_orders_customer_placed', 'orders', ['customer_id', 'placed_at'], unique=False)
    op.create_table('order_lines',
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('configuration', prefero.db.base.JsonDoc, nullable=True),
    sa.Column('size', sa.String(length=40), nullable=True),
    sa.Column('measurements', prefero.db.base.JsonDoc, nullable=True),
    sa.Column('return_reason', sa.String(length=20), nullable=True),
    sa.Column('returned_at', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'position', name=op.f('pk_order_lines'))
    )


def downgrade() -> None:
    op.drop_table('order_lines')
    op.drop_index('ix_orders_customer_placed', table_name='orders')
    op.drop_table('orders')
