"""Claiming the stored mentions that still wait for classification, so workers can share them.

A mention is *pending* while its sentiment, its intent or its tone profile is missing
(``sentiment`` is NULL from the moment it is stored, and again when its text changes).
Nothing else marks it: a process killed after storing leaves its mentions pending, and the
next worker (``python -m triage worker``, ``listen``, ``import`` or the dashboard on SQLite)
takes them.

``claim_pending`` hands out one batch:

- **PostgreSQL**: one transaction locks up to ``limit`` pending mentions with
  ``SELECT … FOR UPDATE SKIP LOCKED`` (rows another worker holds are skipped, never waited
  for); the results are written in that same transaction and committed when the block ends.
  Any number of workers on any number of machines never take the same mention; a worker that
  dies mid-batch rolls back and its mentions are pending again for the others.
- **SQLite** (one writer): the rows are read in a short transaction, the models run outside
  any transaction, the results are written in a second short one. One worker at a time (the
  dashboard's or ``listen``'s in-process one); a second one would only repeat work.

``ranking_lock`` serialises the ranking step (incidents, priorities) between PostgreSQL workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text, update
from sqlalchemy.orm import Session

from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.records import SentimentScores

# Any 64-bit number unique to Ascolto: the PostgreSQL advisory lock held while one worker ranks.
RANKING_LOCK_KEY = 0x5472696167655F52  # "TriageR"


def pending_condition() -> ColumnElement[bool]:
    """The SQL condition of a pending mention: no sentiment, no intent or no tone profile yet."""
    return or_(MentionRow.sentiment.is_(None), MentionRow.intent.is_(None), MentionRow.tone.is_(None))


def shares_work(store: Store) -> bool:
    """Whether workers on this database can share the pending mentions (PostgreSQL: ``SKIP LOCKED``)."""
    return store.engine.dialect.name == "postgresql"


def pending_count(store: Store) -> int:
    """How many mentions are pending now."""
    with store.session() as session:
        return int(session.scalar(select(func.count(MentionRow.id)).where(pending_condition())) or 0)


def has_pending(store: Store) -> bool:
    """Whether any mention is pending (stops at the first one found)."""
    with store.session() as session:
        return session.scalar(select(MentionRow.id).where(pending_condition()).limit(1)) is not None


@dataclass
class Classified:
    """What a worker found for one mention; ``None`` fields are left as stored.

    ``intent_set`` says the intent and topic were decided (a spam intent has no topic); ``risks``
    are the named risks in their stored form (``triage.text.signals.risks_value``).
    """

    scores: SentimentScores | None = None
    classified_by: str | None = None
    language: str | None = None
    intent: str | None = None
    topic: str | None = None
    intent_set: bool = False
    tone: dict[str, Any] | None = None
    risks: str | None = None
    model_version: str | None = None  # the model versions that classified it (registry.version_label)
    p_urgent: float | None = None  # the learned urgency head's probability (None: left as stored)

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.model_version:
            values["model_version"] = self.model_version
        if self.scores is not None:
            values.update(sentiment=self.scores.label, p_negative=self.scores.p_negative,
                          p_neutral=self.scores.p_neutral, p_positive=self.scores.p_positive,
                          p_anger=self.scores.p_anger, p_offensive=self.scores.p_offensive,
                          classified_by=self.classified_by)
        if self.language:
            values["language"] = self.language
        if self.intent_set:
            values.update(intent=self.intent, topic=self.topic)
        if self.tone is not None:
            values["tone"] = self.tone
        if self.risks is not None:
            values["risks"] = self.risks
        if self.p_urgent is not None:
            values["p_urgent"] = self.p_urgent
        return values


def _write(session: Session, results: dict[int, Classified], texts: dict[int, str] | None = None) -> None:
    """``texts``: only write where the text is still the one classified (SQLite: nothing held the rows)."""
    for mention_id, result in results.items():
        values = result.values()
        if values:
            statement = update(MentionRow).where(MentionRow.id == mention_id)
            if texts is not None and mention_id in texts:
                statement = statement.where(MentionRow.text == texts[mention_id])
            session.execute(statement.values(**values))


@dataclass
class PendingBatch:
    """Claimed pending mentions (``rows``, by id); ``save`` writes what the worker found for them."""

    rows: list[MentionRow]
    _store: Store
    _session: Session | None = None  # PostgreSQL: the transaction holding the rows' locks
    saved: dict[int, Classified] = field(default_factory=dict)

    def save(self, results: dict[int, Classified]) -> None:
        """Write the results (PostgreSQL: committed with the claim when its block ends)."""
        if self._session is not None:
            _write(self._session, results)
        else:  # a repeat with new text stored meanwhile cleared the row: it stays pending for the next batch
            with self._store.session() as session:
                _write(session, results, {row.id: row.text for row in self.rows})
        self.saved.update(results)


@contextmanager
def claim_pending(store: Store, limit: int) -> Iterator[PendingBatch]:
    """Up to ``limit`` pending mentions no other worker holds, oldest id first (see the module's notes).

    Yields an empty batch when nothing is left to take. An exception inside the block rolls the
    batch back: its mentions stay pending.
    """
    query = select(MentionRow).where(pending_condition()).order_by(MentionRow.id).limit(max(1, limit))
    if shares_work(store):
        with store.session() as session:
            rows = list(session.scalars(query.with_for_update(skip_locked=True)))
            yield PendingBatch(rows, store, session)
        return
    with store.session() as session:
        rows = list(session.scalars(query))
    yield PendingBatch(rows, store)


@contextmanager
def ranking_lock(store: Store) -> Iterator[None]:
    """Held while incidents and priorities are recomputed: one PostgreSQL worker at a time (no-op on SQLite)."""
    if not shares_work(store):
        yield
        return
    with store.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": RANKING_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": RANKING_LOCK_KEY})
            connection.commit()
