"""The queries behind the reports and the spike check (``triage.queue.reports``, ``triage.queue.spikes``).

The complaints' own queries are in ``triage.db.complaints`` (one definition of a complaint).

Each function opens its own transaction and returns plain rows or tuples; the figures are
computed by the callers. Every statement uses bound parameters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from triage.db.schema import SHOWN_REPLY_STATES, MentionRow, ReplyRow
from triage.db.store import Store


def _day(dialect: str) -> ColumnElement[str]:
    """The UTC day a mention was posted, as ``YYYY-MM-DD`` text."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", MentionRow.created_at), "YYYY-MM-DD")
    return func.date(MentionRow.created_at)  # SQLite stores UTC text


def _response_hours(dialect: str) -> ColumnElement[Any]:
    """Hours from posting to the first response, rounded to 0.1 h (the precision the Trends page shows)."""
    seconds: ColumnElement[Any]
    if dialect == "postgresql":
        seconds = func.extract("epoch", MentionRow.first_response_at - MentionRow.created_at)
    else:
        seconds = (func.julianday(MentionRow.first_response_at) - func.julianday(MentionRow.created_at)) * 86400
    return func.round(seconds / 360) / 10


def daily_counts(store: Store, since: datetime) -> list[tuple[str, str, str | None, int]]:
    """``(day, channel, sentiment, mentions)`` of the mentions posted since ``since``: one GROUP BY."""
    day = _day(store.engine.dialect.name).label("day")
    query = (select(day, MentionRow.channel, MentionRow.sentiment, func.count(MentionRow.id))
             .where(MentionRow.created_at >= since).group_by(day, MentionRow.channel, MentionRow.sentiment))
    with store.session() as session:
        return [(str(d), c, s, int(n)) for d, c, s, n in session.execute(query).tuples()]


def response_hours(store: Store, since: datetime) -> list[tuple[str, float, int]]:
    """``(day posted, hours to first response (0.1 h steps), mentions)`` of the answered mentions posted since
    ``since``: a histogram, not the rows."""
    dialect = store.engine.dialect.name
    day, hours = _day(dialect).label("day"), _response_hours(dialect).label("hours")
    query = (select(day, hours, func.count(MentionRow.id))
             .where(MentionRow.created_at >= since, MentionRow.first_response_at.is_not(None)).group_by(day, hours))
    with store.session() as session:
        return [(str(d), float(h), int(n)) for d, h, n in session.execute(query).tuples()]


def reply_provenance(store: Store, since: datetime) -> list[tuple[str | None, str | None, int | None]]:
    """``(suggestion_source, suggestion_text, edit_distance)`` of the replies sent since ``since``."""
    query = select(ReplyRow.suggestion_source, ReplyRow.suggestion_text, ReplyRow.edit_distance).where(
        ReplyRow.sent_at >= since, ReplyRow.state.in_(SHOWN_REPLY_STATES))
    with store.session() as session:
        return list(session.execute(query).tuples())


def negative_counts(store: Store, now: datetime, window: timedelta, windows: int) -> list[int]:
    """Negative mentions in each window back from ``now``: index i counts those posted in
    ``(now - (i + 1) * window, now - i * window]``, for i in 0..``windows`` (one query)."""
    columns = [func.sum(case((and_(MentionRow.created_at > now - window * (i + 1),
                                   MentionRow.created_at <= now - window * i), 1), else_=0))
               for i in range(windows + 1)]
    query = select(func.count(MentionRow.id), *columns).where(
        MentionRow.sentiment == "negative", MentionRow.created_at > now - window * (windows + 1),
        MentionRow.created_at <= now)
    with store.session() as session:
        row = session.execute(query).one()
    return [int(value or 0) for value in row[1:]]
