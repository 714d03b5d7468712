"""pending scrubs: the VACUUM an erasure owes, run by prefero maintain

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_scrubs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tables', sa.String(length=2000), nullable=False),
    sa.Column('requested_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_scrubs'))
    )


def downgrade() -> None:
    op.drop_table('pending_scrubs')
