"""mentions.team, the notifications table, and indexes for the "Mine" and "Team" filters

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 23:40:00

``mentions.team`` is the team a mention is assigned to (``[teams]`` in triage.toml), next to
``assignee`` (the person). ``notifications`` records every escalation notice and every alert
once, under a unique ``key`` ("escalation:<audit id>", "sla:<mention id>", "spike:<window>"),
with the channels it still has to go through: a second run never sends it again, and a
failed channel is retried. Plain ``ADD COLUMN``, ``CREATE TABLE`` and ``CREATE INDEX``: no
table is rebuilt; existing mentions have no team.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add mentions.team, its index and the assignee index; create notifications."""
    op.add_column('mentions', sa.Column('team', sa.String(length=64), nullable=True))
    op.create_index('ix_mentions_assignee', 'mentions', ['assignee'])
    op.create_index('ix_mentions_team', 'mentions', ['team'])
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('mention_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('channels', sa.String(length=64), nullable=False),
        sa.Column('pending', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name='fk_notifications_mention_id',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', name='uq_notifications_key'),
    )
    op.create_index('ix_notifications_mention_id', 'notifications', ['mention_id'])
    op.create_index('ix_notifications_sent_at', 'notifications', ['sent_at'])


def downgrade() -> None:
    """Drop notifications, the indexes and mentions.team."""
    op.drop_index('ix_notifications_sent_at', table_name='notifications')
    op.drop_index('ix_notifications_mention_id', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_mentions_team', table_name='mentions')
    op.drop_index('ix_mentions_assignee', table_name='mentions')
    op.drop_column('mentions', 'team')  # native on SQLite >= 3.35: no table rebuild, no cascade
