"""Reports: the unanswered-complaints export and the manager's trends.

Suggestion acceptance, the third report, is in ``triage.queue.acceptance``.

The CLI (``python -m triage export``) and the dashboard call these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from triage.db.reporting import (
    trend_records,
    unanswered_negative,
    unanswered_negative_count,
    unanswered_negative_since,
)
from triage.db.store import Store
from triage.records import SENTIMENTS, as_utc, utcnow

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
    rows = unanswered_negative(store)
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
    records = trend_records(store, since)
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
    """Unanswered complaints per age bucket, counted in SQL (ages as ``unanswered`` rounds them)."""
    limits = [limit for _, limit in AGE_BUCKETS[:-1]]
    # age_hours is rounded to 0.1 h, so a post is "< limit" while its age is under limit - 0.05 h
    newer = unanswered_negative_since(store, [now - timedelta(hours=limit - 0.05) for limit in limits])
    total = unanswered_negative_count(store)
    cumulative = [*newer, total]
    counts = {name: cumulative[i] - (cumulative[i - 1] if i else 0) for i, (name, _) in enumerate(AGE_BUCKETS)}
    return pd.Series(counts, name="unanswered complaints")

