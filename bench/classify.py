"""Sentiment benchmark: VADER against the project's model, side by side, on validation sets.

``python -m triage bench classify [--data ../shared/data] [--limit N]`` prints macro-recall
(the TweetEval metric), macro-F1 and accuracy on each validation set, texts per second
at batch 1 and batch 64, and peak memory. Only validation files are read.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from triage.classify import SentimentModel, load_sentiment_model
from triage.metrics import classification_report
from triage.records import SENTIMENTS
from triage.training.datasets import read_tsv, sample, sentiment_validation_sets


class Vader:
    """VADER with its documented thresholds (compound >= 0.05 positive, <= -0.05 negative)."""

    name = "VADER"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer = SentimentIntensityAnalyzer()

    def labels(self, texts: Sequence[str], batch_size: int = 64) -> list[str]:
        out = []
        for text in texts:
            compound = self.analyzer.polarity_scores(text)["compound"]
            out.append("positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral")
        return out


class Model:
    def __init__(self, model: SentimentModel) -> None:
        self.model = model
        self.name = model.name

    def labels(self, texts: Sequence[str], batch_size: int = 64) -> list[str]:
        return [s.label for s in self.model.predict(texts, batch_size=batch_size)]


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(predict: Callable[[Sequence[str], int], list[str]], texts: Sequence[str], batch_size: int) -> float:
    started = time.perf_counter()
    if batch_size == 1:
        for text in texts:
            predict([text], 1)
    else:
        predict(texts, batch_size)
    return len(texts) / (time.perf_counter() - started)


def run(data: Path, limit: int | None = None, speed_sample: int = 512, log: Callable[[str], None] = print) -> None:
    sets = {name: sample(read_tsv(path), limit, 13) for name, path in sentiment_validation_sets(data).items()}
    memory_before = peak_memory_mb()
    systems = [Vader(), Model(load_sentiment_model())]
    log(f"{'validation set':34} {'system':32} {'macro-R':>8} {'macro-F1':>8} {'acc':>6} {'n':>6}")
    for name, rows in sets.items():
        gold = [r.label for r in rows]
        texts = [r.text for r in rows]
        for system in systems:
            figures = classification_report(gold, system.labels(texts), SENTIMENTS)
            log(f"{name:34} {system.name:32} {figures['macro_recall']:8.3f} {figures['macro_f1']:8.3f} "
                f"{figures['accuracy']:6.3f} {figures['n']:6d}")
    speed_texts = [r.text for r in sets["tweeteval val (en)"]][:speed_sample]
    log("")
    log(f"{'system':32} {'texts/s batch 1':>16} {'texts/s batch 64':>17}")
    for system in systems:
        single = throughput(system.labels, speed_texts[:128], 1)
        batched = throughput(system.labels, speed_texts, 64)
        log(f"{system.name:32} {single:16.0f} {batched:17.0f}")
    log("")
    log(f"peak memory (RSS) of this process: {peak_memory_mb():.0f} MB (before loading the systems: {memory_before:.0f} MB)")
