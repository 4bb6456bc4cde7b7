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


ACCEPTED_EDIT_SHARE = 0.10  # a suggestion counts as accepted when at most 10% of it was edited


def suggestion_acceptance(
    replies: Sequence[tuple[str | None, str | None, int | None]], threshold: float = ACCEPTED_EDIT_SHARE
) -> dict[str, dict[str, float]]:
    """Per suggestion source: replies started from it, how many were sent nearly as suggested
    (edit distance ≤ ``threshold`` × the suggestion's length), and that share. ``replies`` are
    ``(suggestion_source, suggestion_text, edit_distance)``; replies written from scratch
    count under ``"none"``. The ``"all"`` row covers every reply that started from a suggestion."""
    figures: dict[str, dict[str, float]] = {}
    for source, text, distance in replies:
        key = source or "none"
        row = figures.setdefault(key, {"replies": 0, "accepted": 0})
        row["replies"] += 1
        if source and text is not None and distance is not None and distance <= threshold * max(len(text), 1):
            row["accepted"] += 1
    started = [row for key, row in figures.items() if key != "none"]
    if started:
        figures["all"] = {"replies": sum(r["replies"] for r in started),
                          "accepted": sum(r["accepted"] for r in started)}
    for row in figures.values():
        row["share"] = row["accepted"] / row["replies"] if row["replies"] else 0.0
    return figures
