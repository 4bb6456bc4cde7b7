"""Plain records passed between listeners, the store, the classifiers and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

STATUSES: tuple[str, ...] = ("new", "in_progress", "sending", "needs_review", "replied", "escalated", "ignored",
                             "closed")
# Open: still waiting for an answer. ``sending``: a reply is being posted (the sender holds the mention);
# ``needs_review``: a crash left it unknown whether a reply went out, a person checks the platform.
OPEN_STATUSES: tuple[str, ...] = ("new", "in_progress", "sending", "needs_review", "escalated")
KINDS: tuple[str, ...] = ("post", "reply", "review")
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
MAX_CHANNEL_CHARS = 32  # the width of mentions.channel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Author:
    handle: str
    display_name: str = ""
    followers: int = 0
    verified: bool = False


@dataclass
class Mention:
    """One post, comment or review that talks about the brand, as a listener saw it."""

    channel: str
    external_id: str
    text: str
    author: Author
    created_at: datetime
    url: str = ""
    language: str | None = None
    kind: str = "post"
    parent_id: str | None = None
    rating: int | None = None
    app_version: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    fetched_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if not self.channel:
            raise ValueError("a mention needs a channel")
        if len(self.channel) > MAX_CHANNEL_CHARS:
            raise ValueError(f"channel '{self.channel[:40]}' is longer than {MAX_CHANNEL_CHARS} characters")
        if not str(self.external_id).strip():
            raise ValueError("a mention needs an id")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.rating is not None and not 1 <= int(self.rating) <= 5:
            raise ValueError(f"rating must be 1-5, not {self.rating!r}")
        self.external_id = str(self.external_id)
        self.created_at = as_utc(self.created_at)
        self.fetched_at = as_utc(self.fetched_at)


@dataclass(frozen=True)
class SentimentScores:
    """Sentiment probabilities, plus anger and offensive-language probabilities when the model has them."""

    p_negative: float
    p_neutral: float
    p_positive: float
    p_anger: float | None = None
    p_offensive: float | None = None

    @property
    def label(self) -> str:
        probs = (self.p_negative, self.p_neutral, self.p_positive)
        return SENTIMENTS[max(range(3), key=probs.__getitem__)]


@dataclass(frozen=True)
class Reason:
    """One reason for a mention's priority, as a short phrase and its points."""

    phrase: str
    points: float

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "points": round(self.points, 1)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(phrase=str(data["phrase"]), points=float(data["points"]))


@dataclass(frozen=True)
class Priority:
    score: int
    reasons: tuple[Reason, ...]

    @property
    def top_reason(self) -> str:
        return self.reasons[0].phrase if self.reasons else ""
