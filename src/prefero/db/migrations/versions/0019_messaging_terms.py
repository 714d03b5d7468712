"""messaging terms: the customer's own terms for the messages they asked for

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

``message_terms`` (``prefero.messaging.terms_models``) holds, per customer, the triggers
switched on or off, the channels wanted, the daily caps, quiet hours, the preferred send time
and the language. Personal data: it cascades with the customer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import prefero.db.base

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('message_terms',
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('triggers', _JSON, nullable=False),
    sa.Column('channels', _JSON, nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('channel_caps', _JSON, nullable=False),
    sa.Column('quiet_set', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.Integer(), nullable=True),
    sa.Column('quiet_end', sa.Integer(), nullable=True),
    sa.Column('send_time', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('daily_cap is null or (daily_cap >= 0 and daily_cap <= 50)',
                       name=op.f('ck_message_terms_daily_cap')),
    sa.CheckConstraint('quiet_start is null or (quiet_start >= 0 and quiet_start < 1440)',
                       name=op.f('ck_message_terms_quiet_start')),
    sa.CheckConstraint('quiet_end is null or (quiet_end >= 0 and quiet_end < 1440)',
                       name=op.f('ck_message_terms_quiet_end')),
    sa.CheckConstraint('send_time is null or (send_time >= 0 and send_time < 1440)',
                       name=op.f('ck_message_terms_send_time')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_message_terms_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_message_terms'))
    )


def downgrade() -> None:
    op.drop_table('message_terms')
