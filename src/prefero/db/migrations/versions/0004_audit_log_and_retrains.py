"""audit log and pending retrains

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import prefero.db.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# On PostgreSQL the database itself keeps the log append-only: no DELETE, and an UPDATE only
# when it pseudonymises (target or actor replaced by a 64-hex subject hash, client cleared)
# and leaves everything else as it was. Erasure is the one caller that needs that.
_GUARD_FUNCTION = r"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.at IS DISTINCT FROM OLD.at
       OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.target_kind IS DISTINCT FROM OLD.target_kind
       OR (NEW.target IS DISTINCT FROM OLD.target AND NEW.target !~ '^[0-9a-f]{64}$')
       OR (NEW.actor IS DISTINCT FROM OLD.actor AND NEW.actor !~ '^erased:[0-9a-f]{64}$')
       OR (NEW.client IS DISTINCT FROM OLD.client AND NEW.client IS NOT NULL) THEN
        RAISE EXCEPTION 'audit_log rows may only be pseudonymised';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=220), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=True),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('client', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action', ['action', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_actor', ['actor', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_target', ['target_kind', 'target', 'id'],
                              unique=False)

    op.create_table('pending_retrains',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('requested_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_retrains'))
    )
    if op.get_context().dialect.name == 'postgresql':
        op.execute(_GUARD_FUNCTION)
        op.execute('CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log '
                   'FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()')


def downgrade() -> None:
    if op.get_context().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log')
        op.execute('DROP FUNCTION IF EXISTS audit_log_append_only()')
    op.drop_table('pending_retrains')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target')
        batch_op.drop_index('ix_audit_log_actor')
        batch_op.drop_index('ix_audit_log_action')

    op.drop_table('audit_log')
