"""reports: indexes for the period reports, scheduled deliveries, survey answers

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 23:50:00

The manager's reports (issue 15) group the replies sent, the first responses and the
escalations of a period: ``replies.sent_at``, ``mentions.first_response_at`` and
``audit(action, at)`` get indexes, and ``mentions(created_at, channel, sentiment, brand)`` answers
the daily volume from the index alone; ``mentions(channel, author_handle, created_at)`` finds a
customer's next message after a reply (the outcome figures). ``report_deliveries`` records each scheduled report sent
(unique per schedule and window, so a second run sends nothing); ``surveys`` holds imported
CSAT/NPS answers; ``mentions.brand`` tags the mentions of a competitor (share of voice; NULL is
our own brand, so every existing row stays ours).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('mentions', sa.Column('brand', sa.String(length=64), nullable=True))
    op.create_index('ix_replies_sent_at', 'replies', ['sent_at'])
    op.create_index('ix_audit_action_at', 'audit', ['action', 'at'])
    # answered mentions only: the reports read first responses of a period; the open complaints
    # (first_response_at IS NULL) keep their own partial index, ix_mentions_open_complaints
    answered = sa.text('first_response_at IS NOT NULL')
    op.create_index('ix_mentions_first_response_at', 'mentions', ['first_response_at'],
                    sqlite_where=answered, postgresql_where=answered)
    op.create_index('ix_mentions_report_volume', 'mentions', ['created_at', 'channel', 'sentiment', 'brand'])
    op.create_index('ix_mentions_author_time', 'mentions', ['channel', 'author_handle', 'created_at'])
    op.create_table(
        'report_deliveries',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('schedule', sa.String(length=64), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.UniqueConstraint('schedule', 'window_start', name='uq_report_deliveries_window'),
    )
    op.create_table(
        'surveys',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('author_handle', sa.String(length=255), nullable=False),
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('mention_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name='fk_surveys_mention_id', ondelete='SET NULL'),
        sa.UniqueConstraint('key', name='uq_surveys_key'),
    )
    op.create_index('ix_surveys_mention_id', 'surveys', ['mention_id'])


def downgrade() -> None:
    op.drop_index('ix_surveys_mention_id', table_name='surveys')
    op.drop_table('surveys')
    op.drop_table('report_deliveries')
    op.drop_index('ix_mentions_author_time', table_name='mentions')
    op.drop_index('ix_mentions_report_volume', table_name='mentions')
    op.drop_index('ix_mentions_first_response_at', table_name='mentions')
    op.drop_index('ix_audit_action_at', table_name='audit')
    op.drop_index('ix_replies_sent_at', table_name='replies')
    with op.batch_alter_table('mentions') as batch:
        batch.drop_column('brand')
