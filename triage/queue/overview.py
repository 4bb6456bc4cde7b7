"""Volume, sentiment and open complaints over any period, with the previous period for comparison."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from triage.db.reporting import AGE_BUCKET_HOURS, EVERYTHING, MentionFilter, mention_volume, open_complaints_by_age
from triage.db.store import Store
from triage.queue.figures import percent
from triage.queue.period import Period
from triage.records import SENTIMENTS, as_utc, utcnow

AGE_ORDER: tuple[str, ...] = tuple(name for name, _ in AGE_BUCKET_HOURS)
"""<1 h, 1-4 h, 4-24 h, >1 day: the order every table and chart shows the age buckets in."""


@dataclass
class Volume:
    daily_sentiment: pd.DataFrame  # index: day (every day of the period); columns: negative, neutral, positive
    by_channel: pd.DataFrame  # index: day; one column per channel, largest first
    total: int
    negative: int

    @property
    def negative_pct(self) -> float | None:
        return percent(self.negative, self.total)


def volume(store: Store, period: Period, where: MentionFilter = EVERYTHING) -> Volume:
    """Mentions per day by sentiment and by channel (one GROUP BY)."""
    start, end = period.bounds()
    counts = pd.DataFrame(mention_volume(store, start, end, where), columns=["day", "channel", "sentiment", "n"])
    days = pd.Index(period.day_index(), name="day")
    if counts.empty:
        return Volume(pd.DataFrame(0, index=days, columns=list(SENTIMENTS)), pd.DataFrame(index=days), 0, 0)
    counts["day"] = pd.to_datetime(counts["day"]).dt.date
    counts["sentiment"] = counts["sentiment"].fillna("unclassified")
    daily = counts.pivot_table(index="day", columns="sentiment", values="n", aggfunc="sum", fill_value=0)
    daily = daily.reindex(index=days, columns=list(SENTIMENTS), fill_value=0).astype(int)
    channels = counts.groupby("channel")["n"].sum().sort_values(ascending=False, kind="stable")
    by_channel = counts.pivot_table(index="day", columns="channel", values="n", aggfunc="sum", fill_value=0)
    by_channel = by_channel.reindex(index=days, columns=list(channels.index), fill_value=0).astype(int)
    by_channel.columns.name = None
    daily.columns.name = None
    return Volume(daily, by_channel, int(counts["n"].sum()), int(daily["negative"].sum()))


@dataclass
class OpenComplaints:
    by_age: pd.Series  # index: AGE_ORDER (every bucket, in order); open unanswered complaints
    by_owner: pd.DataFrame  # index: owner; columns: AGE_ORDER then total

    @property
    def total(self) -> int:
        return int(self.by_age.sum())


def open_complaints(store: Store, now: datetime | None = None, where: MentionFilter = EVERYTHING,
                    owners: Sequence[str] | None = None, period: Period | None = None) -> OpenComplaints:
    """Complaints still unanswered now (``triage.queue.complaints``' definition), posted in ``period`` when
    given, by age bucket (in order) and by owner."""
    rows = pd.DataFrame(open_complaints_by_age(store, as_utc(now or utcnow()), where, owners,
                                               period.bounds() if period else None),
                        columns=["bucket", "owner", "n"])
    by_age = rows.groupby("bucket")["n"].sum().reindex(list(AGE_ORDER), fill_value=0).astype(int)
    by_age.index.name = "age"
    by_age.name = "open complaints"
    by_owner = rows.pivot_table(index="owner", columns="bucket", values="n", aggfunc="sum", fill_value=0)
    by_owner = by_owner.reindex(columns=list(AGE_ORDER), fill_value=0).astype(int)
    by_owner["total"] = by_owner.sum(axis=1)
    by_owner = by_owner.sort_values("total", ascending=False, kind="stable")
    by_owner.columns.name = None
    by_owner.index.name = "owner"
    return OpenComplaints(by_age, by_owner)
