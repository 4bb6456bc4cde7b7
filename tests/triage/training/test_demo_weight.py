"""The demo posts' training weight: one setting, read by the intent heads and the intent n-grams alike."""

from __future__ import annotations

import json
from pathlib import Path

from triage.training.intent import IntentTrainingConfig, jsonl_posts
from triage.training.ngram import NgramConfig


def test_demo_posts_carry_the_weight_they_are_read_with(tmp_path: Path):
    demo = tmp_path / "mentions.jsonl"
    demo.write_text(json.dumps({"text": "the router caught fire", "labels": {"intent": "complaint",
                                                                             "topic": "product_quality"}}) + "\n")
    assert [p.weight for p in jsonl_posts(demo, "demo")] == [1.0]
    assert [(p.intent, p.source, p.weight) for p in jsonl_posts(demo, "demo", 2.5)] == [("complaint", "demo", 2.5)]


def test_both_trainings_weigh_the_demo_posts_the_same_by_default():
    assert IntentTrainingConfig().demo_weight == NgramConfig().demo_weight == 1.0
