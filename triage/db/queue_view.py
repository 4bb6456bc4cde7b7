"""The queue page's queries: one page of the ranked, filtered queue and its size, in SQL.

An incident shows once, at its best-ranked member that matches the filter (the same
line ``triage.ranking.incidents.collapse`` keeps from the whole list): a window function
over the filtered incident members picks those leaders, so a page reads only its own
rows, and the count is a ``COUNT``. The page's count stops at ``COUNT_BOUND`` lines (a count
over a ``LIMIT`` subquery): past it the page says "10,000+", and paging still reads any page.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, distinct, func, literal, or_, select

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


COUNT_BOUND = 10_000
"""The queue page counts its lines up to here; past it the page says "10,000+ mentions"."""


def queue_lines(store: Store, flt: QueueFilter, bound: int | None = None) -> int:
    """How many lines the queue has under ``flt``: mentions outside incidents plus one per incident.

    With ``bound``, a number above ``bound`` means "more than ``bound``": once more than ``bound``
    mentions outside incidents match (each one a line), counting stops there and ``bound + 1``
    comes back, without reading the rest of the queue.
    """
    conditions = queue_conditions(flt)
    query = select(func.count(MentionRow.id) - func.count(MentionRow.incident_id)
                   + func.count(distinct(MentionRow.incident_id))).where(*conditions)
    with store.session() as session:
        # Each mention outside an incident is a line: past the bound, stop there. Not under a text
        # filter: its matches are sparse, the LIMIT scan reads most of the table and then the count runs.
        if bound is not None and not flt.text:
            outside = (select(literal(1)).select_from(MentionRow)
                       .where(*conditions, MentionRow.incident_id.is_(None)).limit(bound + 1).subquery())
            if int(session.scalar(select(func.count()).select_from(outside)) or 0) > bound:
                return bound + 1
        return int(session.scalar(query) or 0)


def lines_text(lines: int, bound: int = COUNT_BOUND) -> str:
    """The page's count: "42 mentions", or "10,000+ mentions" once a bounded count passed ``bound``."""
    return f"{bound:,}+ mentions" if lines > bound else f"{lines} mentions"


def distinct_values(store: Store, column: str) -> list[str]:
    """Distinct non-empty values of a mention column (filter choices), read as a GROUP BY."""
    attribute = getattr(MentionRow, column)
    with store.session() as session:
        values = session.scalars(select(attribute).where(attribute.is_not(None)).group_by(attribute))
        return sorted(str(v) for v in values if v)
