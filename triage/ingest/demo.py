"""The demo data set: a fictional telecom brand, Lumora, heard on seven channels.

``python -m triage demo`` and the dashboard (on an empty database) call ``load_demo``.
Times in the files are minutes before the load, so the demo always looks current.
Loading twice changes nothing: mentions are upserted and replies matched by their id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from triage.db.schema import DEMO_META_KEY
from triage.db.store import Store
from triage.errors import InputFileError
from triage.ingest.pipeline import ingest
from triage.models.intent import IntentModel
from triage.models.sentiment import PROJECT_ROOT, SentimentModel
from triage.queue.workflow import reply
from triage.ranking.refresh import refresh_priorities
from triage.records import Author, Mention, utcnow

DEMO_DIR = PROJECT_ROOT / "data" / "demo"


@dataclass
class DemoResult:
    mentions: int
    inserted: int
    replies: int


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputFileError(f"demo file missing: {path}; restore it from the repository")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def demo_mentions(now: datetime, folder: Path = DEMO_DIR) -> list[Mention]:
    mentions = []
    for item in _read_jsonl(folder / "mentions.jsonl"):
        author = item["author"]
        mentions.append(
            Mention(
                channel=item["channel"],
                external_id=item["external_id"],
                text=item["text"],
                author=Author(author["handle"], author.get("display_name", ""),
                              int(author.get("followers", 0)), bool(author.get("verified", False))),
                created_at=now - timedelta(minutes=int(item["age_minutes"])),
                url=item.get("url", ""),
                language=item.get("lang"),
                kind=item.get("kind", "post"),
                parent_id=item.get("parent_id"),
                rating=item.get("rating"),
                app_version=item.get("app_version"),
                raw={"demo": True, "labels": item.get("labels", {})},
                fetched_at=now,
            )
        )
    return mentions


def load_demo(
    store: Store, model: SentimentModel, now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None, folder: Path = DEMO_DIR,
    intent_model: IntentModel | None = None,
) -> DemoResult:
    """Load the demo mentions and the brand's earlier replies into ``store``."""
    now = now or utcnow()
    mentions = demo_mentions(now, folder)
    result = ingest(store, mentions, model, progress=progress, now=now, intent_model=intent_model)
    added = 0
    for item in _read_jsonl(folder / "replies.jsonl"):
        if store.reply_exists(item["channel"], item["external_id"]):
            continue
        mention = store.find(item["channel"], item["mention_external_id"])
        if mention is None or mention.status not in ("new", "in_progress", "escalated", "replied"):
            continue
        sent_at = max(mention.created_at, now - timedelta(minutes=int(item["age_minutes"])))
        reply(store, mention.id, item["agent"], item["text"], now=sent_at, posted=True, external_id=item["external_id"])
        added += 1
    refresh_priorities(store, now)
    if store.get_meta(DEMO_META_KEY) is None:
        store.set_meta(DEMO_META_KEY, now.isoformat(timespec="seconds"))
    return DemoResult(len(mentions), result.inserted, added)
