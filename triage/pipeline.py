"""From stored mention to ranked queue item: classify, detect language, score priority."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from triage.classify import SentimentModel
from triage.language import detect_language
from triage.priority import PriorityWeights, score
from triage.records import OPEN_STATUSES, Mention, Priority, utcnow
from triage.schema import MentionRow
from triage.store import Store

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
                progress(base + n, len(ids))

        scores = model.predict([r.text for r in rows], batch_size=batch_size, progress=report)
        results = {
            row.id: (s, row.language or detect_language(row.text)) for row, s in zip(rows, scores)
        }
        store.save_classifications(results, model.name)
        done += len(rows)
    return done


def repeat_contacts(rows: Sequence[MentionRow]) -> dict[int, tuple[int, float]]:
    """For each mention: the author's earlier still-open mentions on the channel, and their span in days."""
    by_author: dict[tuple[str, str], list[MentionRow]] = {}
    for row in rows:
        by_author.setdefault((row.channel, row.author_handle), []).append(row)
    result: dict[int, tuple[int, float]] = {}
    for group in by_author.values():
        group.sort(key=lambda r: r.created_at)
        open_before: list[MentionRow] = []
        for row in group:
            if open_before:
                span = (row.created_at - open_before[0].created_at).total_seconds() / 86400
                result[row.id] = (len(open_before), span)
            if row.status in OPEN_STATUSES:
                open_before.append(row)
    return result


def refresh_priorities(
    store: Store, now: datetime | None = None, weights: PriorityWeights | None = None
) -> int:
    """Recompute every mention's priority at ``now`` (waiting time grows); returns how many changed."""
    now = now or utcnow()
    rows = store.mentions()
    repeats = repeat_contacts(rows)
    changed: dict[int, Priority] = {}
    for row in rows:
        earlier, span = repeats.get(row.id, (0, 0.0))
        priority = score(row, now, earlier, span, weights)
        stored = tuple((r.get("phrase"), r.get("points")) for r in (row.reasons or []))
        fresh = tuple((r.phrase, round(r.points, 1)) for r in priority.reasons)
        if priority.score != row.priority or stored != fresh:
            changed[row.id] = priority
    store.save_priorities(changed)
    return len(changed)


def ingest(
    store: Store,
    mentions: Iterable[Mention],
    model: SentimentModel,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Store mentions (idempotently), classify what is new, and re-rank the queue."""
    upserted = store.upsert_mentions(mentions)
    classified = classify_pending(store, model, progress=progress)
    refresh_priorities(store, now)
    return IngestResult(len(upserted.inserted), len(upserted.updated), classified)
