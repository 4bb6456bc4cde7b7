"""Refit the sentiment head on the tuned encoder, adding the authored customer posts; the adapter stays.

``python -m triage train sentiment --heads-only --data ../shared/data --output data/models/sentiment``
keeps the LoRA adapter (and the anger and offensive heads, which read the same encoder)
and continues training the sentiment head it was trained with (kept as
``head_base.safetensors``, so a re-run gives the same head) on a seeded sample of
the public training data it was first trained on (so the public validation figures hold)
plus the authored customer posts' train split, repeated (so in-domain Italian and English
posts count). Embeddings are cached by text under ``--cache`` (per adapter). The card
records the refit's data files with their sha256, its configuration, and the validation
figures before and after: the public sets (``training/sentiment`` evaluates them) and the
customer posts' validation split per language.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from triage.evaluation.metrics import classification_report
from triage.models.card import ModelCard
from triage.models.intent import adapter_digest
from triage.models.sentiment import SentenceEncoder, _load_head, packaged_encoder_dir
from triage.records import SENTIMENTS
from triage.tables.customer_posts import CUSTOMER_POSTS, PROJECT_ROOT, CustomerPost, read_customer_posts
from triage.tables.datasets import Example, read_tsv, sample, sentiment_validation_sets
from triage.tables.formats import file_sha256
from triage.text.normalize import normalize
from triage.training.balance import class_weights
from triage.training.embeddings import TextEmbeddingCache
from triage.training.sentiment import SentimentTrainingConfig, _describe, training_files

Log = Callable[[str], None]
BASE_HEAD = "head_base.safetensors"  # the head as trained with the adapter (the refit's starting point)
REBUILD = "python -m triage train sentiment --data ../shared/data --output data/models/sentiment"


@dataclass
class HeadRefitConfig:
    seed: int = 13
    public_limit: int = 4000  # public training rows kept as an anchor (seeded, label proportions kept)
    customer_repeat: int = 4  # each authored customer post counts this many times
    epochs: int = 6
    batch_size: int = 128
    learning_rate: float = 3e-4
    weight_decay: float = 1e-4
    validation_limit: int | None = 2000


def _figures(head: Any, x: Any, gold: list[str]) -> dict[str, float]:
    import torch

    labels = list(SENTIMENTS)
    with torch.inference_mode():
        predicted = [labels[i] for i in head(x).argmax(-1).tolist()]
    return {k: round(v, 4) for k, v in classification_report(gold, predicted, labels).items()}


def _customer_figures(head: Any, embeddings: TextEmbeddingCache, posts: list[CustomerPost]) -> dict[str, Any]:
    out = {}
    for lang in sorted({p.lang for p in posts}):
        chosen = [p for p in posts if p.lang == lang and p.sentiment in SENTIMENTS]
        if chosen:
            x = embeddings.embed([normalize(p.text) for p in chosen])
            out[f"customer posts validation ({lang})"] = _figures(head, x, [p.sentiment for p in chosen])
    return out


def public_validation_sets(data: Path, card: ModelCard, config: HeadRefitConfig) -> dict[str, list[Example]]:
    """The public validation sets a refit reports on (seeded samples of ``config.validation_limit`` rows)."""
    first = SentimentTrainingConfig(**{k: v for k, v in card.training.get("config", {}).items()
                                       if k in SentimentTrainingConfig.__dataclass_fields__})
    return {name: sample(read_tsv(path), config.validation_limit, first.seed)
            for name, path in sentiment_validation_sets(data).items()}


def head_figures(head: Any, embeddings: TextEmbeddingCache, sets: dict[str, list[Example]],
                 customer_posts: list[CustomerPost]) -> dict[str, Any]:
    """``head`` on the public validation sets and the customer posts' validation split per language."""
    figures: dict[str, Any] = {name: _figures(head, embeddings.embed([normalize(e.text) for e in rows]),
                                              [e.label for e in rows]) for name, rows in sets.items()}
    figures.update(_customer_figures(head, embeddings, customer_posts))
    return figures


def refit_sentiment_head(
    data: Path, output: Path, config: HeadRefitConfig | None = None, cache: Path | None = None,
    log: Log = print, customer: Path = CUSTOMER_POSTS, extra: Sequence[tuple[str, str]] = (),
    extra_repeat: int = 1,
) -> ModelCard:
    """Continue training ``output``'s sentiment head as described above; rewrites ``head.safetensors`` and the card.

    ``extra``: more (text, sentiment) posts to train on, each counted ``extra_repeat`` times (the
    team's labels, ``triage.training.from_corrections``).
    """
    import torch
    from safetensors.torch import save_file

    config = config or HeadRefitConfig()
    card = ModelCard.load(output, REBUILD)
    if not card.adapter or not card.labels:
        raise ValueError(f"{output} has no adapter to keep; train the whole model with: {REBUILD}")
    if list(card.labels) != list(SENTIMENTS):
        raise ValueError(f"{output} has labels {card.labels}; train the whole model with: {REBUILD}")
    adapter = (output / card.adapter["path"]).resolve()
    digest = adapter_digest(adapter)
    encoder = SentenceEncoder(packaged_encoder_dir(), card.max_length, adapter=adapter)
    embeddings = TextEmbeddingCache(encoder, cache / f"tuned-{digest[:12]}" if cache else None, log)
    base = output / BASE_HEAD
    if not base.is_file():  # the head the adapter was trained with: every refit starts from it
        shutil.copyfile(output / "head.safetensors", base)
    head = _load_head(base, encoder.dim, card.hidden, len(SENTIMENTS))

    first = SentimentTrainingConfig(**{k: v for k, v in card.training.get("config", {}).items()
                                       if k in SentimentTrainingConfig.__dataclass_fields__})
    public: list[Example] = []
    provenance = []
    for path in training_files(data, first):
        public.extend(read_tsv(path))
    public = sample(public, config.public_limit, config.seed)
    for path in training_files(data, first):
        provenance.append(_describe(path, data, sum(1 for e in public if e.source == str(path))))
    train_posts = [p for p in read_customer_posts(customer, "train") if p.sentiment in SENTIMENTS]
    validation_posts = read_customer_posts(customer, "validation")
    shown = customer.relative_to(PROJECT_ROOT) if customer.is_relative_to(PROJECT_ROOT) else customer
    provenance.append({"file": str(shown),
                       "sha256": file_sha256(customer), "rows_used": len(train_posts),
                       "licence": "authored for this project (repository licence)", "split": "train"})
    extra = [(text, label) for text, label in extra if label in SENTIMENTS]
    log(f"refit: {len(public)} public rows, {len(train_posts)} customer posts x{config.customer_repeat}"
        + (f", {len(extra)} more posts x{extra_repeat}" if extra else ""))

    validation_sets = public_validation_sets(data, card, config)
    before = head_figures(head, embeddings, validation_sets, validation_posts)

    labels = list(SENTIMENTS)
    texts = ([normalize(e.text) for e in public] + [normalize(p.text) for p in train_posts] * config.customer_repeat
             + [normalize(text) for text, _ in extra] * extra_repeat)
    y = torch.tensor([labels.index(e.label) for e in public]
                     + [labels.index(p.sentiment) for p in train_posts] * config.customer_repeat
                     + [labels.index(label) for _, label in extra] * extra_repeat)
    x = embeddings.embed(texts)
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    loss_fn = torch.nn.CrossEntropyLoss(weight=class_weights(y, len(labels)))
    optimiser = torch.optim.AdamW(head.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    head.train()
    for _epoch in range(config.epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), config.batch_size):
            batch = order[start : start + config.batch_size]
            optimiser.zero_grad()
            loss_fn(head(x[batch]), y[batch]).backward()
            optimiser.step()
    head.eval()
    log(f"head refitted in {time.perf_counter() - started:.0f}s")

    after = head_figures(head, embeddings, validation_sets, validation_posts)
    for name in after:
        log(f"validation {name}: macro-recall {before.get(name, {}).get('macro_recall')} -> "
            f"{after[name]['macro_recall']} (n={after[name]['n']})")

    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(output / "head.safetensors"))
    card.training["head_refit"] = {"config": asdict(config), "files": provenance,
                                   "adapter_sha256": digest, "validation_before": before}
    card.validation = after
    card.command = REBUILD + " && python -m triage train sentiment --heads-only --data ../shared/data"
    card.save(output)
    return card
