"""experiments

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

Experiments and their arms, the exposure log (one row per experiment, unit and arm; the unit
is a customer row, erased with it) and the anonymous per-arm tallies of units measured
without tracking consent (``prefero.experiments.models``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('experiments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('anonymous_measurement', sa.Boolean(), nullable=False),
    sa.Column('primary_metric', sa.String(length=30), nullable=False),
    sa.Column('guardrails', prefero.db.base.JsonDoc, nullable=False),
    sa.Column('pre_period_days', sa.Integer(), nullable=False),
    sa.Column('traffic', sa.Float(), nullable=False),
    sa.Column('started_at', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', prefero.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('recommendations','content','messages','holdout')", name=op.f('ck_experiments_kind')),
    sa.CheckConstraint("status in ('draft','running','stopped')", name=op.f('ck_experiments_status')),
    sa.CheckConstraint('traffic > 0 and traffic <= 1', name=op.f('ck_experiments_traffic')),
    sa.CheckConstraint('pre_period_days >= 0', name=op.f('ck_experiments_pre_period_days')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiments')),
    sa.UniqueConstraint('key', name=op.f('uq_experiments_key'))
    )
    op.create_table('experiment_arms',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('control', sa.Boolean(), nullable=False),
    sa.Column('config', prefero.db.base.JsonDoc, nullable=False),
    sa.CheckConstraint('share > 0 and share <= 1', name=op.f('ck_experiment_arms_share')),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_experiment_arms_experiment_id_experiments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment_arms')),
    sa.UniqueConstraint('experiment_id', 'key', name=op.f('uq_experiment_arms_experiment_id_key'))
    )
    op.create_table('experiment_exposures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('arm_key', sa.String(length=64), nullable=False),
    sa.Column('first_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('renders', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_experiment_exposures_experiment_id_experiments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['customers.id'], name=op.f('fk_experiment_exposures_unit_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment_exposures')),
    sa.UniqueConstraint('experiment_id', 'unit_id', 'arm_key', name=op.f('uq_experiment_exposures_experiment_id_unit_id_arm_key'))
    )
    op.create_index('ix_experiment_exposures_experiment_first', 'experiment_exposures', ['experiment_id', 'first_at'], unique=False)
    op.create_index(op.f('ix_experiment_exposures_unit_id'), 'experiment_exposures', ['unit_id'], unique=False)
    op.create_table('experiment_tallies',
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('arm_key', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_experiment_tallies_experiment_id_experiments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('experiment_id', 'arm_key', 'day', 'metric', name=op.f('pk_experiment_tallies'))
    )


def downgrade() -> None:
    op.drop_table('experiment_tallies')
    op.drop_index(op.f('ix_experiment_exposures_unit_id'), table_name='experiment_exposures')
    op.drop_index('ix_experiment_exposures_experiment_first', table_name='experiment_exposures')
    op.drop_table('experiment_exposures')
    op.drop_table('experiment_arms')
    op.drop_table('experiments')
