"""Priority 0-100 with the reasons that produced it.

Each reason is a short phrase for the agent and the points it added. Priority depends
on the text's classification (stored) and on time (waiting grows), so it can be
recomputed at any moment without classifying again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from triage.records import OPEN_STATUSES, Priority, Reason, as_utc
from triage.signals import detect, looks_like_spam

# Hours within which a channel's customers expect a first answer.
DEFAULT_SLA_HOURS: dict[str, float] = {
    "x": 1.0, "bluesky": 2.0, "mastodon": 2.0, "reddit": 4.0,
    "appstore": 24.0, "googleplay": 24.0, "rss": 24.0, "file": 8.0,
}


@dataclass
class PriorityWeights:
    """Points per signal; documented defaults, overridable in configuration."""

    negative: float = 30.0
    money: float = 18.0
    safety: float = 30.0
    account_takeover: float = 22.0
    churn_legal: float = 14.0
    public_escalation: float = 10.0
    time_pressure: float = 8.0
    waiting_max: float = 20.0
    reach_max: float = 14.0
    verified: float = 6.0
    low_rating: float = 12.0
    repeat_per_message: float = 7.0
    repeat_max: float = 21.0
    positive_discount: float = 10.0
    sla_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))


class Scorable(Protocol):
    channel: str
    text: str
    created_at: datetime
    status: str
    author_followers: int
    author_verified: bool
    rating: int | None
    p_negative: float | None
    p_positive: float | None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _compact(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 1000:
        return f"{n / 1000:.0f}k" if n >= 10_000 else f"{n / 1000:.1f}k".replace(".0k", "k")
    return str(n)


def _hours(h: float) -> str:
    if h < 1:
        return f"{max(1, round(h * 60))} min"
    if h < 48:
        return f"{h:.0f} h"
    return f"{h / 24:.0f} days"


def score(
    mention: Scorable,
    now: datetime,
    earlier_unanswered: int = 0,
    days_span: float = 0.0,
    weights: PriorityWeights | None = None,
) -> Priority:
    """Priority of ``mention`` at ``now``.

    ``earlier_unanswered`` counts the same author's earlier open mentions on the channel,
    over ``days_span`` days (repeat contact).
    """
    w = weights or PriorityWeights()
    text = mention.text or ""
    if looks_like_spam(text):
        return Priority(0, (Reason("looks like spam", 0.0),))

    reasons: list[Reason] = []
    p_negative = mention.p_negative or 0.0
    if p_negative >= 0.4:
        reasons.append(Reason("negative sentiment", w.negative * p_negative))
    for signal in detect(text):
        reasons.append(Reason(signal.phrase, getattr(w, signal.name)))

    if mention.status in OPEN_STATUSES:
        sla = w.sla_hours.get(mention.channel, 8.0)
        waited = max(0.0, (as_utc(now) - as_utc(mention.created_at)).total_seconds() / 3600)
        if waited >= sla * 0.5:
            points = w.waiting_max * min(1.0, waited / (sla * 4))
            reasons.append(Reason(f"waiting {_hours(waited)}, SLA {_hours(sla)}", points))

    followers = int(mention.author_followers or 0)
    if followers >= 1000:
        points = min(w.reach_max, w.reach_max * math.log10(followers / 1000 + 1) / 2)
        reasons.append(Reason(f"{_compact(followers)} followers", points))
    if mention.author_verified:
        reasons.append(Reason("verified account", w.verified))
    if mention.rating is not None and mention.rating <= 2:
        reasons.append(Reason(f"{mention.rating}-star review", w.low_rating * (3 - mention.rating) / 2))
    if earlier_unanswered > 0:
        nth = earlier_unanswered + 1
        span = f" in {max(1, math.ceil(days_span))} days" if days_span >= 1 else " today"
        points = min(w.repeat_max, w.repeat_per_message * earlier_unanswered)
        reasons.append(Reason(f"{_ordinal(nth)} message{span}", points))

    total = sum(r.points for r in reasons)
    if (mention.p_positive or 0.0) >= 0.6:
        total -= w.positive_discount * (mention.p_positive or 0.0)
    reasons.sort(key=lambda r: r.points, reverse=True)
    return Priority(max(0, min(100, round(total))), tuple(reasons))
