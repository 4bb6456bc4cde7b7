"""The queue page's queries: one page of the ranked, filtered queue, its size, the filter choices, in SQL.

An incident shows once, at its best-ranked member that matches the filter (the same line
``triage.ranking.incidents.collapse`` keeps from the whole list): a member is shown unless
another matching member of its incident ranks above it, a correlated ``NOT EXISTS`` that runs
only for the incident members a page reads (through ``ix_mentions_incident_id``).

Pages are read by keyset: a page starts after a ``QueueCursor`` (the previous page's last
line: priority, created_at, id), so PostgreSQL and SQLite seek into the order index
(``ix_mentions_open_queue`` for the open queue, ``ix_mentions_queue_order`` otherwise) and read
only that page's rows, however deep it is. ``skip`` walks the keys alone to reach a page no
cursor is known for (a direct jump), at most ``JUMP_BOUND`` lines at a time.

The page's count stops at ``COUNT_BOUND`` lines (``TEXT_COUNT_BOUND`` under a text search, whose
rows must each be read to be matched): past it the page says "10,000+", and paging goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, distinct, exists, func, inspect, literal, or_, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.util import ClauseAdapter

from triage.db.schema import MentionRow
from triage.db.store import QUEUE_ORDER, QueueFilter, Store, queue_conditions, search_terms


@contextmanager
def _reading(store: Store) -> Iterator[Session]:
    """A session for the page's queries; on PostgreSQL, for this transaction only:

    - no JIT compilation: the correlated incident check makes the planner's cost of a whole-queue
      scan huge, so it would spend hundreds of milliseconds compiling a query that stops after a page;
    - a plan for the values at hand, never a generic one: the driver prepares a statement run five
      times, and a generic plan neither sees the search words (a table scan instead of the order
      index: seconds, not milliseconds) nor can prove the open-queue index's condition.
    """
    with store.session() as session:
        if store.engine.dialect.name == "postgresql":
            session.execute(text("SELECT set_config('jit', 'off', true), "
                                 "set_config('plan_cache_mode', 'force_custom_plan', true)"))
        yield session


@dataclass(frozen=True)
class QueueCursor:
    """A place in the queue's order: the line it names and every line above it are behind it."""

    priority: int
    created_at: datetime
    id: int

    @classmethod
    def of(cls, row: MentionRow) -> QueueCursor:
        """The cursor just past ``row``: the next page starts after it."""
        return cls(int(row.priority), row.created_at, int(row.id))


def _ranks_above(upper, lower) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """``upper`` comes before ``lower`` in the queue's order (priority first, then oldest, then id).

    ``upper``/``lower``: anything with the three columns or values (a row entity, an alias, a cursor)."""
    return or_(upper.priority > lower.priority,
               and_(upper.priority == lower.priority,
                    or_(upper.created_at < lower.created_at,
                        and_(upper.created_at == lower.created_at, upper.id < lower.id))))


def _after(cursor: QueueCursor) -> list[ColumnElement[bool]]:
    """The lines after ``cursor``. The first condition bounds the index scan; the second drops the
    lines of the cursor's own priority that it has already passed."""
    return [MentionRow.priority <= cursor.priority, _ranks_above(cursor, MentionRow)]


def _shown(flt: QueueFilter) -> list[ColumnElement[bool]]:
    """The filter's conditions, plus: outside any incident, or its incident's best-ranked match."""
    conditions = queue_conditions(flt)
    other = aliased(MentionRow, name="better")
    on_other = ClauseAdapter(inspect(other).selectable)  # the same filter, on the alias
    better_match = exists().where(other.incident_id == MentionRow.incident_id,
                                  *(on_other.traverse(condition) for condition in conditions),
                                  _ranks_above(other, MentionRow))
    return [*conditions, or_(MentionRow.incident_id.is_(None), ~better_match)]


def queue_page(store: Store, flt: QueueFilter, offset: int = 0, limit: int = 100,
               after: QueueCursor | None = None) -> list[MentionRow]:
    """``limit`` lines of the queue, an incident once: the first ones after ``after`` (from the top
    without it), skipping ``offset`` lines first (``flt.limit`` is not used).

    Give ``after`` (``QueueCursor.of`` the previous page's last row) rather than an ``offset``: a
    seek reads only the page, an offset reads every line it skips."""
    conditions = _shown(flt) + (_after(after) if after is not None else [])
    # the page's ids first, from the order index alone where it covers the filter, then their rows
    ids = select(MentionRow.id).where(*conditions).order_by(*QUEUE_ORDER).offset(offset).limit(limit)
    query = select(MentionRow).where(MentionRow.id.in_(ids.scalar_subquery())).order_by(*QUEUE_ORDER)
    with _reading(store) as session:
        return list(session.scalars(query))


JUMP_BOUND = 10_000
"""Lines ``skip`` walks past at most in one call (a jump to a far page goes there in steps)."""


def skip(store: Store, flt: QueueFilter, after: QueueCursor | None, lines: int) -> QueueCursor | None:
    """The cursor ``lines`` lines past ``after`` (the top when None), reading the keys alone; None when
    the queue ends first. At most ``JUMP_BOUND`` lines: pass more and it stops there."""
    lines = min(lines, JUMP_BOUND)
    if lines <= 0:
        return after
    conditions = _shown(flt) + (_after(after) if after is not None else [])
    query = (select(MentionRow.priority, MentionRow.created_at, MentionRow.id).where(*conditions)
             .order_by(*QUEUE_ORDER).offset(lines - 1).limit(1))
    with _reading(store) as session:
        found = session.execute(query).first()
    return QueueCursor(int(found[0]), found[1], int(found[2])) if found else None


COUNT_BOUND = 10_000
"""The queue page counts its lines up to here; past it the page says "10,000+ mentions"."""
TEXT_COUNT_BOUND = 1_000
"""Under a text search the count stops sooner: each candidate row is read to match its text."""


def count_bound(flt: QueueFilter) -> int:
    """Where the page's count of ``flt`` stops."""
    return TEXT_COUNT_BOUND if search_terms(flt.text) else COUNT_BOUND


def queue_lines(store: Store, flt: QueueFilter, bound: int | None = None) -> int:
    """How many lines the queue has under ``flt``: mentions outside incidents plus one per incident.

    With ``bound``, a number above ``bound`` means "more than ``bound``": the count reads at most
    ``bound + 1`` matching mentions; when that is all of them it is exact, and when more than ``bound``
    of them are lines, ``bound + 1`` comes back without reading the rest of the queue.
    """
    conditions = queue_conditions(flt)
    with _reading(store) as session:
        if bound is not None:
            sample = select(MentionRow.incident_id).where(*conditions).limit(bound + 1).subquery()
            rows, outside, incidents = session.execute(select(
                func.count(), func.count() - func.count(sample.c.incident_id),
                func.count(distinct(sample.c.incident_id)))).one()
            if rows <= bound:  # every match was read
                return int(outside) + int(incidents)
            if int(outside) + int(incidents) > bound:  # lines among the first matches alone pass the bound
                return bound + 1
            # many incident members among them: each mention outside an incident is a line
            lone = (select(literal(1)).select_from(MentionRow)
                    .where(*conditions, MentionRow.incident_id.is_(None)).limit(bound + 1).subquery())
            if int(session.scalar(select(func.count()).select_from(lone)) or 0) > bound:
                return bound + 1
        query = select(func.count(MentionRow.id) - func.count(MentionRow.incident_id)
                       + func.count(distinct(MentionRow.incident_id))).where(*conditions)
        return int(session.scalar(query) or 0)


def lines_text(lines: int, bound: int = COUNT_BOUND) -> str:
    """The page's count: "42 mentions", or "10,000+ mentions" once a bounded count passed ``bound``."""
    return f"{bound:,}+ mentions" if lines > bound else f"{lines} mentions"


CHOICE_COLUMNS = ("channel", "language", "intent", "topic", "sentiment", "status")
"""Columns the filter widgets list the values of: each leads an index (``ix_mentions_author``,
``ix_mentions_language``, ``_intent``, ``_topic``, ``_sentiment_status``, ``_status_priority``)."""
MAX_CHOICES = 500


def distinct_values(store: Store, column: str) -> list[str]:
    """Distinct non-empty values of a mention column (filter choices), at most ``MAX_CHOICES``.

    Read by hopping through the column's index, one probe per value (``min(column) > previous``,
    a recursive query), never by grouping the table: a handful of index reads at any size.
    """
    with store.session() as session:
        return sorted(str(v) for v in session.scalars(choices_query(column)) if v)


def choices_query(column: str) -> Select[tuple[Any]]:
    """The recursive query behind ``distinct_values``: the smallest value, then the next above it, until none."""
    if column not in CHOICE_COLUMNS:
        raise ValueError(f"no filter choices for mentions.{column}: use one of {', '.join(CHOICE_COLUMNS)}")
    attribute = getattr(MentionRow, column)
    first = select(func.min(attribute).label("value")).where(attribute.is_not(None))
    hops = first.cte("choices", recursive=True)
    following = select(func.min(attribute)).where(attribute > hops.c.value).scalar_subquery()
    hops = hops.union_all(select(following).where(hops.c.value.is_not(None)))
    return select(hops.c.value).where(hops.c.value.is_not(None)).limit(MAX_CHOICES)
