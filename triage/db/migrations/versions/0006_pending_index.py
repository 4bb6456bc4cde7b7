"""mentions: a partial index of the pending mentions (what workers claim)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:40:00

A mention is pending while its sentiment, intent or tone profile is missing
(``triage.db.claims.pending_condition``). Workers look for pending mentions on every poll;
without this index each look reads the whole table. The index holds only pending rows, so it
stays small (usually empty) and costs nothing once a mention is classified. No row changes.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PENDING = 'sentiment IS NULL OR intent IS NULL OR tone IS NULL'


def upgrade() -> None:
    """Create ix_mentions_pending (mentions.id, where pending)."""
    op.create_index('ix_mentions_pending', 'mentions', ['id'], unique=False,
                    sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))


def downgrade() -> None:
    """Drop ix_mentions_pending."""
    op.drop_index('ix_mentions_pending', table_name='mentions')
