"""Classification metrics as the benchmarks report them (TweetEval: macro-recall)."""

from __future__ import annotations

from collections.abc import Sequence


def classification_report(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """Macro-recall, macro-F1 and accuracy of ``predicted`` against ``gold``."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    if not gold:
        return {"macro_recall": 0.0, "macro_f1": 0.0, "accuracy": 0.0, "n": 0}
    recalls, f1s = [], []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted) if g == label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted) if g == label and p != label)
        fp = sum(1 for g, p in zip(gold, predicted) if g != label and p == label)
        recall = tp / (tp + fn) if tp + fn else 0.0
        precision = tp / (tp + fp) if tp + fp else 0.0
        recalls.append(recall)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    accuracy = sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold)
    return {
        "macro_recall": sum(recalls) / len(labels),
        "macro_f1": sum(f1s) / len(labels),
        "accuracy": accuracy,
        "n": len(gold),
    }

