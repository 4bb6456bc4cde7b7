"""From stored mention to ranked queue item: classify sentiment and intent, profile the tone,
group incidents, score priority.

Storing and classifying are separate steps. ``store_mentions`` only stores; whatever is
stored and not classified yet is *pending* (``triage.db.claims``), and ``drain_pending``
(run by ``python -m triage worker``, by ``listen`` and ``import`` in-process, by the
dashboard on SQLite) takes pending mentions in batches, classifies each batch and commits it,
then ranks once. A process killed at any point leaves its mentions pending, never lost.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from triage.db.claims import Classified, claim_pending, pending_count, ranking_lock
from triage.db.schema import MentionRow
from triage.db.store import RefusedMention, Store, UpsertResult
from triage.models.analysis import analyse
from triage.models.intent import IntentModel, IntentResult, load_intent_model
from triage.models.registry import version_label
from triage.models.sentiment import SentimentModel
from triage.ranking.incidents import assign_incidents
from triage.ranking.intent import final_result, intent_of
from triage.ranking.priority import PriorityWeights
from triage.ranking.refresh import refresh_priorities
from triage.records import Mention, SentimentScores
from triage.replies.tone import profile
from triage.text.language import detect_language
from triage.text.signals import parse_risks, post_risks, risks_value

log = logging.getLogger("triage.ingest.pipeline")

Progress = Callable[[int, int], None]
StopRequested = Callable[[], bool]

DEFAULT_BATCH = 64  # mentions per claimed batch: one model call, one commit


@dataclass
class IngestResult:
    inserted: int
    updated: int
    classified: int
    refused: list[RefusedMention] = field(default_factory=list)  # rows the database would not store


@dataclass
class _Reading:
    """A mention's fields as the worker has just classified them (what ``intent_of`` reads)."""

    text: str
    intent: str | None
    sentiment: str | None
    p_negative: float | None
    author_handle: str
    author_followers: int
    not_spam: bool
    risks: str | None
    channel: str


def store_mentions(store: Store, mentions: Iterable[Mention]) -> UpsertResult:
    """Store mentions (idempotently, by channel and platform id); they stay pending until a worker runs."""
    return store.upsert_mentions(mentions)


def classify_rows(
    rows: Sequence[MentionRow], model: SentimentModel, intent_model: IntentModel, batch_size: int = DEFAULT_BATCH,
    refresh: bool = False,
) -> dict[int, Classified]:
    """Sentiment, language, intent, topic, named risks and tone profile of each row, by id; only what is
    missing is predicted (``refresh``: everything, as after a model promotion).

    A row that needs both sentiment and intent (a new mention) gets them from one encoder pass
    (``triage.models.analysis.analyse``); a row that lacks only one asks that model alone. The
    named risks are the keyword signals with the learned risks of that pass where the analysis
    has them (``Analysis.risks``), else with those stored before (``triage.text.signals.post_risks``).
    A label a person set (``overrides``) wins over the models: it is applied again to what they say.
    """
    version = version_label(model, intent_model)
    need_both = [row for row in rows if refresh or (row.sentiment is None and row.intent is None)]
    need_sentiment = [row for row in rows if row.sentiment is None and row.intent is not None]
    need_intent = [row for row in rows if row.intent is None and row.sentiment is not None]
    scores: dict[int, SentimentScores] = {}
    intents: dict[int, IntentResult] = {}
    learned: dict[int, tuple[str, ...]] = {}
    p_urgent: dict[int, float | None] = {}
    if need_both:
        analysed = analyse([row.text for row in need_both], model, intent_model, batch_size=batch_size)
        for row, analysis in zip(need_both, analysed):
            scores[row.id], intents[row.id] = analysis.sentiment, analysis.intent
            learned[row.id] = tuple(getattr(analysis, "risks", None) or ())
            p_urgent[row.id] = getattr(analysis, "p_urgent", None)
    if need_sentiment:
        scores.update(zip((row.id for row in need_sentiment),
                          model.predict([row.text for row in need_sentiment], batch_size=batch_size)))
    if need_intent:
        intents.update(zip((row.id for row in need_intent),
                           intent_model.predict([row.text for row in need_intent], batch_size=batch_size)))
    results: dict[int, Classified] = {}
    for row in rows:
        found = Classified()
        sentiment, p_negative, intent, language = row.sentiment, row.p_negative, row.intent, row.language
        risks = row.risks
        if row.id in scores or row.id in intents or risks is None:
            kept = learned.get(row.id, parse_risks(row.risks) or ())
            found.risks = risks = risks_value(post_risks(row.text, row.channel, kept))
        overrides = row.overrides or {}
        if row.id in scores:
            found.scores, found.classified_by = with_overrides(scores[row.id], overrides), model.name
            found.language = language = row.language or detect_language(row.text)
            sentiment, p_negative = found.scores.label, found.scores.p_negative
        if row.id in intents:
            final = final_result(intents[row.id], row.text, row.author_handle, row.author_followers,
                                 parse_risks(risks))
            found.intent = overrides.get("intent") or final.intent
            found.topic = overrides.get("topic") or (final.topic if found.intent == final.intent else None)
            found.intent_set, intent = True, found.intent
        if row.id in scores or row.id in intents or row.tone is None:
            reading = _Reading(row.text, intent, sentiment, p_negative, row.author_handle or "",
                               int(row.author_followers or 0), bool(row.not_spam), risks, row.channel)
            found.tone = profile(row.text, language, p_negative or 0.0, sentiment=sentiment,
                                 intent=intent_of(reading, guess=True) or "other").to_dict()
        if row.id in scores or row.id in intents:
            found.model_version = version
        found.p_urgent = p_urgent.get(row.id)
        results[row.id] = found
    return results


def with_overrides(scores: SentimentScores, overrides: dict[str, Any]) -> SentimentScores:
    """``scores`` with the sentiment a person set (one-hot, as a correction stores it) in place of the model's."""
    label = overrides.get("sentiment")
    if label not in ("negative", "neutral", "positive"):
        return scores
    return replace(scores, p_negative=float(label == "negative"), p_neutral=float(label == "neutral"),
                   p_positive=float(label == "positive"))


def classify_batch(
    store: Store, model: SentimentModel, intent_model: IntentModel, batch_size: int = DEFAULT_BATCH
) -> int:
    """Claim one batch of pending mentions, classify it and commit it; returns how many (0: none pending)."""
    return len(_classify_claimed(store, model, intent_model, batch_size))


def _classify_claimed(store: Store, model: SentimentModel, intent_model: IntentModel, batch_size: int) -> list[int]:
    with claim_pending(store, batch_size) as batch:
        if batch.rows:
            batch.save(classify_rows(batch.rows, model, intent_model, batch_size))
        return [row.id for row in batch.rows]


def rank(store: Store, now: datetime | None = None, weights: PriorityWeights | None = None) -> None:
    """Group incidents and refresh the queue's priorities (one worker at a time on PostgreSQL)."""
    with ranking_lock(store):
        assign_incidents(store, now)
        refresh_priorities(store, now, weights)


def drain_pending(
    store: Store,
    model: SentimentModel,
    intent_model: IntentModel | None = None,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    now: datetime | None = None,
    weights: PriorityWeights | None = None,
    stop: StopRequested = lambda: False,
    rank_when_idle: bool = True,
) -> int:
    """Classify pending mentions batch by batch (each committed) until none is left or ``stop()``, then rank
    (also when nothing was pending, unless ``rank_when_idle`` is off: a polling worker's empty polls).

    Returns how many mentions this call classified. ``progress(done, total)`` counts them
    against the pending total seen at the start (more may arrive meanwhile).
    """
    intent_model = intent_model or load_intent_model()
    total = pending_count(store) if progress else 0
    done, attempts = 0, Counter[int]()
    while not stop():
        taken = _classify_claimed(store, model, intent_model, batch_size)
        if not taken:
            break
        attempts.update(taken)
        if min(attempts[i] for i in taken) > 2:  # classified twice in this call, pending again: never loop
            log.warning("mentions %s are still pending after classifying them twice; the next run retries them",
                        taken[:10])
            break
        done += len(taken)
        if progress:
            total = max(total, done)
            progress(done, total)
    if done or rank_when_idle:
        rank(store, now, weights)
    return done


def ingest(
    store: Store,
    mentions: Iterable[Mention],
    model: SentimentModel,
    progress: Progress | None = None,
    now: datetime | None = None,
    intent_model: IntentModel | None = None,
) -> IngestResult:
    """Store mentions, then run one worker in-process until nothing is pending (see ``drain_pending``).

    A mention the database refuses is listed in ``IngestResult.refused``; the others are stored.

    ``intent_model`` defaults to the shipped intent model (``triage.models.intent.load_intent_model``).
    """
    upserted = store_mentions(store, mentions)
    classified = process_new(store, model, progress, now, intent_model)
    return IngestResult(len(upserted.inserted), len(upserted.updated), classified, upserted.refused)


def process_new(
    store: Store,
    model: SentimentModel,
    progress: Progress | None = None,
    now: datetime | None = None,
    intent_model: IntentModel | None = None,
    weights: PriorityWeights | None = None,
) -> int:
    """Everything a stored mention needs before the queue shows it: ``drain_pending`` with its defaults.

    Returns how many mentions were classified.
    """
    return drain_pending(store, model, intent_model, progress=progress, now=now, weights=weights)
