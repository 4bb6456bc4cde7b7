"""The model's accuracy as the team sees it (``evaluate model``, the Model page).

Two samples, reported apart: the **audit** sample (a few mentions a day drawn uniformly,
whose labels someone confirmed or corrected: an unbiased estimate of how often the model is
right) and **corrections** (mentions an agent chose to fix: biased toward the model's
mistakes, useful for where it errs, not for how often). For each field (sentiment, intent,
topic, urgent) and each slice (all, per language, per channel): accuracy with a 95% Wilson
interval, macro-recall with a 95% bootstrap interval, per-label recall, and a confusion
matrix. "Predicted" is what the model said before the first correction; "true" is the
team's latest label.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from datetime import datetime

from triage.db.corrections import LabelledMention, labelled_mentions
from triage.db.store import Store
from triage.evaluation.metrics import classification_report

FIELDS: tuple[str, ...] = ("sentiment", "intent", "topic", "urgent")
SAMPLES: tuple[str, ...] = ("audit", "corrections")
BOOTSTRAP = 400
Z95 = 1.96


@dataclass(frozen=True)
class SliceFigures:
    field: str
    sample: str  # "audit" (uniform) or "corrections" (chosen by agents)
    slice: str  # "all", "language=it", "channel=x"
    n: int
    accuracy: float
    accuracy_ci: tuple[float, float]
    macro_recall: float
    macro_recall_ci: tuple[float, float]
    recall: dict[str, float] = dc_field(default_factory=dict)


@dataclass
class TeamEvaluation:
    figures: list[SliceFigures] = dc_field(default_factory=list)
    # sample -> field -> team's label -> model's label -> count
    confusion: dict[str, dict[str, dict[str, dict[str, int]]]] = dc_field(default_factory=dict)

    def lines(self) -> list[str]:
        if not self.figures:
            return ["no labels yet: corrections and confirmed audit picks appear here (python -m triage "
                    "import-labels FILE, or correct mentions in the dashboard)"]
        out = [f"{'sample':<12} {'field':<10} {'slice':<18} {'n':>5}  {'accuracy (95% CI)':<22} "
               f"{'macro-recall (95% CI)':<22}"]
        for f in self.figures:
            out.append(f"{f.sample:<12} {f.field:<10} {f.slice:<18} {f.n:>5}  "
                       f"{f.accuracy:.3f} ({f.accuracy_ci[0]:.2f}-{f.accuracy_ci[1]:.2f})      "
                       f"{f.macro_recall:.3f} ({f.macro_recall_ci[0]:.2f}-{f.macro_recall_ci[1]:.2f})")
        out.append("audit: a uniform daily sample (an unbiased estimate); corrections: posts agents chose to fix "
                   "(biased toward mistakes)")
        for sample, fields in self.confusion.items():
            for name, matrix in fields.items():
                labels = sorted(set(matrix) | {p for row in matrix.values() for p in row})
                out.append(f"confusion matrix, {sample}, {name} (rows: team's label, columns: model's):")
                out.append(" " * 16 + "".join(f"{label[:10]:>11}" for label in labels))
                for true in labels:
                    out.append(f"{true[:15]:<16}" + "".join(f"{matrix.get(true, {}).get(p, 0):>11}" for p in labels))
        return out

    def to_json(self) -> str:
        return json.dumps({"figures": [asdict(f) for f in self.figures], "confusion": self.confusion}, indent=2)


def wilson(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``correct / n``."""
    if n == 0:
        return (0.0, 0.0)
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_macro_recall(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str],
                           seed: int = 0, rounds: int = BOOTSTRAP) -> tuple[float, float]:
    """A 95% percentile bootstrap interval of macro-recall (resampling mentions)."""
    if not gold:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(gold)
    values = []
    for _ in range(rounds):
        picks = [rng.randrange(n) for _ in range(n)]
        g = [gold[i] for i in picks]
        present = [label for label in labels if label in g]
        values.append(classification_report(g, [predicted[i] for i in picks], present)["macro_recall"])
    values.sort()
    return (values[int(0.025 * rounds)], values[min(rounds - 1, int(0.975 * rounds))])


def _figures(name: str, sample: str, slice_name: str, pairs: list[tuple[str, str]]) -> SliceFigures:
    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    labels = sorted(set(gold))
    report = classification_report(gold, predicted, labels)
    correct = sum(1 for g, p in pairs if g == p)
    recall = {label: classification_report(gold, predicted, [label])["macro_recall"] for label in labels}
    return SliceFigures(name, sample, slice_name, len(pairs), round(report["accuracy"], 4), wilson(correct, len(pairs)),
                        round(report["macro_recall"], 4), bootstrap_macro_recall(gold, predicted, labels), recall)


def evaluate_team_labels(store: Store, since: datetime | None = None, min_slice: int = 5) -> TeamEvaluation:
    """Figures per sample, field and slice (slices with fewer than ``min_slice`` labels are left out)."""
    result = TeamEvaluation()
    audited = {m.mention_id for m in labelled_mentions(store, since, source_prefix="audit")}
    everyone = labelled_mentions(store, since)
    samples: dict[str, list[LabelledMention]] = {
        "audit": [m for m in everyone if m.mention_id in audited],
        "corrections": [m for m in everyone if m.mention_id not in audited],
    }
    for sample, mentions in samples.items():
        for name in FIELDS:
            pairs = [(m, m.labels[name], m.predicted.get(name)) for m in mentions if name in m.labels]
            scored = [(m, true, pred or "(none)") for m, true, pred in pairs]
            if not scored:
                continue
            slices: dict[str, list[tuple[str, str]]] = {"all": [(t, p) for _, t, p in scored]}
            for m, true, pred in scored:
                slices.setdefault(f"language={m.language or '?'}", []).append((true, pred))
                slices.setdefault(f"channel={m.channel.split(':', 1)[0]}", []).append((true, pred))
            for slice_name, slice_pairs in slices.items():
                if slice_name == "all" or len(slice_pairs) >= min_slice:
                    result.figures.append(_figures(name, sample, slice_name, slice_pairs))
            matrix: dict[str, dict[str, int]] = {}
            for _, true, pred in scored:
                matrix.setdefault(true, {}).setdefault(pred, 0)
                matrix[true][pred] += 1
            result.confusion.setdefault(sample, {})[name] = matrix
    return result
