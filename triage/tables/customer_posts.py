"""The authored customer posts (``data/training/customer_posts.jsonl``): one labelled post a line.

English and Italian posts to brands in telecom, retail, banking, travel and apps, written
for this project, each labelled with intent, complaint topic, sentiment, urgency and the
named risks it carries (``money``, ``safety``, ``account_takeover``, ``churn_legal``), and
split into ``train`` and ``validation`` by author. Training reads the train split only; the
validation split is what ``python -m triage evaluate authored`` and ``evaluate risks`` report on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
CUSTOMER_POSTS = PROJECT_ROOT / "data" / "training" / "customer_posts.jsonl"
SPLITS = ("train", "validation")


@dataclass(frozen=True)
class CustomerPost:
    id: str
    author: str
    lang: str
    text: str
    intent: str
    topic: str | None
    sentiment: str
    urgent: bool
    risks: tuple[str, ...]
    split: str
    channel: str = ""
    sector: str = ""


def read_customer_posts(path: Path = CUSTOMER_POSTS, split: str | None = None) -> list[CustomerPost]:
    """The posts of ``path`` (those of ``split`` when given), in file order; a malformed line is an error naming it."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of: {', '.join(SPLITS)}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; the authored customer posts live in data/training/")
    posts = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                post = CustomerPost(
                    id=str(item["id"]), author=str(item.get("author", "")), lang=str(item["lang"]),
                    text=str(item["text"]), intent=str(item["intent"]), topic=item.get("topic") or None,
                    sentiment=str(item["sentiment"]), urgent=bool(item.get("urgent", False)),
                    risks=tuple(str(r) for r in item.get("risks") or ()), split=str(item["split"]),
                    channel=str(item.get("channel", "")), sector=str(item.get("sector", "")),
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a customer post ({exc}); fix or remove the line") from None
            if split is None or post.split == split:
                posts.append(post)
    return posts
