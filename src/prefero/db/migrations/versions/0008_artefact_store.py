"""artefact store: trained model artefacts published into the database, so that API
processes on several hosts serve the same version without a shared disk

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import prefero.db.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'model_artefacts',
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('published_at', prefero.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('manifest', sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('size_bytes', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('version', name=op.f('pk_model_artefacts')),
    )
    op.create_index(op.f('ix_model_artefacts_published_at'), 'model_artefacts',
                    ['published_at'], unique=False)
    op.create_table(
        'model_artefact_chunks',
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['version'], ['model_artefacts.version'],
            name=op.f('fk_model_artefact_chunks_version_model_artefacts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('version', 'seq', name=op.f('pk_model_artefact_chunks')),
    )


def downgrade() -> None:
    op.drop_table('model_artefact_chunks')
    op.drop_index(op.f('ix_model_artefacts_published_at'), table_name='model_artefacts')
    op.drop_table('model_artefacts')
