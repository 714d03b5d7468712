"""recommendation impressions, clicks and conversions per placement and reason

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

``recommendation_daily`` holds counts per UTC day, placement and reason code, never who saw
or clicked (erasing a customer takes their linked clicks back out of the counts, as it
does for the per-product counters). ``events.reason`` is a
rec_click's leading reason code, so that the carts and purchases after a click can be
attributed to it; it belongs to an event of a customer with tracking consent and goes with
that event (erasure, retention, the data export). A nullable column with no default:
PostgreSQL adds it without rewriting the table, SQLite appends it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recommendation_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('placement', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('impressions', sa.BigInteger(), nullable=False),
        sa.Column('clicks', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'placement', 'reason',
                                name=op.f('pk_recommendation_daily')),
    )
    op.add_column('events', sa.Column('reason', sa.String(length=40), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops the column in place instead of copying every event.
    op.drop_column('events', 'reason')
    op.drop_table('recommendation_daily')
