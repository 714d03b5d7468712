"""message triggers: product changes, product watches and the scanners' cursors

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

``product_changes`` is written by the catalogue service in the transaction that stores the
products (price drops, returns to stock, new products); the message triggers read it in order.
``product_watches`` holds "let me know when this is on sale / back in stock" (personal data,
cascades with the customer). ``message_scan_cursors`` says how far each scanner has read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('old_price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('new_price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('old_availability', sa.String(length=20), nullable=True),
    sa.Column('new_availability', sa.String(length=20), nullable=True),
    sa.Column('changed_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('price_drop','back_in_stock','new')", name=op.f('ck_product_changes_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_changes'))
    )
    op.create_index('ix_product_changes_changed_at', 'product_changes', ['changed_at'], unique=False)

    op.create_table('product_watches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('what', sa.String(length=10), nullable=False),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("what in ('price','stock','both')", name=op.f('ck_product_watches_what')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_product_watches_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_watches_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_watches')),
    sa.UniqueConstraint('customer_id', 'product_id', name=op.f('uq_product_watches_customer_id_product_id'))
    )
    op.create_index('ix_product_watches_product_id', 'product_watches', ['product_id'], unique=False)

    op.create_table('message_scan_cursors',
    sa.Column('scanner', sa.String(length=50), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_at', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scanner', name=op.f('pk_message_scan_cursors'))
    )


def downgrade() -> None:
    op.drop_table('message_scan_cursors')
    op.drop_index('ix_product_watches_product_id', table_name='product_watches')
    op.drop_table('product_watches')
    op.drop_index('ix_product_changes_changed_at', table_name='product_changes')
    op.drop_table('product_changes')
