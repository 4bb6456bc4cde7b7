"""mentions.rescore_at and the indexes for the queue's order, the refresh's due list and the reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:30:00

``rescore_at`` says when a mention's stored priority goes stale (its waiting time crosses
a step), so a refresh rescores only the mentions that are due instead of every open one.
Existing rows start at NULL: the first refresh after the upgrade rescores every open
mention once (the scoring fingerprint in ``meta`` is missing) and fills it in.

Plain ``ADD COLUMN`` and ``CREATE INDEX`` on every backend: no table is rebuilt.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add mentions.rescore_at and the indexes."""
    op.add_column('mentions', sa.Column('rescore_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_mentions_queue_order', 'mentions', [sa.text('priority DESC'), 'created_at', 'id'])
    op.create_index('ix_mentions_rescore_at', 'mentions', ['rescore_at'])
    op.create_index('ix_mentions_sentiment_status', 'mentions', ['sentiment', 'status'])


def downgrade() -> None:
    """Drop the indexes and mentions.rescore_at."""
    op.drop_index('ix_mentions_sentiment_status', table_name='mentions')
    op.drop_index('ix_mentions_rescore_at', table_name='mentions')
    op.drop_index('ix_mentions_queue_order', table_name='mentions')
    op.drop_column('mentions', 'rescore_at')  # native on SQLite >= 3.35: no table rebuild, no cascade
