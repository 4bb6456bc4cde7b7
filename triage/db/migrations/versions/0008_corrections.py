"""corrections, audit_picks, mentions.overrides and mentions.model_version: the team's labels

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:00:00

Each correction an agent makes (sentiment, intent, topic, urgent, a reason marked wrong) is a
row in ``corrections``: who, when, the old and new value and the model version that made the
old one. ``mentions.overrides`` holds the labels a person set, so a later re-classification or
re-scoring never overwrites them; ``mentions.model_version`` is the model version that
classified the mention. ``audit_picks`` is the uniform daily sample the team is asked to confirm.

New tables and plain ``ADD COLUMN``: no table is rebuilt, no row is touched.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create corrections and audit_picks; add mentions.overrides and mentions.model_version."""
    op.add_column('mentions', sa.Column('overrides', sa.JSON(), nullable=True))
    op.add_column('mentions', sa.Column('model_version', sa.String(length=64), nullable=True))
    op.create_table(
        'corrections',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('mention_id', sa.Integer(), sa.ForeignKey('mentions.id', ondelete='CASCADE'), nullable=False),
        sa.Column('field', sa.String(length=16), nullable=False),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=False),
        sa.Column('actor', sa.String(length=255), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('model_version', sa.String(length=64), nullable=True),
        sa.Column('source', sa.String(length=255), nullable=False, server_default='agent'),
    )
    op.create_index('ix_corrections_mention_id', 'corrections', ['mention_id'])
    op.create_index('ix_corrections_field_at', 'corrections', ['field', 'at'])
    op.create_table(
        'audit_picks',
        sa.Column('mention_id', sa.Integer(), sa.ForeignKey('mentions.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('confirmed_by', sa.String(length=255), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_audit_picks_day', 'audit_picks', ['day'])


def downgrade() -> None:
    """Drop the tables and columns (the team's labels are lost: back them up first)."""
    op.drop_index('ix_audit_picks_day', table_name='audit_picks')
    op.drop_table('audit_picks')
    op.drop_index('ix_corrections_field_at', table_name='corrections')
    op.drop_index('ix_corrections_mention_id', table_name='corrections')
    op.drop_table('corrections')
    op.drop_column('mentions', 'model_version')
    op.drop_column('mentions', 'overrides')
