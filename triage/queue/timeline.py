"""A customer's timeline: the selected mention, the author's earlier mentions on the channel, and our replies.

The queue's detail view shows it as a table; every line is a record with its time, so the
caller formats ages as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triage.db.store import Store


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: a mention by the customer (with its status) or one of our replies."""

    at: datetime
    who: str  # "@handle", or "our reply (agent)"
    text: str
    status: str = ""  # the mention's status; "" for a reply
    mention_id: int | None = None  # the mention this line is, or answers
    is_reply: bool = False


@dataclass(frozen=True)
class CustomerTimeline:
    earlier: int  # how many earlier mentions the author has on this channel
    entries: list[TimelineEntry]


def customer_timeline(store: Store, mention_id: int, limit: int = 50) -> CustomerTimeline:
    """The mention, then the author's earlier mentions (newest first, at most ``limit``).

    Each is followed by our replies to it."""
    mention = store.get(mention_id)
    history = store.author_history(mention, limit=limit)
    replies = store.replies_for([mention.id] + [h.id for h in history])
    entries = []
    for item in [mention] + history:
        entries.append(TimelineEntry(item.created_at, f"@{item.author_handle}", item.text, item.status, item.id))
        for answer in replies.get(item.id, []):
            entries.append(TimelineEntry(answer.sent_at, f"our reply ({answer.agent})", answer.text, "", item.id,
                                         is_reply=True))
    return CustomerTimeline(len(history), entries)
