"""content slots, their variants and the choices shown; the profile's time zone

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Three new tables. ``content_decisions.customer_id`` names a customer only for a known customer
who consented to tracking; it cascades on the customer's deletion.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


_JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.add_column('customers', sa.Column('time_zone', sa.String(length=64), nullable=True))
    # New tables only: nothing of the customers table is rebuilt (see downgrade).
    op.create_table(
        'content_slots',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('strategy', sa.String(length=20), nullable=False),
        sa.Column('salt', sa.String(length=64), nullable=False),
        sa.Column('control_share', sa.Float(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('fallback', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("strategy in ('first_match','best_score','split')",
                           name=op.f('ck_content_slots_strategy')),
        sa.CheckConstraint('control_share >= 0 and control_share < 1',
                           name=op.f('ck_content_slots_control_share')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_slots')),
        sa.UniqueConstraint('key', name=op.f('uq_content_slots_key')),
    )
    op.create_table(
        'content_variants',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('slot_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('texts', _JSON, nullable=False),
        sa.Column('targeting', _JSON, nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['slot_id'], ['content_slots.id'],
                                name=op.f('fk_content_variants_slot_id_content_slots'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_variants')),
        sa.UniqueConstraint('slot_id', 'key', name=op.f('uq_content_variants_slot_id_key')),
    )
    op.create_index('ix_content_variants_slot_position', 'content_variants',
                    ['slot_id', 'position'], unique=False)
    op.create_table(
        'content_decisions',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('slot_key', sa.String(length=64), nullable=False),
        sa.Column('variant_key', sa.String(length=64), nullable=True),
        sa.Column('strategy', sa.String(length=20), nullable=False),
        sa.Column('control', sa.Boolean(), nullable=False),
        sa.Column('reasons', _JSON, nullable=False),
        sa.Column('context_used', sa.Boolean(), nullable=False),
        sa.Column('customer_id', sa.String(length=200), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_content_decisions_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_decisions')),
    )
    op.create_index(op.f('ix_content_decisions_customer_id'), 'content_decisions',
                    ['customer_id'], unique=False)
    op.create_index('ix_content_decisions_slot_at', 'content_decisions', ['slot_key', 'at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_content_decisions_slot_at', table_name='content_decisions')
    op.drop_index(op.f('ix_content_decisions_customer_id'), table_name='content_decisions')
    op.drop_table('content_decisions')
    op.drop_index('ix_content_variants_slot_position', table_name='content_variants')
    op.drop_table('content_variants')
    op.drop_table('content_slots')
    # Not a batch: SQLite (3.35+) drops the column in place, whereas a batch would rebuild
    # the table and break the profile-revision triggers (migration 0007) that name it.
    op.drop_column('customers', 'time_zone')
