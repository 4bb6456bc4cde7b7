"""The queries behind the reports and the spike check (``triage.queue.reports``, ``triage.queue.spikes``).

Each function opens its own transaction and returns plain rows or tuples; the figures are
computed by the callers. Every statement uses bound parameters.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from triage.db.schema import SHOWN_REPLY_STATES, MentionRow, ReplyRow
from triage.db.store import Store
from triage.records import OPEN_STATUSES


def unanswered_negative(store: Store) -> list[MentionRow]:
    """Negative mentions still open with no first response, oldest first."""
    query = (
        select(MentionRow)
        .where(
            MentionRow.sentiment == "negative",
            MentionRow.status.in_(list(OPEN_STATUSES)),
            MentionRow.first_response_at.is_(None),
        )
        .order_by(MentionRow.created_at.asc(), MentionRow.id)
    )
    with store.session() as session:
        return list(session.scalars(query))


def trend_records(store: Store, since: datetime) -> list[tuple[datetime, str, str | None, datetime | None]]:
    """``(created_at, channel, sentiment, first_response_at)`` of the mentions posted since ``since``."""
    columns = (MentionRow.created_at, MentionRow.channel, MentionRow.sentiment, MentionRow.first_response_at)
    with store.session() as session:
        return list(session.execute(select(*columns).where(MentionRow.created_at >= since)).tuples())


def reply_provenance(store: Store, since: datetime) -> list[tuple[str | None, str | None, int | None]]:
    """``(suggestion_source, suggestion_text, edit_distance)`` of the replies sent since ``since``."""
    query = select(ReplyRow.suggestion_source, ReplyRow.suggestion_text, ReplyRow.edit_distance).where(
        ReplyRow.sent_at >= since, ReplyRow.state.in_(SHOWN_REPLY_STATES))
    with store.session() as session:
        return list(session.execute(query).tuples())


def negative_times(store: Store, since: datetime, until: datetime) -> list[datetime]:
    """When each negative mention posted between ``since`` and ``until`` (both included) came in."""
    query = select(MentionRow.created_at).where(
        MentionRow.sentiment == "negative", MentionRow.created_at >= since, MentionRow.created_at <= until)
    with store.session() as session:
        return list(session.scalars(query))
