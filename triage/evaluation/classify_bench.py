"""Sentiment benchmark: VADER against the project's model, side by side, on validation sets.

``python -m triage bench classify [--data ../shared/data] [--limit N]`` prints macro-recall
(the TweetEval metric), macro-F1 and accuracy on each validation set, texts per second
at batch 1 and batch 64, and peak memory. The default model is run twice, in fp32 and
with int8 dynamic quantization (whichever is the default), so the int8 path's cost in quality is measured, not
assumed. Its anger and offensive-language heads are scored on TweetEval emotion and
offensive val. Only validation files are read. Every line goes to ``log`` (the CLI passes
``print``), so the figures can be read back as they come.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from triage.evaluation.metrics import classification_report
from triage.models.sentiment import EncoderHeadModel, SentimentModel, load_sentiment_model
from triage.records import SENTIMENTS
from triage.tables.datasets import read_tsv, sample, sentiment_validation_sets

EXTRA_SETS = {"emotion": "tweeteval/emotion/val.tsv", "offensive": "tweeteval/offensive/val.tsv"}


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

    def forget(self) -> None:
        """VADER remembers nothing between calls."""


class Model:
    def __init__(self, model: SentimentModel) -> None:
        self.model = model
        self.name = model.name

    def labels(self, texts: Sequence[str], batch_size: int = 64) -> list[str]:
        return [s.label for s in self.model.predict(texts, batch_size=batch_size)]

    def forget(self) -> None:
        """Before a speed run: the encoder remembers recent texts, which would time a lookup."""
        encoder = getattr(self.model, "encoder", None)
        if encoder is not None:
            encoder.forget_recent()


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


def extra_heads(data: Path, model: EncoderHeadModel, limit: int | None, log: Callable[[str], None]) -> None:
    """Anger (as anger vs the other three emotions) and offensive, scored on their val sets."""
    log("")
    log(f"{'head (validation set)':44} {'macro-R':>8} {'macro-F1':>8} {'acc':>6} {'n':>6}")
    for task, relative in EXTRA_SETS.items():
        rows = sample(read_tsv(data / relative), limit, 13)
        scores = model.predict([r.text for r in rows])
        if task == "emotion":
            gold = ["anger" if r.label == "anger" else "other" for r in rows]
            predicted = ["anger" if (s.p_anger or 0) >= 0.5 else "other" for s in scores]
            labels: tuple[str, ...] = ("anger", "other")
        else:
            gold = [r.label for r in rows]
            predicted = ["offensive" if (s.p_offensive or 0) >= 0.5 else "not-offensive" for s in scores]
            labels = ("not-offensive", "offensive")
        figures = classification_report(gold, predicted, labels)
        name = f"{'anger' if task == 'emotion' else 'offensive'} ({relative})"
        log(f"{name:44} {figures['macro_recall']:8.3f} {figures['macro_f1']:8.3f} "
            f"{figures['accuracy']:6.3f} {figures['n']:6d}")


def run(data: Path, limit: int | None = None, speed_sample: int = 512, log: Callable[[str], None] = print) -> None:
    """The benchmark's table, one line at a time through ``log``: quality per validation set, speed, memory."""
    sets = {name: sample(read_tsv(path), limit, 13) for name, path in sentiment_validation_sets(data).items()}
    memory_before = peak_memory_mb()
    default = load_sentiment_model()
    systems: list[Vader | Model] = [Vader(), Model(default)]
    if isinstance(default, EncoderHeadModel):  # fp32 and int8, whichever is the default
        systems[1:] = [Model(EncoderHeadModel(default.model_dir, int8=False)),
                       Model(EncoderHeadModel(default.model_dir, int8=True))]
    log(f"{'validation set':34} {'system':36} {'macro-R':>8} {'macro-F1':>8} {'acc':>6} {'n':>6}")
    for name, rows in sets.items():
        gold = [r.label for r in rows]
        texts = [r.text for r in rows]
        for system in systems:
            figures = classification_report(gold, system.labels(texts), SENTIMENTS)
            log(f"{name:34} {system.name:36} {figures['macro_recall']:8.3f} {figures['macro_f1']:8.3f} "
                f"{figures['accuracy']:6.3f} {figures['n']:6d}")
    if isinstance(default, EncoderHeadModel):
        extra_heads(data, default, limit, log)
    speed_texts = [r.text for r in sets["tweeteval val (en)"]][:speed_sample]
    log("")
    log(f"{'system':36} {'texts/s batch 1':>16} {'texts/s batch 64':>17}")
    for system in systems:
        system.forget()
        single = throughput(system.labels, speed_texts[:128], 1)
        system.forget()
        batched = throughput(system.labels, speed_texts, 64)
        log(f"{system.name:36} {single:16.0f} {batched:17.0f}")
    log("")
    log(f"peak memory (RSS) of this process: {peak_memory_mb():.0f} MB "
        f"(before loading the systems: {memory_before:.0f} MB)")
