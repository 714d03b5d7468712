"""delivery

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07

Delivery windows with capacity, bookings and the customers' delivery wishes (prefero.delivery).

``delivery_windows`` is the shop's (a check keeps ``booked`` within ``capacity`` whatever
path writes it); ``delivery_bookings`` holds one row per order (unique order id), cascading
with the customer and restricting the removal of a booked window; ``delivery_wishes`` holds
one row per customer, cascading with them. Nothing existing is altered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import prefero.db.base

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'delivery_windows',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('pickup_point_id', sa.String(length=100), nullable=True),
        sa.Column('pickup_point_name', sa.String(length=200), nullable=True),
        sa.Column('starts_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('ends_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('booked', sa.Integer(), nullable=False),
        sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('green', sa.Boolean(), nullable=False),
        sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method in ('home','pickup')",
                           name=op.f('ck_delivery_windows_method')),
        sa.CheckConstraint("(method = 'pickup') = (pickup_point_id IS NOT NULL)",
                           name=op.f('ck_delivery_windows_pickup_point')),
        sa.CheckConstraint('ends_at > starts_at',
                           name=op.f('ck_delivery_windows_ends_after_start')),
        sa.CheckConstraint('booked >= 0 AND booked <= capacity',
                           name=op.f('ck_delivery_windows_within_capacity')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_windows')),
    )
    op.create_index('ix_delivery_windows_starts_at', 'delivery_windows', ['starts_at'])
    op.create_table(
        'delivery_bookings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('order_id', sa.String(length=64), nullable=False),
        sa.Column('window_id', sa.String(length=100), nullable=False),
        sa.Column('customer_id', sa.String(length=200), nullable=False),
        sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_delivery_bookings_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['window_id'], ['delivery_windows.id'],
                                name=op.f('fk_delivery_bookings_window_id_delivery_windows'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_bookings')),
        sa.UniqueConstraint('order_id', name=op.f('uq_delivery_bookings_order_id')),
    )
    op.create_index('ix_delivery_bookings_customer_id', 'delivery_bookings', ['customer_id'])
    op.create_index('ix_delivery_bookings_window_id', 'delivery_bookings', ['window_id'])
    op.create_table(
        'delivery_wishes',
        sa.Column('customer_id', sa.String(length=200), nullable=False),
        sa.Column('weekdays', _JSON, nullable=False),
        sa.Column('hours', _JSON, nullable=False),
        sa.Column('method', sa.String(length=10), nullable=True),
        sa.Column('pickup_point_id', sa.String(length=100), nullable=True),
        sa.Column('speed', sa.String(length=10), nullable=True),
        sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method is null or method in ('home','pickup')",
                           name=op.f('ck_delivery_wishes_method')),
        sa.CheckConstraint("speed is null or speed in ('green','fastest')",
                           name=op.f('ck_delivery_wishes_speed')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_delivery_wishes_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_delivery_wishes')),
    )


def downgrade() -> None:
    op.drop_table('delivery_wishes')
    op.drop_index('ix_delivery_bookings_window_id', table_name='delivery_bookings')
    op.drop_index('ix_delivery_bookings_customer_id', table_name='delivery_bookings')
    op.drop_table('delivery_bookings')
    op.drop_index('ix_delivery_windows_starts_at', table_name='delivery_windows')
    op.drop_table('delivery_windows')
