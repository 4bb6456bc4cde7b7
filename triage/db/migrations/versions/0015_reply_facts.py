"""reply facts: the first response's agent and outcome on the mention, per-day reply figures

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 02:40:00

The two slow reports (issue 15) computed per report what is known when it happens. Now
(``triage.db.reply_facts``): ``mentions.first_response_agent`` is whose reply was the first response;
``mentions.outcome_id``/``outcome`` the customer's next message within 72 h of it and its sentiment,
kept by two triggers (a new mention from the same customer; a sentiment written to that message);
``reply_days`` counts each day's replies per agent and channel with a histogram of first-response
times. All three are computed from the existing replies and mentions here; no existing column changes.
``ix_mentions_volume_day`` (PostgreSQL) gives the volume report its days in order from the index alone;
``ix_mentions_competitors`` lets the escalation count leave out competitors' mentions without a join.

Note for later SQLite migrations: a batch table rebuild of ``mentions`` drops its triggers; create them again.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from triage.db.reply_facts import rebuild

# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ANSWERED = sa.text('first_response_agent IS NOT NULL')

SQLITE_TRIGGERS = (
    """CREATE TRIGGER tr_mentions_next_message AFTER INSERT ON mentions
    BEGIN
        UPDATE mentions SET outcome_id = NEW.id, outcome = coalesce(NEW.sentiment, 'neutral')
        WHERE channel = NEW.channel AND author_handle = NEW.author_handle AND first_response_agent IS NOT NULL
          AND id != NEW.id AND NEW.created_at > first_response_at
          AND (julianday(NEW.created_at) - julianday(first_response_at)) * 86400 <= 259200.0
          AND (outcome_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM mentions AS cur WHERE cur.id = mentions.outcome_id
                AND (cur.created_at < NEW.created_at OR (cur.created_at = NEW.created_at AND cur.id < NEW.id))));
    END""",
    """CREATE TRIGGER tr_mentions_outcome_sentiment AFTER UPDATE OF sentiment ON mentions
    WHEN NEW.sentiment IS NOT OLD.sentiment
    BEGIN
        UPDATE mentions SET outcome = coalesce(NEW.sentiment, 'neutral') WHERE outcome_id = NEW.id;
    END""",
)

POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION triage_next_message() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE mentions AS m SET outcome_id = NEW.id, outcome = coalesce(NEW.sentiment, 'neutral')
        WHERE m.channel = NEW.channel AND m.author_handle = NEW.author_handle AND m.first_response_agent IS NOT NULL
          AND m.id <> NEW.id AND NEW.created_at > m.first_response_at
          AND NEW.created_at <= m.first_response_at + interval '72 hours'
          AND (m.outcome_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM mentions AS cur WHERE cur.id = m.outcome_id
                AND (cur.created_at, cur.id) < (NEW.created_at, NEW.id)));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER tr_mentions_next_message AFTER INSERT ON mentions
    FOR EACH ROW EXECUTE FUNCTION triage_next_message()""",
    """CREATE FUNCTION triage_outcome_sentiment() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE mentions SET outcome = coalesce(NEW.sentiment, 'neutral') WHERE outcome_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER tr_mentions_outcome_sentiment AFTER UPDATE OF sentiment ON mentions
    FOR EACH ROW WHEN (NEW.sentiment IS DISTINCT FROM OLD.sentiment) EXECUTE FUNCTION triage_outcome_sentiment()""",
)


def upgrade() -> None:
    op.add_column('mentions', sa.Column('first_response_agent', sa.String(length=255), nullable=True))
    op.add_column('mentions', sa.Column('outcome_id', sa.Integer(), nullable=True))
    op.add_column('mentions', sa.Column('outcome', sa.String(length=16), nullable=True))
    op.create_table(
        'reply_days',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('agent', sa.String(length=255), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('sla_minutes', sa.Integer(), nullable=False),
        sa.Column('replies', sa.Integer(), nullable=False),
        sa.Column('suggested', sa.Integer(), nullable=False),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.Column('first_responses', sa.Integer(), nullable=False),
        sa.UniqueConstraint('day', 'agent', 'channel', 'minutes', 'sla_minutes', name='uq_reply_days_key'),
    )
    rebuild(op.get_bind())
    op.create_index('ix_mentions_outcome_report', 'mentions',
                    ['first_response_at', 'first_response_agent', 'channel', 'intent', 'outcome', 'language', 'topic',
                     'brand'], sqlite_where=ANSWERED, postgresql_where=ANSWERED)
    op.create_index('ix_mentions_awaiting_outcome', 'mentions', ['channel', 'author_handle', 'first_response_at'],
                    sqlite_where=ANSWERED, postgresql_where=ANSWERED)
    has_outcome = sa.text('outcome_id IS NOT NULL')
    op.create_index('ix_mentions_outcome_id', 'mentions', ['outcome_id'], sqlite_where=has_outcome,
                    postgresql_where=has_outcome)
    if op.get_bind().dialect.name == 'postgresql':  # see triage.db.schema (not declared there)
        op.execute("CREATE INDEX ix_mentions_volume_day ON mentions "
                   "((CAST(timezone('UTC', created_at) AS DATE)), channel, sentiment, brand) INCLUDE (created_at)")
    competitors = sa.text('brand IS NOT NULL')
    op.create_index('ix_mentions_competitors', 'mentions', ['id'], sqlite_where=competitors,
                    postgresql_where=competitors)
    for statement in POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == 'postgresql' else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER tr_mentions_outcome_sentiment ON mentions')
        op.execute('DROP TRIGGER tr_mentions_next_message ON mentions')
        op.execute('DROP FUNCTION triage_outcome_sentiment()')
        op.execute('DROP FUNCTION triage_next_message()')
    else:
        op.execute('DROP TRIGGER tr_mentions_outcome_sentiment')
        op.execute('DROP TRIGGER tr_mentions_next_message')
    op.drop_index('ix_mentions_competitors', table_name='mentions')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_mentions_volume_day', table_name='mentions')
    op.drop_index('ix_mentions_outcome_id', table_name='mentions')
    op.drop_index('ix_mentions_awaiting_outcome', table_name='mentions')
    op.drop_index('ix_mentions_outcome_report', table_name='mentions')
    op.drop_table('reply_days')
    with op.batch_alter_table('mentions') as batch:
        batch.drop_column('outcome')
        batch.drop_column('outcome_id')
        batch.drop_column('first_response_agent')
