"""customer-chosen coupons: the shop's pools and the codes customers chose

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

``coupon_pools`` is the shop's offer (a discount, how many codes, when, what customers may
choose among); ``coupons`` holds each customer's code with what they chose it for. One code
per customer per pool is a unique constraint, so two racing requests cannot both get one.
Coupons are personal data and cascade with the customer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import prefero.db.base

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('coupon_pools',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('percent_off', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('amount_off', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('codes_total', sa.Integer(), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.Column('valid_from', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('category_roots', _JSON, nullable=False),
    sa.Column('product_ids', _JSON, nullable=False),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(percent_off IS NULL) <> (amount_off IS NULL)',
                       name=op.f('ck_coupon_pools_one_discount')),
    sa.CheckConstraint('issued <= codes_total',
                       name=op.f('ck_coupon_pools_issued_within_total')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_pools'))
    )
    op.create_table('coupons',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('applies_kind', sa.String(length=10), nullable=False),
    sa.Column('applies_value', sa.String(length=500), nullable=False),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("applies_kind in ('category','product')",
                       name=op.f('ck_coupons_applies_kind')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_coupons_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_id'], ['coupon_pools.id'],
                            name=op.f('fk_coupons_pool_id_coupon_pools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupons')),
    sa.UniqueConstraint('code', name=op.f('uq_coupons_code')),
    sa.UniqueConstraint('pool_id', 'customer_id', name=op.f('uq_coupons_pool_id_customer_id'))
    )
    op.create_index('ix_coupons_customer_id', 'coupons', ['customer_id'], unique=False)
    op.create_index('ix_coupons_pool_applies', 'coupons',
                    ['pool_id', 'applies_kind', 'applies_value'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_coupons_pool_applies', table_name='coupons')
    op.drop_index('ix_coupons_customer_id', table_name='coupons')
    op.drop_table('coupons')
    op.drop_table('coupon_pools')
