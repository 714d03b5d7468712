"""household profiles

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06

``household_profiles`` maps an account's extra profiles ("kids") to the customer rows that
hold their preferences (``prefero.customers.household_models``); ``customers.household_owner_id``
marks those rows, so that counts of customers can leave them out. ``op.add_column``, not a
batch: ``customers`` carries the triggers of migration 0007, which a batch copy would drop.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('household_owner_id', sa.String(length=200),
                                         nullable=True))
    op.create_table('household_profiles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('owner_id', sa.String(length=200), nullable=False),
    sa.Column('profile_key', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=True),
    sa.Column('subject_id', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind is null or kind in ('adult','child','teen','other')", name=op.f('ck_household_profiles_kind')),
    sa.ForeignKeyConstraint(['owner_id'], ['customers.id'], name=op.f('fk_household_profiles_owner_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['customers.id'], name=op.f('fk_household_profiles_subject_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_profiles')),
    sa.UniqueConstraint('owner_id', 'profile_key', name=op.f('uq_household_profiles_owner_id_profile_key')),
    sa.UniqueConstraint('subject_id', name=op.f('uq_household_profiles_subject_id'))
    )


def downgrade() -> None:
    op.drop_table('household_profiles')
    op.drop_column('customers', 'household_owner_id')
