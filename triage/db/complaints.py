"""The queries behind the one definition of a complaint (``triage.queue.complaints``).

A complaint is a mention still open, never answered, whose final intent is complaint or
that carries a named risk (money, safety, account takeover, churn/legal) and is not spam,
whatever its sentiment: ``triage.db.schema.COMPLAINT_SQL``, the condition of the partial index
``ix_mentions_open_complaints`` (revision 0011), written here as the same literal SQL so
both SQLite and PostgreSQL read the complaints from that index. Negative mentions that are not
complaints (open, unanswered) are counted apart. Every statement uses bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, TextClause, case, func, or_, select, text

from triage.db.schema import COMPLAINT_SQL, MentionRow
from triage.db.store import Store
from triage.records import OPEN_STATUSES

if TYPE_CHECKING:  # triage.db.reporting counts complaints with complaint_condition: a name here, not an import
    from triage.db.reporting import MentionFilter


def complaint_condition() -> TextClause:
    """The SQL condition of a complaint (open, unanswered, intent complaint or a named risk, not spam)."""
    return text(COMPLAINT_SQL)


def _since(since: datetime | None) -> list[ColumnElement[bool]]:
    return [] if since is None else [MentionRow.created_at >= since]


def open_complaints(store: Store, since: datetime | None = None, where: MentionFilter | None = None,
                    ) -> list[MentionRow]:
    """The complaints (posted since ``since``, if given; ``where``: only those the filter lets through),
    oldest first."""
    query = (select(MentionRow).where(complaint_condition(), *_since(since), *(where.clauses() if where else []))
             .order_by(MentionRow.created_at.asc(), MentionRow.id))
    with store.session() as session:
        return list(session.scalars(query))


def complaints_newer_than(store: Store, bounds: Sequence[datetime], since: datetime | None = None) -> list[int]:
    """The complaints posted since ``since``: their count, then how many were posted at or after each of
    ``bounds`` (one query)."""
    columns = [func.sum(case((MentionRow.created_at >= bound, 1), else_=0)) for bound in bounds]
    query = select(func.count(MentionRow.id), *columns).where(complaint_condition(), *_since(since))
    with store.session() as session:
        row = session.execute(query).one()
    return [int(value or 0) for value in row]


def _negative_not_complaint() -> list[ColumnElement[bool]]:
    return [
        MentionRow.sentiment == "negative", MentionRow.status.in_(list(OPEN_STATUSES)),
        MentionRow.first_response_at.is_(None),
        or_(MentionRow.intent.is_(None), MentionRow.intent != "complaint"),
        or_(MentionRow.risks.is_(None), MentionRow.risks == "", MentionRow.intent == "spam"),
    ]


def negative_not_complaints_newer_than(
    store: Store, bounds: Sequence[datetime], since: datetime | None = None
) -> list[int]:
    """Open, unanswered negative mentions that are not complaints, posted since ``since``: their count, then
    how many were posted at or after each of ``bounds`` (one query)."""
    columns = [func.sum(case((MentionRow.created_at >= bound, 1), else_=0)) for bound in bounds]
    query = select(func.count(MentionRow.id), *columns).where(*_negative_not_complaint(), *_since(since))
    with store.session() as session:
        row = session.execute(query).one()
    return [int(value or 0) for value in row]
