"""Complaints, defined once: what the unanswered-complaints report, the Trends figures and the
dashboard's download all count.

A complaint is a mention that is open, has no first response, and either its final intent is
complaint (``triage.ranking.intent.final_intent``, stored at classification) or it carries a
named risk (money, safety, account takeover, churn/legal: ``mentions.risks``), whatever its
sentiment; spam never is. Negative posts that are not complaints (an angry news item, a
disappointed review of a feature) are counted apart, under their own label. The SQL is in
``triage.db.complaints`` and reads the partial index ``ix_mentions_open_complaints``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from triage.db.complaints import complaints_newer_than, negative_not_complaints_newer_than, open_complaints
from triage.db.reporting import MentionFilter
from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.records import as_utc, utcnow

AGE_BUCKETS: tuple[tuple[str, float], ...] = (("<1 h", 1), ("1-4 h", 4), ("4-24 h", 24), (">1 day", float("inf")))
COMPLAINTS_LABEL = "unanswered complaints"
NEGATIVE_NOT_COMPLAINTS_LABEL = "negative, not complaints"


def age_bucket(hours: float) -> str:
    for name, limit in AGE_BUCKETS:
        if hours < limit:
            return name
    return AGE_BUCKETS[-1][0]


def unanswered_complaints(store: Store, since: datetime | None = None, where: MentionFilter | None = None,
                          ) -> list[MentionRow]:
    """The complaints (see the module), posted since ``since`` when given, oldest first; ``where``: the
    filters of the page a download is on."""
    return open_complaints(store, since, where)


@dataclass(frozen=True)
class ComplaintCounts:
    """Complaints and the negative posts that are not complaints, by age bucket (``AGE_BUCKETS``)."""

    complaints: pd.Series  # index: age bucket
    negative_not_complaints: pd.Series  # index: age bucket


def _buckets(cumulative: Sequence[int], name: str) -> pd.Series:
    """Counts per bucket from [total, newer than each bucket's limit…] (one query's answer)."""
    total, newer = cumulative[0], list(cumulative[1:])
    running = [*newer, total]
    counts = {label: running[i] - (running[i - 1] if i else 0) for i, (label, _) in enumerate(AGE_BUCKETS)}
    return pd.Series(counts, name=name)


def complaint_counts(store: Store, now: datetime | None = None, since: datetime | None = None) -> ComplaintCounts:
    """Complaints and negative non-complaints posted since ``since`` (all when ``None``), by age at ``now``,
    counted in SQL (ages as the report rounds them: 0.1 h)."""
    now = as_utc(now or utcnow())
    # age_hours is rounded to 0.1 h, so a post is "< limit" while its age is under limit - 0.05 h
    bounds = [now - timedelta(hours=limit - 0.05) for _, limit in AGE_BUCKETS[:-1]]
    return ComplaintCounts(
        _buckets(complaints_newer_than(store, bounds, since), COMPLAINTS_LABEL),
        _buckets(negative_not_complaints_newer_than(store, bounds, since), NEGATIVE_NOT_COMPLAINTS_LABEL),
    )
