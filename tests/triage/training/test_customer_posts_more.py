"""The further authored train posts (``data/training/customer_posts_more.jsonl``, read by ``train ngram``)
keep the customer posts' shape and never leak into their validation split."""

from __future__ import annotations

import json
from pathlib import Path

from triage.models.intent import INTENTS, TOPICS
from triage.tables.customer_posts import CUSTOMER_POSTS, read_customer_posts
from triage.training.ngram import MORE_POSTS, customer_train_posts

FIELDS = {"id", "author", "lang", "channel", "sector", "text", "intent", "topic", "sentiment", "urgent", "risks",
          "split"}


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_further_post_is_train_split_with_the_customer_posts_fields():
    more = rows(MORE_POSTS)
    assert more and all(set(post) == FIELDS and post["split"] == "train" for post in more)
    assert all(post["intent"] in INTENTS and post["topic"] in TOPICS and post["lang"] in ("en", "it") for post in more)
    assert len({post["id"] for post in more} | {post["id"] for post in rows(CUSTOMER_POSTS)}) == \
        len(more) + len(rows(CUSTOMER_POSTS))


def test_their_authors_and_texts_are_apart_from_the_validation_split():
    validation = read_customer_posts(CUSTOMER_POSTS, "validation")
    more = read_customer_posts(MORE_POSTS)
    assert not {p.author for p in more} & {p.author for p in validation}
    assert not {p.text for p in more} & {p.text for p in read_customer_posts(CUSTOMER_POSTS)}


def test_training_reads_both_files_train_split_only():
    posts, files = customer_train_posts()
    assert [path for path, _ in files] == [CUSTOMER_POSTS, MORE_POSTS]
    assert len(posts) == sum(count for _, count in files) and all(p.split == "train" for p in posts)
