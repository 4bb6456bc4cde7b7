"""From stored mention to ranked queue item: classify sentiment and intent, group incidents, score priority."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.models.analysis import analyse
from triage.models.intent import IntentModel, IntentResult, load_intent_model
from triage.models.sentiment import SentimentModel
from triage.ranking.incidents import assign_incidents
from triage.ranking.intent import final_result
from triage.ranking.priority import PriorityWeights
from triage.ranking.refresh import refresh_priorities
from triage.records import Mention, SentimentScores
from triage.replies.suggest import profile_pending
from triage.text.language import detect_language

Progress = Callable[[int, int], None]


@dataclass
class IngestResult:
    inserted: int
    updated: int
    classified: int


def classify_pending(
    store: Store, model: SentimentModel, batch_size: int = 64, progress: Progress | None = None,
    intent_model: IntentModel | None = None,
) -> int:
    """Classify every stored mention that has no sentiment yet; returns how many.

    With ``intent_model``, their intent and topic come from the same call (one encoder pass
    per batch: ``triage.models.analysis.analyse``).
    """
    ids = store.unclassified_ids()
    done = 0
    chunk = max(batch_size * 4, 256)  # commit every few batches so a crash loses little work
    for start in range(0, len(ids), chunk):
        rows = store.mentions(ids[start : start + chunk])
        base = done

        def report(n: int, _total: int) -> None:
            if progress:
                progress(base + n, len(ids))  # noqa: B023 (called within this iteration)

        if intent_model is None:
            scores = model.predict([r.text for r in rows], batch_size=batch_size, progress=report)
        else:
            analysed = analyse([r.text for r in rows], model, intent_model, batch_size=batch_size, progress=report)
            scores = [a.sentiment for a in analysed]
            _save_intents(store, rows, [a.intent for a in analysed])
        results: dict[int, tuple[SentimentScores, str | None]] = {
            row.id: (s, row.language or detect_language(row.text)) for row, s in zip(rows, scores)
        }
        store.save_classifications(results, model.name)
        done += len(rows)
    return done


def classify_intents_pending(
    store: Store, model: IntentModel, batch_size: int = 64, progress: Progress | None = None
) -> int:
    """Give every stored mention without an intent its intent and complaint topic; returns how many."""
    ids = store.intent_pending_ids()
    chunk = max(batch_size * 4, 256)
    for start in range(0, len(ids), chunk):
        rows = store.mentions(ids[start : start + chunk])
        _save_intents(store, rows, model.predict([r.text for r in rows], batch_size=batch_size))
        if progress:
            progress(min(start + chunk, len(ids)), len(ids))
    return len(ids)


def _save_intents(store: Store, rows: Sequence[MentionRow], results: Sequence[IntentResult]) -> None:
    store.save_intents({
        row.id: (final.intent, final.topic)
        for row, result in zip(rows, results)
        for final in [final_result(result, row.text, row.author_handle, row.author_followers)]
    })


def ingest(
    store: Store,
    mentions: Iterable[Mention],
    model: SentimentModel,
    progress: Progress | None = None,
    now: datetime | None = None,
    intent_model: IntentModel | None = None,
) -> IngestResult:
    """Store mentions (idempotently), classify what is new, group incidents, and re-rank the queue.

    ``intent_model`` defaults to the shipped intent model (``triage.models.intent.load_intent_model``).
    """
    upserted = store.upsert_mentions(mentions)
    classified = process_new(store, model, progress, now, intent_model)
    return IngestResult(len(upserted.inserted), len(upserted.updated), classified)


def process_new(
    store: Store,
    model: SentimentModel,
    progress: Progress | None = None,
    now: datetime | None = None,
    intent_model: IntentModel | None = None,
    weights: PriorityWeights | None = None,
) -> int:
    """Everything a stored mention needs before the queue shows it (``ingest`` and the listen runner).

    Returns how many mentions were classified.
    """
    intents = intent_model or load_intent_model()
    classified = classify_pending(store, model, progress=progress, intent_model=intents)
    classify_intents_pending(store, intents)  # mentions that had a sentiment but no intent
    profile_pending(store)  # the tone profile (language, register, emoji, intensity) for the reply suggestions
    assign_incidents(store, now)
    refresh_priorities(store, now, weights)
    return classified
