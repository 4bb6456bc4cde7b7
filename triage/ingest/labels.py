"""``import-labels FILE``: labels from another tool's tagged export become the team's corrections.

The file has the import columns (``id``, ``text``, ``author``, ``created_at``, optional
``channel``…, see README "Import columns") plus any of ``sentiment`` (negative/neutral/positive),
``intent``, ``topic`` and ``urgent`` (0/1). A row not yet stored is stored and classified
first, so each label is kept next to what the model said; the labels count as corrections by
``import:<file name>``. A row with a label outside the allowed values is reported and skipped;
the other rows are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from triage.db import corrections as db
from triage.db.corrections import Label
from triage.db.store import Store
from triage.errors import UsageError
from triage.ingest.pipeline import Progress, drain_pending, store_mentions
from triage.models.intent import IntentModel
from triage.models.sentiment import SentimentModel
from triage.queue.corrections import labels_from
from triage.ranking.refresh import refresh_priorities
from triage.records import Mention, utcnow
from triage.tables.formats import BadRow, read_rows
from triage.tables.mentions import file_channel, mention_from_row

LABEL_COLUMNS = ("sentiment", "intent", "topic", "urgent")
_TRUE, _FALSE = {"1", "true", "yes", "y"}, {"0", "false", "no", "n"}


@dataclass
class LabelImport:
    stored: int = 0  # rows that were not in the database before
    labelled: int = 0  # mentions that got at least one label
    labels: int = 0
    errors: list[BadRow] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # rows the database refused (why)


def labels_of(mention: Mention) -> list[Label]:
    """The label columns of the row ``mention`` came from (kept in ``raw``); [] when it has none."""
    raw = mention.raw or {}
    given = {c: str(raw.get(c) or "").strip() for c in LABEL_COLUMNS}
    if not any(given.values()):
        return []
    urgent: bool | None = None
    if given["urgent"]:
        if given["urgent"].lower() not in _TRUE | _FALSE:
            raise UsageError(f"urgent '{given['urgent']}' is not 0 or 1")
        urgent = given["urgent"].lower() in _TRUE
    return labels_from(given["sentiment"] or None, given["intent"] or None, given["topic"] or None, urgent)


def import_labels(store: Store, path: Path, sentiment_model: SentimentModel, intent_model: IntentModel,
                  channel: str | None = None, progress: Progress | None = None) -> LabelImport:
    """Store and classify the file's new rows, then record each row's labels as corrections."""
    result = LabelImport()
    labelled: list[tuple[Mention, list[Label]]] = []
    default_channel = file_channel(path)
    for line, row in read_rows(path):
        if isinstance(row, BadRow):
            result.errors.append(row)
            continue
        try:
            mention = mention_from_row(row, channel, default_channel)
            labels = labels_of(mention)
        except (ValueError, TypeError, UsageError) as exc:
            result.errors.append(BadRow(line, str(exc)))
            continue
        if labels:
            labelled.append((mention, labels))
    upserted = store_mentions(store, [m for m, _ in labelled])
    result.stored, result.refused = len(upserted.inserted), [str(r) for r in upserted.refused]
    drain_pending(store, sentiment_model, intent_model, progress=progress, rank_when_idle=False)
    source, now = f"import:{path.name}", utcnow()
    for mention, labels in labelled:
        stored = store.find(mention.channel, mention.external_id)
        if stored is None:  # the database refused it: in ``refused``
            continue
        db.record(store, stored.id, labels, source, now, source)
        result.labelled += 1
        result.labels += len(labels)
    refresh_priorities(store, now)
    return result
