"""rule segments and their members

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

Two new tables and one index on ``preferences`` (who declared a facet value, for counting a
segment over every customer). ``segment_members.customer_id`` cascades on the customer's
deletion, so erasure empties it. Nothing of the customers table is rebuilt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'segments',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.String(length=1000), nullable=True),
        sa.Column('condition', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                  nullable=False),
        sa.Column('windowed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_segments')),
        sa.UniqueConstraint('key', name=op.f('uq_segments_key')),
    )
    op.create_table(
        'segment_members',
        sa.Column('segment_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.String(length=200), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_segment_members_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['segment_id'], ['segments.id'],
                                name=op.f('fk_segment_members_segment_id_segments'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('segment_id', 'customer_id', name=op.f('pk_segment_members')),
    )
    op.create_index('ix_segment_members_customer', 'segment_members', ['customer_id'],
                    unique=False)
    op.create_index('ix_preferences_kind_facet_value', 'preferences',
                    ['kind', 'facet', 'value', 'customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_preferences_kind_facet_value', table_name='preferences')
    op.drop_index('ix_segment_members_customer', table_name='segment_members')
    op.drop_table('segment_members')
    op.drop_table('segments')
