"""Reading the labeled sets in ``../shared/data`` (TSV, one header row) by path.

Only training and validation files are read; official test splits are never touched.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

# Licences as stated in shared/data/README.md; only ``shippable`` sets may train the default.
LICENCES: dict[str, tuple[str, bool]] = {
    "tweeteval": ("TweetEval: released without restrictions; per-task and Twitter terms apply", True),
    "umsab": ("UMSAB (cardiffnlp/xlm-t): Apache-2.0; per-dataset and Twitter terms apply", True),
    "bitext": ("CDLA-Sharing-1.0", True),
    "airline": ("CC BY-NC-SA 4.0 (Kaggle); non-commercial, validation only", False),
    "twcs": ("CC BY-NC-SA 4.0 (Kaggle); non-commercial, validation only", False),
    "multiemotions_it": ("CC BY-NC-SA 4.0; non-commercial, validation only", False),
    "absita": ("no licence stated; validation only", False),
}

UMSAB_LANGUAGES = {
    "arabic": "ar", "english": "en", "french": "fr", "german": "de",
    "hindi": "hi", "italian": "it", "portuguese": "pt", "spanish": "es",
}


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str


def read_tsv(path: Path, text_column: str = "text", label_column: str = "label") -> list[Example]:
    if not path.is_file():
        raise FileNotFoundError(f"data file missing: {path}; pass --data pointing at shared/data")
    if path.stem == "test":
        raise ValueError(f"refusing to read an official test split: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return [
            Example(row[text_column], row[label_column], str(path))
            for row in reader
            if row.get(text_column) and row.get(label_column)
        ]


def sample(examples: list[Example], limit: int | None, seed: int) -> list[Example]:
    """A seeded random subset of at most ``limit`` examples, keeping label proportions."""
    if limit is None or len(examples) <= limit:
        return list(examples)
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example)
    chosen: list[Example] = []
    for label in sorted(by_label):
        group = by_label[label]
        take = round(limit * len(group) / len(examples))
        chosen.extend(rng.sample(group, min(take, len(group))))
    rng.shuffle(chosen)
    return chosen


def sentiment_validation_sets(data: Path) -> dict[str, Path]:
    """The sentiment validation sets the bench and the training card report on."""
    return {
        "tweeteval val (en)": data / "tweeteval/sentiment/val.tsv",
        "umsab en val": data / "umsab/english/val.tsv",
        "umsab it val": data / "umsab/italian/val.tsv",
        "airline (en, never trained on)": data / "airline/train.tsv",
    }
