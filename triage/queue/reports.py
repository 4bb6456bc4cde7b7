"""Reports: the unanswered-complaints export and the manager's trends.

Both count complaints as ``triage.queue.complaints`` defines them (open, unanswered, intent
complaint or a named risk). Suggestion acceptance, the third report, is in ``triage.queue.acceptance``.

The CLI (``python -m triage export``) and the dashboard call these same functions. The dashboard
passes ``who``, the signed-in actor: exports need a role that may ``export``, trends one that may
``see_reports`` (``AccessDenied`` otherwise); without ``who`` the caller is the local operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from triage.access.roles import Who, require
from triage.db.reporting import MentionFilter, daily_counts, response_hours
from triage.db.store import Store
from triage.queue.complaints import AGE_BUCKETS, age_bucket, complaint_counts, unanswered_complaints
from triage.records import SENTIMENTS, as_utc, utcnow
from triage.tables.cells import text_cell

__all__ = ["AGE_BUCKETS", "UNANSWERED_COLUMNS", "Trends", "age_bucket", "trends", "unanswered", "unanswered_csv"]

UNANSWERED_COLUMNS: tuple[str, ...] = (
    "channel", "url", "author", "text", "created_at", "age_hours", "priority", "top_reason", "status", "id",
    "intent", "topic", "language", "assignee",
)


def unanswered(store: Store, now: datetime | None = None, since: datetime | None = None,
               where: MentionFilter | None = None, *, who: Who | None = None) -> list[dict[str, Any]]:
    """The complaints nobody has answered yet (``triage.queue.complaints``: open, no first response, intent
    complaint or a named risk), posted since ``since`` when given, oldest first (an export); ``where``: the
    filters of the page the download is on."""
    if who is not None:
        require(who, "export")
    now = as_utc(now or utcnow())
    rows = unanswered_complaints(store, since, where)
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
            "intent": row.intent or "",
            "topic": row.topic or "",
            "language": row.language or "",
            "assignee": row.assignee or "",
        }
        for row in rows
    ]


def unanswered_csv(store: Store, now: datetime | None = None, since: datetime | None = None,
                   where: MentionFilter | None = None, *, who: Who | None = None) -> str:
    """The unanswered report as CSV text (for a download button), written as ``export --unanswered`` writes it:
    formulas neutralised, one record a line, numbers rounded the same way."""
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(UNANSWERED_COLUMNS)
    for row in unanswered(store, now, since, where, who=who):
        writer.writerow([text_cell(row.get(column)) for column in UNANSWERED_COLUMNS])
    return buffer.getvalue()


@dataclass
class Trends:
    daily_sentiment: pd.DataFrame  # index: day; columns: negative, neutral, positive
    negative_share: pd.Series  # index: day; share of negative mentions, 0-1
    by_channel: pd.DataFrame  # index: day; one column per channel
    response_hours: pd.Series  # index: day the mention came in; median hours to first response
    median_response_hours: float | None
    unanswered_by_age: pd.Series  # index: age bucket; unanswered complaints posted in the period
    total: int
    negative_not_complaints_by_age: pd.Series  # index: age bucket; unanswered negative posts, not complaints


def trends(store: Store, now: datetime | None = None, days: int = 30, *, who: Who | None = None) -> Trends:
    """Volume, sentiment and response-time figures over the last ``days`` days (from SQL aggregates)."""
    if who is not None:
        require(who, "see_reports")
    now = as_utc(now or utcnow())
    since = now - timedelta(days=days)
    ages = complaint_counts(store, now, since)
    counts = pd.DataFrame(daily_counts(store, since), columns=["day", "channel", "sentiment", "mentions"])
    day_index = pd.Index(pd.date_range((now - timedelta(days=days - 1)).date(), now.date(), freq="D").date, name="day")
    if counts.empty:
        empty = pd.DataFrame(0, index=day_index, columns=list(SENTIMENTS))
        return Trends(empty, pd.Series(0.0, index=day_index), pd.DataFrame(index=day_index),
                      pd.Series(dtype=float), None, ages.complaints, 0, ages.negative_not_complaints)
    counts["day"] = pd.to_datetime(counts["day"]).dt.date
    counts["sentiment"] = counts["sentiment"].fillna("unclassified")
    daily = counts.pivot_table(index="day", columns="sentiment", values="mentions", aggfunc="sum", fill_value=0)
    daily = daily.reindex(index=day_index, columns=list(SENTIMENTS), fill_value=0)
    totals = daily.sum(axis=1)
    share = (daily["negative"] / totals.where(totals > 0)).fillna(0.0)
    by_channel = counts.pivot_table(index="day", columns="channel", values="mentions", aggfunc="sum", fill_value=0)
    by_channel = by_channel.reindex(index=day_index, fill_value=0)
    histogram = pd.DataFrame(response_hours(store, since), columns=["day", "hours", "mentions"])
    if histogram.empty:
        response = pd.Series(dtype=float, name="median hours")
        median = None
    else:
        histogram["day"] = pd.to_datetime(histogram["day"]).dt.date
        response = (histogram.groupby("day")[["hours", "mentions"]]
                    .apply(lambda g: _weighted_median(g["hours"], g["mentions"])).reindex(day_index))
        median = _weighted_median(histogram["hours"], histogram["mentions"])
    return Trends(daily, share, by_channel, response, median, ages.complaints,
                  int(counts["mentions"].sum()), ages.negative_not_complaints)


def _weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """The median of ``values`` each repeated ``weights`` times."""
    import numpy as np

    return float(np.median(np.repeat(values.to_numpy(dtype=float), weights.to_numpy(dtype=int))))
