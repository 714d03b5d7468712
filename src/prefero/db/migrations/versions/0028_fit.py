"""fit

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07

Body measurements, fit preferences and size charts (prefero.fit).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The size a purchase, cart addition or return names (prefero.events.schemas.EventIn).
    op.add_column('events', sa.Column('size', sa.String(length=20), nullable=True))
    op.create_table('fit_profiles',
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('chest', sa.Float(), nullable=True),
    sa.Column('waist', sa.Float(), nullable=True),
    sa.Column('hips', sa.Float(), nullable=True),
    sa.Column('height', sa.Float(), nullable=True),
    sa.Column('inseam', sa.Float(), nullable=True),
    sa.Column('foot_length', sa.Float(), nullable=True),
    sa.Column('fit', sa.String(length=10), nullable=False),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("fit in ('slim','regular','relaxed')", name=op.f('ck_fit_profiles_fit')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_fit_profiles_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_fit_profiles'))
    )
    op.create_table('fit_feedback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.String(length=200), nullable=False),
    sa.Column('size', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason in ('too_small','too_large')", name=op.f('ck_fit_feedback_reason')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_fit_feedback_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fit_feedback'))
    )
    op.create_index('ix_fit_feedback_customer_time', 'fit_feedback', ['customer_id', 'occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_fit_feedback_customer_time', table_name='fit_feedback')
    op.drop_table('fit_feedback')
    op.drop_table('fit_profiles')
    op.drop_column('events', 'size')
