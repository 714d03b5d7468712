"""taste box: subscriptions, deliveries and rated items

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

Three new tables (``prefero.boxes.models``). Subscriptions and deliveries name the customer
and cascade with them; items cascade with their delivery. Nothing existing is altered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'box_subscriptions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('customer_id', sa.String(length=200), nullable=False),
        sa.Column('theme', sa.String(length=50), nullable=False),
        sa.Column('cadence_days', sa.Integer(), nullable=False),
        sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('next_delivery_at', prefero.db.base.UtcDateTime(timezone=True),
                  nullable=False),
        sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status in ('active','paused','cancelled')",
                           name=op.f('ck_box_subscriptions_status')),
        sa.CheckConstraint('cadence_days > 0', name=op.f('ck_box_subscriptions_cadence')),
        sa.CheckConstraint('budget > 0', name=op.f('ck_box_subscriptions_budget')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_box_subscriptions_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_box_subscriptions')),
    )
    op.create_index('ix_box_subscriptions_customer_id', 'box_subscriptions', ['customer_id'])
    op.create_index('ix_box_subscriptions_status_next', 'box_subscriptions',
                    ['status', 'next_delivery_at'])

    op.create_table(
        'box_deliveries',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.String(length=200), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('composed_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('due_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_box_deliveries_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscription_id'], ['box_subscriptions.id'],
                                name=op.f('fk_box_deliveries_subscription_id_box_subscriptions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_box_deliveries')),
        sa.UniqueConstraint('subscription_id', 'number',
                            name=op.f('uq_box_deliveries_subscription_id_number')),
    )
    op.create_index('ix_box_deliveries_customer_id', 'box_deliveries', ['customer_id'])

    op.create_table(
        'box_items',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.String(length=200), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('brand', sa.String(length=200), nullable=True),
        sa.Column('category', sa.String(length=500), nullable=False),
        sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('rated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('rating is null or (rating >= 1 and rating <= 5)',
                           name=op.f('ck_box_items_rating')),
        sa.ForeignKeyConstraint(['delivery_id'], ['box_deliveries.id'],
                                name=op.f('fk_box_items_delivery_id_box_deliveries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_box_items')),
        sa.UniqueConstraint('delivery_id', 'product_id',
                            name=op.f('uq_box_items_delivery_id_product_id')),
    )


def downgrade() -> None:
    op.drop_table('box_items')
    op.drop_index('ix_box_deliveries_customer_id', table_name='box_deliveries')
    op.drop_table('box_deliveries')
    op.drop_index('ix_box_subscriptions_status_next', table_name='box_subscriptions')
    op.drop_index('ix_box_subscriptions_customer_id', table_name='box_subscriptions')
    op.drop_table('box_subscriptions')
