"""events carry the shop's order: purchases name it, refunds find their purchases by it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

A nullable column with no default: PostgreSQL adds it without rewriting the table (a
catalogue change only, instant on tens of millions of events); SQLite appends it.
Training reads refunds on their own (a few rows) and matches them to purchases by customer,
order and product, so no index is needed for it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('events', sa.Column('order_id', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_column('order_id')
