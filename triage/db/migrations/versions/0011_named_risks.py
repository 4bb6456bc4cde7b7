"""mentions.risks (the named risks of a post) and the index of the open, unanswered complaints

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:30:00

``risks`` holds a post's named risks, comma-separated (money, safety, account_takeover,
churn_legal; '' none; NULL not computed yet), filled at classification from the learned risk
head and the keyword signals. Existing rows are backfilled from the keyword signals
(``triage.text.signals.post_risks``), one id range per statement batch, so a large table is
never read at once; a reclassified mention gets the learned part too.

``ix_mentions_open_complaints`` is a partial index on ``(status, created_at)`` over the complaints
(``triage.db.schema.COMPLAINT_SQL``): the complaints report and the Trends figures read
only those rows. Plain ``ADD COLUMN`` and ``CREATE INDEX`` on every backend: no table is rebuilt.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from triage.text.signals import post_risks, risks_value

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CHUNK = 2000  # ids read and written per round of the backfill
# The open statuses and the complaint condition as of this revision (triage.db.schema.COMPLAINT_SQL).
COMPLAINT_SQL = (
    "status IN ('new', 'in_progress', 'sending', 'needs_review', 'escalated') AND first_response_at IS NULL"
    " AND (intent = 'complaint' OR (risks <> '' AND intent <> 'spam'))"
)


def _backfill() -> None:
    """Each existing mention's keyword risks, id range by id range."""
    bind = op.get_bind()
    mentions = sa.table('mentions', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                        sa.column('channel', sa.String), sa.column('risks', sa.String))
    low, high = bind.execute(sa.select(sa.func.min(mentions.c.id), sa.func.max(mentions.c.id))).one()
    if low is None:
        return
    for start in range(int(low), int(high) + 1, CHUNK):
        rows = bind.execute(sa.select(mentions.c.id, mentions.c.text, mentions.c.channel).where(
            mentions.c.id >= start, mentions.c.id < start + CHUNK, mentions.c.risks.is_(None))).all()
        values = [{'row_id': i, 'value': risks_value(post_risks(text or '', channel or ''))}
                  for i, text, channel in rows]
        if values:
            bind.execute(mentions.update().where(mentions.c.id == sa.bindparam('row_id'))
                         .values(risks=sa.bindparam('value')), values)


def upgrade() -> None:
    """Add mentions.risks, backfill it from the keyword signals, index the open complaints."""
    op.add_column('mentions', sa.Column('risks', sa.String(length=64), nullable=True))
    _backfill()
    op.create_index('ix_mentions_open_complaints', 'mentions', ['status', 'created_at'],
                    sqlite_where=sa.text(COMPLAINT_SQL), postgresql_where=sa.text(COMPLAINT_SQL))


def downgrade() -> None:
    """Drop the index and mentions.risks (in place: no table rebuild)."""
    op.drop_index('ix_mentions_open_complaints', table_name='mentions')
    op.execute('ALTER TABLE mentions DROP COLUMN risks')
