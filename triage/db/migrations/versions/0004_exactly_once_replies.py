"""exactly-once replies: a reply's state and idempotency key, the mention's sending lease

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:40:00

Only columns and an index are added (``ALTER TABLE ... ADD COLUMN``, ``CREATE INDEX``): no
table is rebuilt, so no row and no foreign key can be lost on SQLite or PostgreSQL.
Existing replies are backfilled once: one with an error ``failed``, one posted on the
platform ``posted``, any other ``recorded`` (dry run, or posted by hand). Their
idempotency key stays empty (a key is made for each new attempt to post).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add replies.state, replies.idempotency_key (unique) and mentions.sending_by/_since/_from."""
    op.add_column('replies', sa.Column('state', sa.String(length=16), nullable=False,
                                       server_default='recorded'))
    op.add_column('replies', sa.Column('idempotency_key', sa.String(length=64), nullable=True))
    op.create_index('ix_replies_idempotency_key', 'replies', ['idempotency_key'], unique=True)
    op.create_index('ix_replies_state', 'replies', ['state'], unique=False)
    op.add_column('mentions', sa.Column('sending_by', sa.String(length=255), nullable=True))
    op.add_column('mentions', sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('mentions', sa.Column('sending_from', sa.String(length=16), nullable=True))
    replies = sa.table('replies', sa.column('state', sa.String), sa.column('error', sa.Text),
                       sa.column('posted', sa.Boolean))
    op.execute(replies.update().values(state=sa.case(
        (replies.c.error.is_not(None), 'failed'),
        (replies.c.posted.is_(True), 'posted'),
        else_='recorded',
    )))


def downgrade() -> None:
    """Drop the columns and indexes 0004 added (a reply's state and key are lost; its text stays).

    Columns are dropped in place (``ALTER TABLE ... DROP COLUMN``, SQLite 3.35+), never by
    rebuilding a table, so no row goes with them.
    """
    op.drop_index('ix_replies_state', table_name='replies')
    op.drop_index('ix_replies_idempotency_key', table_name='replies')
    for table, column in (('replies', 'idempotency_key'), ('replies', 'state'), ('mentions', 'sending_from'),
                          ('mentions', 'sending_since'), ('mentions', 'sending_by')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
