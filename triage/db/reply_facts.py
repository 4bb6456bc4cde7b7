"""What the reports read about replies, kept when it happens instead of computed per report (issue 15).

Three facts, each written in the transaction that makes it known:

- ``mentions.first_response_agent``: whose reply was the mention's first response (a shown reply sent at
  ``first_response_at``); set by ``record_reply`` when that reply is stored or posted.
- ``mentions.outcome_id`` / ``mentions.outcome``: the customer's next message on the same channel within
  ``OUTCOME_WINDOW_HOURS`` of the first response, and its sentiment (``neutral`` while unclassified);
  NULL: no reply (yet). ``record_reply`` looks it up when the first response is recorded; after that the
  database's triggers keep it (revision 0015): a new mention from the same customer in the window that
  comes before the stored one takes its place, and a sentiment written to the next message is copied.
- ``reply_days``: per UTC day, agent and channel, the replies sent, those started from a suggestion and
  those accepted (at most ``ACCEPTED_SHARE`` of it edited), and a histogram of first-response times
  in the report's steps (``response_steps``): team performance sums a few rows per day whatever the volume.

``rebuild`` computes all three from the replies and mentions (revision 0015's backfill, and data loaded
without the send path: the benchmark, tests' fixed data sets).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Interval, Select, Table, case, delete, func, literal, select, text, update
from sqlalchemy.orm import Session, aliased

from triage.db.schema import SHOWN_REPLY_STATES, MentionRow, ReplyDayRow, ReplyRow

OUTCOME_WINDOW_HOURS = 72.0
ACCEPTED_SHARE = 0.10
"""A suggestion counts as accepted when at most this share of it was edited (``triage.queue.acceptance``)."""
NOT_FIRST = -1
"""``reply_days.minutes`` and ``sla_minutes`` of the rows that count replies that were not a first response."""

Executor = Session | Connection


def _half_away(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def response_steps(seconds: float) -> tuple[int, int]:
    """``(minutes, sla_minutes)`` of a first response ``seconds`` after the post.

    ``minutes``: the report's histogram step (as ``triage.db.reporting.response_minutes`` rounds it):
    exact minutes below an hour, 5-minute steps below a day, hours after. ``sla_minutes``: the time
    rounded up to the minute up to a day, to the hour after; a response is within an SLA of S minutes
    when ``sla_minutes <= S`` (exact for an SLA in whole minutes up to a day, whole hours after).
    """
    if seconds < 3600:
        minutes = _half_away(seconds / 60)
    elif seconds < 86400:
        minutes = _half_away(seconds / 300) * 5
    else:
        minutes = _half_away(seconds / 3600) * 60
    sla_minutes = math.ceil(seconds / 60) if seconds <= 86400 else math.ceil(seconds / 3600) * 60
    return minutes, sla_minutes


def accepted_suggestion(source: str | None, text_length: int | None, edit_distance: int | None) -> bool:
    return (source is not None and text_length is not None and edit_distance is not None
            and edit_distance <= ACCEPTED_SHARE * (text_length if text_length > 1 else 1))


# ---- the outcome --------------------------------------------------------------------------------------------
def _window_end(dialect: str, later: Any) -> list[Any]:
    """The window's end as a range bound the index can stop at (PostgreSQL; the seconds test decides)."""
    if dialect != "postgresql":
        return []
    return [later.created_at <= MentionRow.first_response_at
            + literal(timedelta(hours=OUTCOME_WINDOW_HOURS), Interval())]


def _seconds_between(dialect: str, later: Any, earlier: Any) -> Any:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def _next_message(dialect: str) -> Any:
    """The id of the customer's next mention after the first response (correlated to ``mentions``)."""
    later = aliased(MentionRow)
    return (select(later.id)
            .where(later.channel == MentionRow.channel, later.author_handle == MentionRow.author_handle,
                   later.id != MentionRow.id, later.created_at > MentionRow.first_response_at,
                   _seconds_between(dialect, later.created_at, MentionRow.first_response_at)
                   <= OUTCOME_WINDOW_HOURS * 3600, *_window_end(dialect, later))
            .order_by(later.created_at, later.id).limit(1).scalar_subquery())


def _outcome_values(dialect: str) -> dict[str, Any]:
    """``outcome_id`` and ``outcome`` of the mention being updated, from the customer's next message."""
    following = aliased(MentionRow)
    sentiment = (select(func.coalesce(following.sentiment, "neutral"))
                 .where(following.id == _next_message(dialect)).scalar_subquery())
    return {"outcome_id": _next_message(dialect), "outcome": sentiment}


def _dialect(executor: Executor) -> str:
    return executor.get_bind().dialect.name if isinstance(executor, Session) else executor.dialect.name


def refresh_outcomes(executor: Executor, mention_ids: Sequence[int]) -> None:
    """Look up the next message and its sentiment again for the answered ``mention_ids`` (one UPDATE)."""
    if not mention_ids:
        return
    executor.execute(update(MentionRow)
                     .where(MentionRow.first_response_agent.is_not(None), MentionRow.id.in_(list(mention_ids)))
                     .values(**_outcome_values(_dialect(executor))).execution_options(synchronize_session=False))


# ---- the send path --------------------------------------------------------------------------------------------
def record_reply(session: Session, reply_id: int) -> None:
    """Count a reply that has just become shown (stored, or posted), in its own transaction: the day's
    figures, and when it is the mention's first response, its agent and the outcome so far."""
    reply = session.get(ReplyRow, reply_id, populate_existing=True)
    if reply is None or reply.state not in SHOWN_REPLY_STATES:
        return
    mention = session.get(MentionRow, reply.mention_id, populate_existing=True)
    if mention is None:
        return
    first = mention.first_response_at is not None and mention.first_response_at == reply.sent_at
    if first and mention.first_response_agent is None:
        session.execute(update(MentionRow).where(MentionRow.id == mention.id)
                        .values(first_response_agent=reply.agent).execution_options(synchronize_session=False))
        refresh_outcomes(session, [mention.id])
    if mention.brand is not None:
        return  # a competitor's mention: not in our team's figures
    seconds = None
    if first and mention.first_response_at is not None:
        seconds = (mention.first_response_at - mention.created_at).total_seconds()
    length = None if reply.suggestion_text is None else len(reply.suggestion_text)
    _add_days(session, Counter({_day_key(reply.agent, reply.sent_at, mention.channel, seconds,
                                         reply.suggestion_source, length, reply.edit_distance): 1}))


def _day_key(agent: str, sent_at: datetime, channel: str, seconds: float | None, source: str | None,
             length: int | None, edit_distance: int | None) -> tuple[Any, ...]:
    minutes, sla_minutes = (NOT_FIRST, NOT_FIRST) if seconds is None else response_steps(seconds)
    return (sent_at.date(), agent, channel, minutes, sla_minutes, source is not None,
            accepted_suggestion(source, length, edit_distance), seconds is not None)


def _rows(counted: Counter[tuple[Any, ...]]) -> list[dict[str, Any]]:
    grouped: dict[tuple[date, str, str, int, int], dict[str, Any]] = {}
    for (day, agent, channel, minutes, sla_minutes, suggested, accepted, first), n in counted.items():
        row = grouped.setdefault((day, agent, channel, minutes, sla_minutes), {
            "day": day, "agent": agent, "channel": channel, "minutes": minutes, "sla_minutes": sla_minutes,
            "replies": 0, "suggested": 0, "accepted": 0, "first_responses": 0})
        row["replies"] += n
        row["suggested"] += n * suggested
        row["accepted"] += n * accepted
        row["first_responses"] += n * first
    return list(grouped.values())


def _add_days(executor: Executor, counted: Counter[tuple[Any, ...]]) -> None:
    """Add the counts to ``reply_days`` (one upsert per row)."""
    rows = _rows(counted)
    if not rows:
        return
    if _dialect(executor) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # same API as postgresql's
    table = cast(Table, ReplyDayRow.__table__)
    for start in range(0, len(rows), 1000):
        statement = insert(table).values(rows[start:start + 1000])
        statement = statement.on_conflict_do_update(
            index_elements=["day", "agent", "channel", "minutes", "sla_minutes"],
            set_={name: table.c[name] + statement.excluded[name]
                  for name in ("replies", "suggested", "accepted", "first_responses")})
        executor.execute(statement)


# ---- from scratch ---------------------------------------------------------------------------------------------
def _shown_replies() -> Select[Any]:
    return (select(ReplyRow.agent, ReplyRow.sent_at, MentionRow.channel, MentionRow.created_at,
                   MentionRow.first_response_at, ReplyRow.suggestion_source, func.length(ReplyRow.suggestion_text),
                   ReplyRow.edit_distance)
            .join(MentionRow, MentionRow.id == ReplyRow.mention_id)
            .where(ReplyRow.state.in_(SHOWN_REPLY_STATES), MentionRow.brand.is_(None)))


def rebuild(executor: Executor) -> None:
    """Compute every answered mention's first-response agent and outcome (one UPDATE: each row written
    once), and ``reply_days``, from scratch."""
    if _dialect(executor) == "postgresql":  # replies just loaded have no statistics: a scan per mention
        executor.execute(text("ANALYZE replies"))
    # an aggregate, not ORDER BY id LIMIT 1: PostgreSQL would walk the replies' primary key for that
    first_agent = (select(func.min(ReplyRow.agent))
                   .where(ReplyRow.mention_id == MentionRow.id, ReplyRow.state.in_(SHOWN_REPLY_STATES),
                          ReplyRow.sent_at == MentionRow.first_response_at).scalar_subquery())
    answered = first_agent.is_not(None)
    values = {name: case((answered, value), else_=None) for name, value in _outcome_values(_dialect(executor)).items()}
    executor.execute(update(MentionRow).where(MentionRow.first_response_at.is_not(None))
                     .values(first_response_agent=first_agent, **values).execution_options(synchronize_session=False))
    executor.execute(delete(ReplyDayRow).execution_options(synchronize_session=False))
    counted: Counter[tuple[Any, ...]] = Counter()
    for agent, sent_at, channel, created, first_response, source, length, distance in executor.execute(
            _shown_replies()):
        seconds = (first_response - created).total_seconds() if first_response == sent_at else None
        counted[_day_key(agent, sent_at, channel, seconds, source, length, distance)] += 1
    _add_days(executor, counted)
