"""mentions: trigram indexes for the queue's free-text filter (PostgreSQL only)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:45:00

The queue's "Search text or author" filter is ``ILIKE '%…%'`` on mentions.text,
author_handle and author_name: no B-tree helps, so each search read the whole table. On
PostgreSQL the pg_trgm extension's GIN trigram indexes answer it. Creating an extension needs a
privilege the database user may lack: then the upgrade goes on without the indexes (a logged
warning says so, and the filter stays correct, only slower). On SQLite nothing changes.
"""
import logging
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ('text', 'author_handle', 'author_name')
log = logging.getLogger('alembic.runtime.migration')


def _trigram_ready() -> bool:
    """Create pg_trgm if it is missing; False (with a warning) where this user may not."""
    bind = op.get_bind()
    if bind.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        return True
    try:
        with bind.begin_nested():  # a savepoint: a refusal leaves the upgrade's transaction usable
            bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError as error:
        log.warning('0007: pg_trgm could not be created (%s); the text filter works without its indexes. '
                    'Ask an administrator to run CREATE EXTENSION pg_trgm, then downgrade to 0006 and upgrade.',
                    str(error.orig).strip().splitlines()[0])
        return False
    return True


def upgrade() -> None:
    """On PostgreSQL: pg_trgm and ix_mentions_<column>_trgm (GIN, gin_trgm_ops) on text and author."""
    if op.get_bind().dialect.name != 'postgresql' or not _trigram_ready():
        return
    for column in COLUMNS:
        op.execute(f'CREATE INDEX IF NOT EXISTS ix_mentions_{column}_trgm ON mentions USING gin ({column} gin_trgm_ops)')


def downgrade() -> None:
    """Drop the trigram indexes (the extension stays: other objects may use it)."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for column in COLUMNS:
        op.execute(f'DROP INDEX IF EXISTS ix_mentions_{column}_trgm')
