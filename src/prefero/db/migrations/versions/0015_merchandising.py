"""the shop's merchandising rules (pin, boost, bury, hide)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

One new table, nothing rewritten. A rule names products and placements, never a person:
erasing a customer has nothing to remove there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


_JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'merchandising_rules',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('facet', sa.String(length=64), nullable=True),
        sa.Column('values', _JSON, nullable=False),
        sa.Column('product_ids', _JSON, nullable=False),
        sa.Column('placements', _JSON, nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('strength', sa.Float(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchandising_rules')),
    )


def downgrade() -> None:
    op.drop_table('merchandising_rules')
