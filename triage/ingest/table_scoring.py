"""Intent, topic, urgency, priority and reasons for the rows of a file (``python -m triage classify``).

The rows go through the same code as ingested mentions: the same spam rules on the
intent, the same incident grouping and ``triage.ingest.pipeline.prioritize``. So a file scored
here and the same file imported into the dashboard get the same priority at the same
moment. Optional columns used when present: ``channel``, ``followers``, ``verified``,
``author``, ``created_at``, ``rating``, ``parent_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triage.ingest.pipeline import prioritize
from triage.models.intent import IntentResult, apply_spam_rules
from triage.ranking.incidents import find_groups
from triage.ranking.priority import PriorityWeights
from triage.records import SentimentScores, as_utc
from triage.tables.mentions import _bool, _int, parse_time

SCORE_COLUMNS: tuple[str, ...] = ("intent", "topic", "urgency", "priority", "reasons")


@dataclass
class FileItem:
    """A file row with the fields the scorer reads from a stored mention."""

    text: str
    channel: str = "file"
    external_id: str = ""
    author_handle: str = ""
    author_followers: int = 0
    author_verified: bool = False
    created_at: datetime | None = None
    rating: int | None = None
    parent_id: str | None = None
    status: str = "new"
    p_negative: float | None = None
    p_positive: float | None = None
    p_anger: float | None = None
    intent: str | None = None
    topic: str | None = None
    not_spam: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


def _author(row: dict[str, Any]) -> tuple[str, int, bool]:
    author = row.get("author")
    if isinstance(author, dict):
        handle = str(author.get("handle") or author.get("username") or "")
        followers = _int(author.get("followers"), "followers", 0) or 0
        return handle.strip().lstrip("@"), followers, _bool(author.get("verified"))
    return (str(author or "").strip().lstrip("@"), _int(row.get("followers"), "followers", 0) or 0,
            _bool(row.get("verified")))


def file_item(row: dict[str, Any], text: str, now: datetime, index: int) -> FileItem:
    """A scorable item from a file row; bad optional values raise ``ValueError`` naming the column."""
    handle, followers, verified = _author(row)
    created = row.get("created_at")
    rating = _int(row.get("rating"), "rating")
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1-5, not {rating}")
    return FileItem(
        text=text, channel=str(row.get("channel") or "").strip() or "file",
        external_id=str(row.get("id") or index), author_handle=handle, author_followers=followers,
        author_verified=verified, created_at=as_utc(parse_time(created)) if str(created or "").strip() else now,
        rating=rating, parent_id=str(row.get("parent_id") or "").strip() or None, raw=dict(row),
    )


def score_items(
    items: Sequence[FileItem], scores: Sequence[SentimentScores], intents: Sequence[IntentResult],
    now: datetime, weights: PriorityWeights | None = None,
) -> list[dict[str, Any]]:
    """The added columns for each item: intent, topic, urgency (0-1), priority (0-100), reasons."""
    for item, s, result in zip(items, scores, intents):
        item.p_negative, item.p_positive = s.p_negative, s.p_positive
        item.p_anger = getattr(s, "p_anger", None)
        final = apply_spam_rules(result, item.text, item.author_handle, item.author_followers)
        item.intent, item.topic = final.intent, final.topic
    sizes = [0] * len(items)
    for group in find_groups(items):
        for index in group:
            sizes[index] = len(group)
    out = []
    for item, (priority, text_urgency) in zip(items, prioritize(items, now, weights, sizes)):
        out.append({
            "intent": item.intent, "topic": item.topic or "", "urgency": text_urgency, "priority": priority.score,
            "reasons": "; ".join(r.phrase for r in priority.reasons if r.points >= 0),
        })
    return out
