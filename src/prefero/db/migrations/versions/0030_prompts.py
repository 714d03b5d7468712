"""prompts

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07

On-site prompts, their caps and the dismissals customers made (prefero.prompts).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('prompts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('slot_key', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("trigger in ('cart_exit','dwell','scroll','return_after_search')", name=op.f('ck_prompts_trigger')),
    sa.CheckConstraint('threshold >= 0', name=op.f('ck_prompts_threshold')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompts')),
    sa.UniqueConstraint('key', name=op.f('uq_prompts_key'))
    )
    op.create_table('prompt_settings',
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('per_visit', sa.Integer(), nullable=False),
    sa.Column('gap_minutes', sa.Integer(), nullable=False),
    sa.Column('off', sa.Boolean(), nullable=False),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('per_visit >= 0', name=op.f('ck_prompt_settings_per_visit')),
    sa.CheckConstraint('gap_minutes >= 0', name=op.f('ck_prompt_settings_gap_minutes')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_prompt_settings_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_prompt_settings'))
    )
    op.create_table('prompt_dismissals',
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('prompt_key', sa.String(length=64), nullable=False),
    sa.Column('at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_prompt_dismissals_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'prompt_key', name=op.f('pk_prompt_dismissals'))
    )
    op.create_table('prompt_shown',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('prompt_key', sa.String(length=64), nullable=False),
    sa.Column('visit', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('reasons', prefero.db.base.JsonDoc, nullable=False),
    sa.Column('at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_prompt_shown_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_shown'))
    )
    op.create_index('ix_prompt_shown_customer_at', 'prompt_shown', ['customer_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_prompt_shown_customer_at', table_name='prompt_shown')
    op.drop_table('prompt_shown')
    op.drop_table('prompt_dismissals')
    op.drop_table('prompt_settings')
    op.drop_table('prompts')
