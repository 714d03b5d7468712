"""freshness: when each declared value was last confirmed by the customer

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from prefero.db.base import UtcDateTime

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column, never batch_alter_table: a batch rebuild of ``preferences`` on SQLite would
    # drop the profile-revision triggers of migration 0007. Nullable for the same reason (SQLite
    # adds a NOT NULL column only with a constant default).
    op.add_column('preferences', sa.Column('confirmed_at', UtcDateTime(), nullable=True))
    # What was declared before confirmations were recorded counts as confirmed when it was
    # last written: the nearest thing to the customer's word we have.
    op.execute("UPDATE preferences SET confirmed_at = updated_at")


def downgrade() -> None:
    op.drop_column('preferences', 'confirmed_at')
