"""mentions: the open queue's order as a partial index, and indexes that list the filter choices

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:40:00

- ``ix_mentions_open_queue``: the queue's order (priority first, oldest first on ties) over the
  open mentions only. The agents' queue shows open mentions; in the whole-table order index
  most entries are closed ones, so each page (and each keyset seek, ``triage.db.queue_view``)
  skipped them one heap read at a time. This index holds only the open third of the table and,
  on PostgreSQL, carries the columns the usual filters read (channel, sentiment, language,
  incident), so a page's ids, the bounded count and a jump's walk are index-only scans.
- ``ix_mentions_language``, ``ix_mentions_intent``, ``ix_mentions_topic``: the filter widgets list
  the distinct values of a column by hopping from one value to the next in an index (a few
  index probes, ``triage.db.queue_view.distinct_values``) instead of grouping the whole table.

``CREATE INDEX`` only, on every backend: no row changes, no table is rebuilt.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# frozen here: triage.db.schema.OPEN_QUEUE_SQL at this revision
OPEN_QUEUE = "status IN ('new', 'in_progress', 'sending', 'needs_review', 'escalated')"
OPEN_QUEUE_INCLUDE = ['channel', 'sentiment', 'language', 'incident_id']  # PostgreSQL: index-only reads
CHOICE_COLUMNS = ('language', 'intent', 'topic')


def upgrade() -> None:
    """Create ix_mentions_open_queue and ix_mentions_<column> for the filter choices."""
    op.create_index('ix_mentions_open_queue', 'mentions', [sa.text('priority DESC'), 'created_at', 'id'],
                    sqlite_where=sa.text(OPEN_QUEUE), postgresql_where=sa.text(OPEN_QUEUE),
                    postgresql_include=OPEN_QUEUE_INCLUDE)
    for column in CHOICE_COLUMNS:
        op.create_index(f'ix_mentions_{column}', 'mentions', [column])


def downgrade() -> None:
    """Drop the indexes."""
    for column in reversed(CHOICE_COLUMNS):
        op.drop_index(f'ix_mentions_{column}', table_name='mentions')
    op.drop_index('ix_mentions_open_queue', table_name='mentions')
