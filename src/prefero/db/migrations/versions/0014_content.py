"""content slots, their variants and the choices shown; the profile's time zone

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops the column in place, whereas a batch would rebuild
    # the table and break the profile-revision triggers (migration 0007) that name it.
    op.drop_column('customers', 'time_zone')
