"""the messages outbox and followed brands and categories

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

``outbox_messages`` is the transactional outbox (``prefero.messaging.models``): its unique
``dedup_key`` is what makes a trigger that fires twice queue one message. ``follows`` holds the
brands and categories a customer follows. Both are personal data and cascade with the
customer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import prefero.db.base

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follows',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('brand','category')", name=op.f('ck_follows_kind')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_follows_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('customer_id', 'kind', 'value', name=op.f('uq_follows_customer_id_kind_value'))
    )
    op.create_index('ix_follows_kind_value', 'follows', ['kind', 'value'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('subject_key', sa.String(length=500), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('send_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('engaged_at', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('pending','sending','sent','dead','cancelled')", name=op.f('ck_outbox_messages_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_outbox_messages_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_outbox_messages_dedup_key'))
    )
    op.create_index('ix_outbox_messages_customer_created', 'outbox_messages', ['customer_id', 'created_at'], unique=False)
    op.create_index('ix_outbox_messages_status_next', 'outbox_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_outbox_messages_customer_channel_status', 'outbox_messages',
                    ['customer_id', 'channel', 'status'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_outbox_messages_customer_channel_status', table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_status_next', table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_customer_created', table_name='outbox_messages')

    op.drop_table('outbox_messages')
    op.drop_index('ix_follows_kind_value', table_name='follows')

    op.drop_table('follows')
