"""Reports: the unanswered-complaints export and the manager's trends.

The CLI (``python -m triage export``) and the dashboard call these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select

from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.records import OPEN_STATUSES, SENTIMENTS, as_utc, utcnow

UNANSWERED_COLUMNS: tuple[str, ...] = (
    "channel", "url", "author", "text", "created_at", "age_hours", "priority", "top_reason", "status", "id",
)
AGE_BUCKETS: tuple[tuple[str, float], ...] = (("<1 h", 1), ("1-4 h", 4), ("4-24 h", 24), (">1 day", float("inf")))


def age_bucket(hours: float) -> str:
    for name, limit in AGE_BUCKETS:
        if hours < limit:
            return name
    return AGE_BUCKETS[-1][0]


def unanswered(store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """Negative mentions nobody has answered yet (open, no first response), oldest first."""
    now = as_utc(now or utcnow())
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
        rows = list(session.scalars(query))
    return [
        {
            "id": row.id,
            "channel": row.channel,
            "url": row.url,
            "author": row.author_handle,
            "text": row.text,
            "created_at": row.created_at.isoformat(timespec="seconds"),
            "age_hours": round((now - row.created_at).total_seconds() / 3600, 1),
            "priority": row.priority,
            "top_reason": (row.reasons or [{}])[0].get("phrase", "") if row.reasons else "",
            "status": row.status,
        }
        for row in rows
    ]


def unanswered_csv(store: Store, now: datetime | None = None) -> str:
    """The unanswered report as CSV text (for a download button)."""
    frame = pd.DataFrame(unanswered(store, now), columns=list(UNANSWERED_COLUMNS))
    return frame.to_csv(index=False)


@dataclass
class Trends:
    daily_sentiment: pd.DataFrame  # index: day; columns: negative, neutral, positive
    negative_share: pd.Series  # index: day; share of negative mentions, 0-1
    by_channel: pd.DataFrame  # index: day; one column per channel
    response_hours: pd.Series  # index: day the mention came in; median hours to first response
    median_response_hours: float | None
    unanswered_by_age: pd.Series  # index: age bucket; count of unanswered complaints
    total: int


def trends(store: Store, now: datetime | None = None, days: int = 30) -> Trends:
    """Volume, sentiment and response-time figures over the last ``days`` days."""
    now = as_utc(now or utcnow())
    since = now - timedelta(days=days)
    columns = (MentionRow.created_at, MentionRow.channel, MentionRow.sentiment, MentionRow.first_response_at)
    with store.session() as session:
        records = session.execute(select(*columns).where(MentionRow.created_at >= since)).all()
    frame = pd.DataFrame(records, columns=["created_at", "channel", "sentiment", "first_response_at"])
    day_index = pd.Index(pd.date_range((now - timedelta(days=days - 1)).date(), now.date(), freq="D").date, name="day")
    if frame.empty:
        empty = pd.DataFrame(0, index=day_index, columns=list(SENTIMENTS))
        return Trends(empty, pd.Series(0.0, index=day_index), pd.DataFrame(index=day_index),
                      pd.Series(dtype=float), None, _bucket_counts(store, now), 0)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["day"] = frame["created_at"].dt.date
    frame["sentiment"] = frame["sentiment"].fillna("unclassified")
    daily = frame.pivot_table(index="day", columns="sentiment", values="channel", aggfunc="count", fill_value=0)
    daily = daily.reindex(index=day_index, columns=list(SENTIMENTS), fill_value=0)
    totals = daily.sum(axis=1)
    share = (daily["negative"] / totals.where(totals > 0)).fillna(0.0)
    by_channel = frame.pivot_table(index="day", columns="channel", values="sentiment", aggfunc="count", fill_value=0)
    by_channel = by_channel.reindex(index=day_index, fill_value=0)
    answered = frame.dropna(subset=["first_response_at"]).copy()
    if answered.empty:
        response = pd.Series(dtype=float, name="median hours")
        median = None
    else:
        answered["first_response_at"] = pd.to_datetime(answered["first_response_at"], utc=True)
        answered["hours"] = (answered["first_response_at"] - answered["created_at"]).dt.total_seconds() / 3600
        response = answered.groupby("day")["hours"].median().reindex(day_index)
        median = float(answered["hours"].median())
    return Trends(daily, share, by_channel, response, median, _bucket_counts(store, now), len(frame))


def _bucket_counts(store: Store, now: datetime) -> pd.Series:
    counts = {name: 0 for name, _ in AGE_BUCKETS}
    for row in unanswered(store, now):
        counts[age_bucket(row["age_hours"])] += 1
    return pd.Series(counts, name="unanswered complaints")


def suggestion_acceptance(store: Store, now: datetime | None = None, days: int = 30) -> pd.DataFrame:
    """Replies sent in the last ``days`` days by the suggestion they started from: how many,
    how many were sent with at most 10% edited, and that share (rows: history, faq, template,
    generated, none = written from scratch, all = every reply that started from a suggestion)."""
    from triage.db.schema import ReplyRow
    from triage.evaluation.metrics import suggestion_acceptance as acceptance

    since = as_utc(now or utcnow()) - timedelta(days=days)
    query = select(ReplyRow.suggestion_source, ReplyRow.suggestion_text, ReplyRow.edit_distance).where(
        ReplyRow.sent_at >= since)
    with store.session() as session:
        rows = [(source, text, distance) for source, text, distance in session.execute(query).all()]
    figures = acceptance(rows)
    order = [s for s in ("history", "faq", "template", "generated", "none", "all") if s in figures]
    frame = pd.DataFrame([figures[s] for s in order], index=pd.Index(order, name="source"),
                         columns=["replies", "accepted", "share"])
    return frame.astype({"replies": int, "accepted": int})
