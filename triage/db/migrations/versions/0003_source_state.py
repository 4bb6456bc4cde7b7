"""sources.state: how a source's last run ended, as a field instead of a guess from its error text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:00:00

Existing rows are backfilled once from ``last_error``, the way the Sources page used to read
it: a listener's missing credential says "disabled: set VARIABLE", an exhausted rate limit
says "rate limited for ..." or "still rate limited after ...", any other error is an error,
and no error after a success is ok. A run that never finished keeps no state (NULL).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add sources.state and fill it from each row's last error."""
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=32), nullable=True))
    sources = sa.table('sources', sa.column('state', sa.String), sa.column('last_error', sa.Text),
                       sa.column('last_success_at', sa.DateTime))
    error = sources.c.last_error
    op.execute(sources.update().values(state=sa.case(
        (error.like('%disabled: set %'), 'missing_credentials'),
        (sa.or_(error.like('rate limited for %'), error.like('still rate limited after %')), 'rate_limited'),
        (error.is_not(None), 'error'),
        (sources.c.last_success_at.is_not(None), 'ok'),
        else_=sa.null(),
    )))


def downgrade() -> None:
    """Drop sources.state (the error text stays)."""
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('state')
