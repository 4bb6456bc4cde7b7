"""The authored in-domain customer posts (``data/training/customer_posts.jsonl``) keep their shape.

They are the project's own training and validation set for issue 13 (intent, topic,
sentiment, urgency and named risks, Italian and English); see ``data/training/README.md``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from triage.models.intent import INTENTS, TOPICS

POSTS_FILE = Path(__file__).resolve().parents[3] / "data" / "training" / "customer_posts.jsonl"
RISKS = ("money", "safety", "account_takeover", "churn_legal")
LANGS = ("it", "en")
CHANNELS = ("x", "reddit", "mastodon", "bluesky", "appstore", "googleplay", "rss")
SECTORS = ("telecom", "retail", "banking", "travel", "apps")
SENTIMENTS = ("negative", "neutral", "positive")
SPLITS = ("train", "validation")
FIELDS = {"id", "author", "lang", "channel", "sector", "text", "intent", "topic", "sentiment", "urgent", "risks",
          "split"}


@pytest.fixture(scope="module")
def posts() -> list[dict]:
    return [json.loads(line) for line in POSTS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_at_least_600_posts_per_language(posts: list[dict]) -> None:
    counts = Counter(post["lang"] for post in posts)
    assert set(counts) == set(LANGS)
    assert all(counts[lang] >= 600 for lang in LANGS), counts


def test_every_label_is_in_the_allowed_sets(posts: list[dict]) -> None:
    for post in posts:
        assert set(post) == FIELDS, post["id"]
        assert post["lang"] in LANGS and post["channel"] in CHANNELS and post["sector"] in SECTORS, post["id"]
        assert post["intent"] in INTENTS and post["topic"] in TOPICS, post["id"]
        assert post["sentiment"] in SENTIMENTS and post["split"] in SPLITS, post["id"]
        assert post["urgent"] in (0, 1), post["id"]
        assert set(post["risks"]) <= set(RISKS) and len(set(post["risks"])) == len(post["risks"]), post["id"]
        assert post["id"].startswith(post["lang"] + "-") and post["author"], post["id"]
        assert 20 <= len(post["text"]) <= 600, post["id"]


def test_every_risk_post_is_urgent(posts: list[dict]) -> None:
    assert [post["id"] for post in posts if post["risks"] and not post["urgent"]] == []


def test_ids_are_unique(posts: list[dict]) -> None:
    ids = [post["id"] for post in posts]
    assert len(ids) == len(set(ids))


def test_no_author_is_on_both_splits(posts: list[dict]) -> None:
    splits: dict[str, set[str]] = {}
    for post in posts:
        splits.setdefault(post["author"], set()).add(post["split"])
    assert [author for author, sides in splits.items() if len(sides) > 1] == []


def test_every_language_intent_and_language_risk_has_validation_rows(posts: list[dict]) -> None:
    validation = [post for post in posts if post["split"] == "validation"]
    intents = Counter((post["lang"], post["intent"]) for post in validation)
    risks = Counter((post["lang"], risk) for post in validation for risk in post["risks"])
    assert [(lang, intent) for lang in LANGS for intent in INTENTS if intents[(lang, intent)] == 0] == []
    assert [(lang, risk) for lang in LANGS for risk in RISKS if risks[(lang, risk)] == 0] == []


def test_each_named_risk_has_at_least_60_posts_per_language(posts: list[dict]) -> None:
    counts = Counter((post["lang"], risk) for post in posts for risk in post["risks"])
    assert {key: n for key, n in counts.items() if n < 60} == {}
    assert all(counts[(lang, risk)] for lang in LANGS for risk in RISKS)


def test_no_two_texts_are_identical_after_lowercasing_and_whitespace(posts: list[dict]) -> None:
    texts = Counter(re.sub(r"\s+", " ", post["text"].lower()).strip() for post in posts)
    assert [text for text, n in texts.items() if n > 1] == []
