"""From stored mention to ranked queue item: classify sentiment and intent, group incidents, score priority."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.models.intent import IntentModel, apply_spam_rules, load_intent_model
from triage.models.sentiment import SentimentModel
from triage.ranking.incidents import assign_incidents, incident_sizes
from triage.ranking.priority import PriorityWeights, configured_weights, score, urgency
from triage.records import OPEN_STATUSES, Mention, Priority, SentimentScores, as_utc, utcnow
from triage.replies.suggest import profile_pending
from triage.text.language import detect_language

Progress = Callable[[int, int], None]


@dataclass
class IngestResult:
    inserted: int
    updated: int
    classified: int


def classify_pending(
    store: Store, model: SentimentModel, batch_size: int = 64, progress: Progress | None = None
) -> int:
    """Classify every stored mention that has no sentiment yet; returns how many."""
    ids = store.unclassified_ids()
    done = 0
    chunk = max(batch_size * 4, 256)  # commit every few batches so a crash loses little work
    for start in range(0, len(ids), chunk):
        rows = store.mentions(ids[start : start + chunk])
        base = done

        def report(n: int, _total: int) -> None:
            if progress:
                progress(base + n, len(ids))  # noqa: B023 (called within this iteration)

        scores = model.predict([r.text for r in rows], batch_size=batch_size, progress=report)
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
        results = model.predict([r.text for r in rows], batch_size=batch_size)
        store.save_intents({
            row.id: (final.intent, final.topic)
            for row, result in zip(rows, results)
            for final in [apply_spam_rules(result, row.text, row.author_handle, row.author_followers)]
        })
        if progress:
            progress(min(start + chunk, len(ids)), len(ids))
    return len(ids)


def _repeats_by_index(items: Sequence[Any]) -> dict[int, tuple[int, float]]:
    by_author: dict[tuple[str, str], list[int]] = {}
    for index, item in enumerate(items):
        if item.author_handle:
            by_author.setdefault((item.channel, item.author_handle), []).append(index)
    result: dict[int, tuple[int, float]] = {}
    for group in by_author.values():
        group.sort(key=lambda i: as_utc(items[i].created_at))
        open_before: list[int] = []
        for index in group:
            item = items[index]
            if open_before:
                first = as_utc(items[open_before[0]].created_at)
                result[index] = (len(open_before), (as_utc(item.created_at) - first).total_seconds() / 86400)
            if item.status in OPEN_STATUSES:
                open_before.append(index)
    return result


def repeat_contacts(rows: Sequence[MentionRow]) -> dict[int, tuple[int, float]]:
    """For each mention: the author's earlier still-open mentions on the channel, and their span in days."""
    return {rows[i].id: value for i, value in _repeats_by_index(rows).items()}


def prioritize(
    items: Sequence[Any], now: datetime, weights: PriorityWeights | None = None,
    incident_sizes: Sequence[int] | None = None,
) -> list[tuple[Priority, float]]:
    """Priority and urgency of each item at ``now``: the one scoring path for the queue and the CLI.

    ``items`` are mention rows or anything with the same fields (see ``triage.ranking.priority.Scorable``);
    repeat contact is counted among ``items``; ``incident_sizes[i]`` is item i's incident size.
    """
    weights = weights or configured_weights()
    repeats = _repeats_by_index(items)
    out = []
    for index, item in enumerate(items):
        earlier, span = repeats.get(index, (0, 0.0))
        size = incident_sizes[index] if incident_sizes else 0
        out.append((score(item, now, earlier, span, weights, size), urgency(item, weights)))
    return out


def refresh_priorities(
    store: Store, now: datetime | None = None, weights: PriorityWeights | None = None
) -> int:
    """Recompute every mention's priority at ``now`` (waiting time grows); returns how many changed."""
    now = now or utcnow()
    rows = store.mentions()
    sizes = incident_sizes(store)
    scored = prioritize(rows, now, weights, [sizes.get(r.incident_id, 0) if r.incident_id else 0 for r in rows])
    changed: dict[int, Priority] = {}
    urgencies: dict[int, float] = {}
    for row, (priority, text_urgency) in zip(rows, scored):
        stored = tuple((r.get("phrase"), r.get("points")) for r in (row.reasons or []))
        fresh = tuple((r.phrase, round(r.points, 1)) for r in priority.reasons)
        if priority.score != row.priority or stored != fresh or row.urgency != text_urgency:
            changed[row.id] = priority
            urgencies[row.id] = text_urgency
    store.save_priorities(changed, urgencies)
    return len(changed)


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
    classified = classify_pending(store, model, progress=progress)
    classify_intents_pending(store, intent_model or load_intent_model())
    profile_pending(store)  # the tone profile (language, register, emoji, intensity) for the reply suggestions
    assign_incidents(store, now)
    refresh_priorities(store, now, weights)
    return classified
