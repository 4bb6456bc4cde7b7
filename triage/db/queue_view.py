"""The queue page's queries: one page of the ranked, filtered queue and its size, in SQL.

An incident shows once, at its best-ranked member that matches the filter (the same
line ``triage.ranking.incidents.collapse`` keeps from the whole list): a window function
over the filtered incident members picks those leaders, so a page reads only its own
rows, and the count is a ``COUNT``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, distinct, func, or_, select

from triage.db.schema import MentionRow
from triage.db.store import QUEUE_ORDER, QueueFilter, Store, queue_conditions


def _shown(flt: QueueFilter) -> list[ColumnElement[bool]]:
    """The filter's conditions, plus: outside any incident, or its incident's best-ranked match."""
    conditions = queue_conditions(flt)
    ranked = (select(MentionRow.id, func.row_number().over(partition_by=MentionRow.incident_id, order_by=QUEUE_ORDER)
                     .label("place"))
              .where(MentionRow.incident_id.is_not(None), *conditions).subquery())
    leaders = select(ranked.c.id).where(ranked.c.place == 1)
    return [*conditions, or_(MentionRow.incident_id.is_(None), MentionRow.id.in_(leaders))]


def queue_page(store: Store, flt: QueueFilter, offset: int = 0, limit: int = 100) -> list[MentionRow]:
    """Lines ``offset`` to ``offset + limit`` of the queue, an incident once (``flt.limit`` is not used)."""
    query = select(MentionRow).where(*_shown(flt)).order_by(*QUEUE_ORDER).offset(offset).limit(limit)
    with store.session() as session:
        return list(session.scalars(query))


def queue_lines(store: Store, flt: QueueFilter) -> int:
    """How many lines the queue has under ``flt``: mentions outside incidents plus one per incident."""
    query = select(func.count(MentionRow.id) - func.count(MentionRow.incident_id)
                   + func.count(distinct(MentionRow.incident_id))).where(*queue_conditions(flt))
    with store.session() as session:
        return int(session.scalar(query) or 0)


def distinct_values(store: Store, column: str) -> list[str]:
    """Distinct non-empty values of a mention column (filter choices), read as a GROUP BY."""
    attribute = getattr(MentionRow, column)
    with store.session() as session:
        values = session.scalars(select(attribute).where(attribute.is_not(None)).group_by(attribute))
        return sorted(str(v) for v in values if v)
