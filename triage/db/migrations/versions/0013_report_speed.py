"""report speed: covering index for the outcome after a reply

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 01:00:00

``triage.db.surveys.reply_outcomes`` looks up, for each first response of a period, the customer's
next mention on the same channel. ``mentions(channel, author_handle, created_at)`` found it but read
the table row for its id and sentiment; ``ix_mentions_author_next`` adds ``id`` and ``sentiment`` so
PostgreSQL answers each lookup from the index alone (an index-only scan), and replaces it.
"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_mentions_author_next', 'mentions', ['channel', 'author_handle', 'created_at', 'id', 'sentiment'])
    op.drop_index('ix_mentions_author_time', table_name='mentions')


def downgrade() -> None:
    op.create_index('ix_mentions_author_time', 'mentions', ['channel', 'author_handle', 'created_at'])
    op.drop_index('ix_mentions_author_next', table_name='mentions')
