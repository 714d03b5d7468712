"""search keeps the shop's synonyms and anonymous counts of popular searches

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Two new tables, nothing rewritten. ``popular_searches`` holds a query's words and a count per
day, never who searched: erasing a customer has nothing to remove there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_synonyms',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.Column('terms', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms')),
    )
    op.create_table(
        'popular_searches',
        sa.Column('query', sa.String(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('query', 'day', name=op.f('pk_popular_searches')),
    )
    with op.batch_alter_table('popular_searches') as batch:
        batch.create_index(batch.f('ix_popular_searches_day'), ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('popular_searches') as batch:
        batch.drop_index(batch.f('ix_popular_searches_day'))
    op.drop_table('popular_searches')
    op.drop_table('search_synonyms')
