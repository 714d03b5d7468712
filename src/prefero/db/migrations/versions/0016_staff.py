"""shop staff accounts for the dashboard

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

One new table, nothing rewritten. It holds no customer id: erasing a customer has nothing to
remove here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_accounts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sessions_valid_from', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role in ('admin','marketer','read_only')",
                           name=op.f('ck_staff_accounts_role')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_accounts')),
        sa.UniqueConstraint('email', name=op.f('uq_staff_accounts_email')),
    )


def downgrade() -> None:
    op.drop_table('staff_accounts')
