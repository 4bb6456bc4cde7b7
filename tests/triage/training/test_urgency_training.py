"""The urgency head's training: class-balanced fit, out-of-fold by author, the figures the rule compares."""

from __future__ import annotations

import json

import pytest

from triage.training.urgency import (
    UrgencyTrainingConfig,
    auroc,
    demo_examples,
    fit_urgency_head,
    out_of_fold,
    probabilities,
    urgency_figures,
)


def test_auroc_counts_ties_half_and_needs_both_classes():
    assert auroc([True, False], [0.9, 0.1]) == 1.0
    assert auroc([True, False], [0.5, 0.5]) == 0.5
    assert auroc([True, True], [0.2, 0.9]) is None


def test_figures_are_macro_recall_of_urgent_and_not_urgent_at_the_threshold():
    figures = urgency_figures([True, True, False, False], [0.9, 0.4, 0.2, 0.1], 0.5)
    assert figures["macro_recall"] == 0.75 and figures["accuracy"] == 0.75 and figures["positives"] == 2


def test_a_head_learns_a_separable_urgency_and_out_of_fold_never_scores_an_author_it_saw():
    torch = pytest.importorskip("torch")
    from triage.models.intent import FEATURE_NAMES

    generator = torch.Generator().manual_seed(1)
    y = torch.tensor([1.0, 0.0] * 40)
    x = torch.randn(80, 8 + len(FEATURE_NAMES), generator=generator) * 0.1
    x[:, 0] += y * 2 - 1  # one direction says urgent
    weights = torch.ones(80)
    config = UrgencyTrainingConfig(hidden=0, epochs=200, learning_rate=2e-2, folds=4)
    head = fit_urgency_head(x, y, weights, config)
    assert urgency_figures([bool(v) for v in y.tolist()], probabilities(head, x), 0.5)["macro_recall"] == 1.0
    oof = out_of_fold(x, y, weights, [f"author{i % 10}" for i in range(80)], config)
    assert urgency_figures([bool(v) for v in y.tolist()], oof, 0.5)["auroc"] > 0.95


def test_demo_urgency_labels_are_urgent_or_not(tmp_path):
    demo = tmp_path / "demo.jsonl"
    rows = [{"text": "sparks from the charger", "author": {"handle": "a"}, "labels": {"urgency": "urgent"}},
            {"text": "nice shop", "author": {"handle": "b"}, "labels": {"urgency": "no_reply"}},
            {"text": "unlabelled", "author": {"handle": "c"}, "labels": {}}]
    demo.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    examples = demo_examples(demo, 2.0)
    assert [(e.text, e.urgent, e.weight) for e in examples] == [("sparks from the charger", True, 2.0),
                                                                 ("nice shop", False, 2.0)]
