"""mentions.p_urgent: the learned urgency head's probability

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 03:00:00

``p_urgent`` holds the probability the learned urgency head (``triage.models.urgency``) gave a
post at classification (NULL: no head, or classified before this revision; the priority then
has no learned-urgency reason). Plain ``ADD COLUMN`` on every backend: no table is rebuilt,
nothing is backfilled (re-classifying after a model promotion fills it, open mentions first).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add mentions.p_urgent."""
    op.add_column('mentions', sa.Column('p_urgent', sa.Float(), nullable=True))


def downgrade() -> None:
    """Drop mentions.p_urgent (in place: no table rebuild)."""
    op.execute('ALTER TABLE mentions DROP COLUMN p_urgent')
