"""One-click corrections: an agent fixes sentiment, intent, topic or urgency, or marks a reason wrong.

Each correction is stored (who, when, old value, new value, the model version that made the
old one; ``triage.db.corrections``), wins over the models from then on (``mentions.overrides``),
and applies to the mention's priority at once. The same labels can be set on many rows from
the queue (``correct_many``) or loaded from a file (``triage.ingest.labels``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from triage.access.roles import Who, name_of, require
from triage.db import corrections as db
from triage.db.corrections import Label
from triage.db.store import Store
from triage.errors import UsageError
from triage.models.intent import INTENTS, TOPICS
from triage.ranking.refresh import refresh_priorities
from triage.records import utcnow

SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
CHOICES: dict[str, tuple[str, ...]] = {"sentiment": SENTIMENTS, "intent": INTENTS, "topic": TOPICS,
                                       "urgent": ("1", "0")}


def labels_from(sentiment: str | None = None, intent: str | None = None, topic: str | None = None,
                urgent: bool | None = None, wrong_reason: str | None = None) -> list[Label]:
    """The labels given (None: not given), checked against the allowed values."""
    given = {"sentiment": sentiment, "intent": intent, "topic": topic,
             "urgent": None if urgent is None else ("1" if urgent else "0")}
    labels = []
    for field, value in given.items():
        if value is None:
            continue
        value = value.strip().lower()
        if value not in CHOICES[field]:
            raise UsageError(f"{field} '{value}' is not one of {', '.join(CHOICES[field])}")
        labels.append(Label(field, value))
    if wrong_reason:
        labels.append(Label("reason", wrong_reason.strip()))
    if not labels:
        raise UsageError("nothing to correct: give a sentiment, intent, topic, urgency or a wrong reason")
    return labels


def correct(store: Store, mention_id: int, who: Who, labels: Sequence[Label], now: datetime | None = None,
            source: str = "agent") -> list[int]:
    """Store ``labels`` for the mention as ``who``'s correction and rescore it now; the correction ids."""
    actor = require(who, "work_queue")
    ids = db.record(store, mention_id, labels, name_of(actor), now or utcnow(), source)
    refresh_priorities(store, now=now)
    return ids


def correct_many(store: Store, mention_ids: Iterable[int], who: Who, labels: Sequence[Label],
                 now: datetime | None = None) -> int:
    """The queue's bulk action: the same labels on every selected mention; how many were corrected."""
    actor = require(who, "work_queue")
    done = db.record_many(store, mention_ids, labels, name_of(actor), now or utcnow(), "bulk")
    refresh_priorities(store, now=now)
    return done


def confirm_audit_pick(store: Store, mention_id: int, who: Who, labels: Sequence[Label],
                       now: datetime | None = None) -> None:
    """A sampled mention checked: its labels as the person sees them (the same values confirm the model)."""
    actor = require(who, "work_queue")
    db.confirm_pick(store, mention_id, labels, name_of(actor), now or utcnow())
    refresh_priorities(store, now=now)
