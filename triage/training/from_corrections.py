"""Retrain the heads on the team's labels: ``python -m triage train from-corrections``.

The team's latest label per field and mention (``triage.db.corrections.labelled_mentions``)
is split by author (``triage.training.team_split``: a stratified fifth held out, one
customer's posts never on both sides). Then, for each task with enough labels:

- **sentiment**: the head of the sentiment model in use is refitted
  (``triage.training.sentiment_head.refit_sentiment_head``) on the public sample and the
  authored customer posts it is refitted on today, plus the team's train labels, each
  counted ``team_weight`` times. The LoRA adapter and the encoder stay as they are (the new
  version's card points at the adapter in use, so one encoder pass still serves everything).
- **intent** (intent and complaint-topic heads, the risk head with them):
  ``triage.training.intent.train_intent`` on its usual data plus the team's train labels,
  each weighted ``team_weight``.

Each candidate goes to a new version folder (``triage.models.registry.new_version_dir``)
with its card: the data files and their sha256, the labels used (counts per field and
language, the corrections' id range), seed, configuration, and validation figures: the
public sets (for sentiment, the model in use is measured on the very same samples) and the
team's held-out labels for both the candidate and the model in use, overall and per
language. ``registry.decide`` then says whether it replaces the model in use; it does
unless ``promote`` is off.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.db.corrections import LabelledMention, corrections, labelled_mentions
from triage.db.store import Store
from triage.evaluation.metrics import classification_report
from triage.models import registry
from triage.models.card import ModelCard
from triage.models.intent import FEATURE_NAMES, INTENTS, TOPICS, adapter_digest, build_heads, text_features
from triage.models.registry import TEAM_CURRENT_KEY, TEAM_KEY, Decision
from triage.models.sentiment import SentenceEncoder, _load_head, packaged_encoder_dir
from triage.records import SENTIMENTS, utcnow
from triage.tables.customer_posts import CUSTOMER_POSTS, read_customer_posts
from triage.text.normalize import normalize
from triage.training.embeddings import TextEmbeddingCache
from triage.training.intent import AUTHORED_FILE, DEMO_FILE, IntentTrainingConfig, TrainingPost, train_intent
from triage.training.sentiment_head import (
    BASE_HEAD,
    HeadRefitConfig,
    head_figures,
    public_validation_sets,
    refit_sentiment_head,
)
from triage.training.team_split import Split, split_by_author

Log = Callable[[str], None]
FIELDS: tuple[str, ...] = ("sentiment", "intent", "topic", "urgent")
COMMAND = "python -m triage train from-corrections"


@dataclass
class RetrainConfig:
    seed: int = 13
    team_weight: int = 3  # each of the team's labels counts this many times against one public/authored row
    holdout: float = 0.2  # share of the team's labels held out (by author) to measure on
    min_labels: int = 10  # a task with fewer team labels is not retrained
    sentiment: HeadRefitConfig = field(default_factory=HeadRefitConfig)
    intent: IntentTrainingConfig = field(default_factory=IntentTrainingConfig)
    customer: Path = CUSTOMER_POSTS
    demo: Path = DEMO_FILE
    authored: Path = AUTHORED_FILE


@dataclass
class TaskOutcome:
    """What retraining one task gave: the version written (None: not trained), the rule's decision."""

    task: str
    version: str | None
    decision: Decision
    promoted: bool
    team: dict[str, dict[str, float]] = field(default_factory=dict)  # "all"/language -> the candidate's figures
    team_current: dict[str, dict[str, float]] = field(default_factory=dict)  # the same for the model in use
    labels: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        if self.version is None:
            return f"{self.task}: not retrained: {self.decision.why}"
        verdict = "promoted" if self.promoted else ("would be promoted (--no-promote)" if self.decision.promote
                                                    else "kept the current model")
        figures = "; ".join(
            f"{key} {self.team_current[key]['macro_recall']:.3f} -> {self.team[key]['macro_recall']:.3f} "
            f"(n={self.team[key]['n']})" for key in self.team if key in self.team_current)
        return f"{self.task}: {self.version}: {verdict}: {self.decision.why}. Team held-out macro-recall: {figures}"


@dataclass
class RetrainResult:
    outcomes: list[TaskOutcome]
    labelled: int  # mentions with a team label
    train: int
    held_out: int
    seconds: float


class ProgressFile:
    """The progress JSON the dashboard reads (``triage.training.jobs``): done, total, message, finished."""

    def __init__(self, path: Path | None, total: int) -> None:
        self.path, self.total, self.done = path, total, 0

    def step(self, message: str, done: int | None = None) -> None:
        self.done = self.done + 1 if done is None else done
        self._write({"done": self.done, "total": self.total, "message": message, "finished": False,
                     "returncode": None})

    def finish(self, message: str, returncode: int) -> None:
        self._write({"done": self.total if returncode == 0 else self.done, "total": self.total, "message": message,
                     "finished": True, "returncode": returncode})

    def _write(self, state: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, self.path)


def _strata(mention: LabelledMention) -> list[tuple[str, str]]:
    return [(name, value) for name, value in mention.labels.items()] + [("language", mention.language or "?")]


def label_counts(mentions: Sequence[LabelledMention]) -> dict[str, dict[str, int]]:
    """How many labels per field, per language (``{"sentiment": {"it": 40, "en": 12}, ...}``)."""
    counts: dict[str, Counter[str]] = {}
    for mention in mentions:
        for name in mention.labels:
            counts.setdefault(name, Counter())[mention.language or "?"] += 1
    return {name: dict(sorted(c.items())) for name, c in sorted(counts.items())}


def _report(gold: list[str], predicted: list[str], languages: list[str]) -> dict[str, dict[str, float]]:
    """Macro-recall (over the labels the team used), accuracy and n, overall and per language."""
    out: dict[str, dict[str, float]] = {}
    for key in ["all", *sorted(set(languages))]:
        index = [i for i, lang in enumerate(languages) if key in ("all", lang)]
        g, p = [gold[i] for i in index], [predicted[i] for i in index]
        report = classification_report(g, p, sorted(set(g)))
        out[key] = {"macro_recall": round(report["macro_recall"], 4), "accuracy": round(report["accuracy"], 4),
                    "n": len(g)}
    return out


def _team_validation(candidate: dict[str, dict[str, float]], current: dict[str, dict[str, float]]) -> dict[str, Any]:
    validation: dict[str, Any] = {}
    for key, figures in candidate.items():
        suffix = "" if key == "all" else f" ({key})"
        validation[TEAM_KEY + suffix] = figures
        validation[TEAM_CURRENT_KEY + suffix] = current[key]
    return validation


def tuned_encoder(folder: Path) -> tuple[SentenceEncoder, Path]:
    """The tuned encoder of the sentiment model in ``folder`` and its adapter folder."""
    card = ModelCard.load(folder, "python -m triage train sentiment")
    if not card.adapter:
        raise ValueError(f"{folder} has no adapter; retraining from corrections needs the tuned sentiment model")
    adapter = (folder / card.adapter["path"]).resolve()
    return SentenceEncoder(packaged_encoder_dir(), card.max_length, adapter=adapter), adapter


def copy_sentiment_version(current: Path, target: Path) -> None:
    """The model in use's files in ``target``, its adapter referred to where it is (heads only change); its
    sentiment head is the refit's starting point (``head_base``), so a retrain adds the team's labels to the
    model in use rather than starting over."""
    card = ModelCard.load(current, "python -m triage train sentiment")
    names = ["head.safetensors", *(spec["file"] for spec in (card.heads or {}).values())]
    for name in names:
        shutil.copyfile(current / name, target / name)
    shutil.copyfile(current / "head.safetensors", target / BASE_HEAD)  # the refit continues the head in use
    if card.adapter:
        adapter = (current / card.adapter["path"]).resolve()
        card.adapter = dict(card.adapter, path=os.path.relpath(adapter, target))
    card.save(target)


def _provenance(rows: Sequence[Any], split: Split[LabelledMention], used: Sequence[LabelledMention],
                held: Sequence[LabelledMention], weight: int, since: datetime | None) -> dict[str, Any]:
    ids = [row.id for row in rows]
    return {"corrections": {"first_id": min(ids) if ids else None, "last_id": max(ids) if ids else None,
                            "count": len(ids), "since": since.isoformat() if since else None},
            "mentions_labelled": len(split.train) + len(split.held_out),
            "train_labels": label_counts(used), "held_out_labels": label_counts(held),
            "held_out_authors": len({m.author for m in split.held_out}), "team_weight": weight,
            "split": "by author, stratified by label and language"}


def _sentiment(store_rows: Sequence[Any], split: Split[LabelledMention], data: Path, config: RetrainConfig,
               cache: Path, root: Path | None, now: datetime, since: datetime | None, log: Log,
               ) -> tuple[TaskOutcome, ModelCard | None, ModelCard | None]:
    train = [m for m in split.train if m.labels.get("sentiment") in SENTIMENTS]
    held = [m for m in split.held_out if m.labels.get("sentiment") in SENTIMENTS]
    if len(train) + len(held) < config.min_labels:
        why = f"{len(train) + len(held)} sentiment labels, at least {config.min_labels} needed"
        return TaskOutcome("sentiment", None, Decision(False, why), False), None, None
    current_dir = registry.in_use_dir("sentiment", root)
    folder = registry.new_version_dir("sentiment", now, root)
    copy_sentiment_version(current_dir, folder)
    refit = replace(config.sentiment, seed=config.seed)
    card = refit_sentiment_head(data, folder, refit, cache, log, customer=config.customer,
                                extra=[(m.text, m.labels["sentiment"]) for m in train], extra_repeat=config.team_weight)

    encoder, adapter = tuned_encoder(folder)
    embeddings = TextEmbeddingCache(encoder, cache / f"tuned-{adapter_digest(adapter)[:12]}", log)
    current_card = ModelCard.load(current_dir, "python -m triage train sentiment")
    labels = list(SENTIMENTS)
    heads = {name: _load_head(where / "head.safetensors", encoder.dim, c.hidden, len(labels))
             for name, where, c in (("candidate", folder, card), ("current", current_dir, current_card))}
    # the model in use, measured now on the very samples the candidate was measured on
    now_figures = head_figures(heads["current"], embeddings, public_validation_sets(data, card, refit),
                               read_customer_posts(config.customer, "validation"))
    import torch

    x = embeddings.embed([normalize(m.text) for m in held])
    gold, languages = [m.labels["sentiment"] for m in held], [m.language or "?" for m in held]
    with torch.inference_mode():
        predicted = {name: [labels[i] for i in head(x).argmax(-1).tolist()] if held else []
                     for name, head in heads.items()}
    team, team_current = _report(gold, predicted["candidate"], languages), _report(gold, predicted["current"],
                                                                                    languages)
    if not held:
        team, team_current = {}, {}
    card.validation.update(_team_validation(team, team_current))
    card.training["from_corrections"] = {
        **_provenance(store_rows, split, train, held, config.team_weight, since),
        "field": "sentiment", "model_in_use": registry.in_use("sentiment", root),
        "model_in_use_validation_now": now_figures, "seed": config.seed, "config": _config_dict(config),
    }
    card.command = COMMAND
    card.save(folder)
    current_now = replace(current_card, validation=now_figures)
    outcome = TaskOutcome("sentiment", folder.name, registry.decide(card, current_now), False, team, team_current,
                          card.training["from_corrections"]["train_labels"])
    return outcome, card, current_now


def _intent_heads(folder: Path, card: ModelCard, dim: int) -> Any:
    from safetensors.torch import load_file

    heads = build_heads(dim, len(FEATURE_NAMES), card.hidden, len(card.risk_thresholds or {}))
    heads.load_state_dict(load_file(str(folder / "heads.safetensors")))
    return heads.eval()


def _intent_predictions(folder: Path, card: ModelCard, held: Sequence[LabelledMention],
                        embeddings: TextEmbeddingCache, digest: str) -> tuple[list[str], list[str]]:
    """Intent and topic (the topic head's choice) of each held-out post by the heads in ``folder``."""
    if not held:
        return [], []
    if (card.encoder or {}).get("adapter_sha256") != digest:  # heads on another encoder: run them as they run
        from triage.models.intent import EncoderIntentModel

        results = EncoderIntentModel(folder).predict([m.text for m in held])
        return [r.intent for r in results], [r.best_topic or "other" for r in results]
    import torch

    heads = _intent_heads(folder, card, embeddings.encoder.dim)
    x = embeddings.embed([normalize(m.text) for m in held])
    f = torch.tensor([text_features(m.text) for m in held]) * float(card.feature_scale or 1.0)
    z = torch.cat([x, f], dim=-1)
    intents, topics = list(card.intents or INTENTS), list(card.topics or TOPICS)
    with torch.inference_mode():
        return ([intents[i] for i in heads["intent"](z).argmax(-1).tolist()],
                [topics[i] for i in heads["topic"](z).argmax(-1).tolist()])


def _team_intent_post(mention: LabelledMention, weight: int) -> TrainingPost | None:
    """A team label as an intent training post: a topic set without an intent says it is a complaint about it."""
    intent, topic = mention.labels.get("intent"), mention.labels.get("topic")
    if intent is None and topic in TOPICS:
        intent = "complaint"
    if intent not in INTENTS:
        return None
    return TrainingPost(mention.text, intent, topic if topic in TOPICS and intent == "complaint" else None, "team",
                        float(weight))


def _intent(store_rows: Sequence[Any], split: Split[LabelledMention], data: Path, config: RetrainConfig,
            cache: Path, root: Path | None, now: datetime, since: datetime | None, log: Log,
            sentiment_dir: Path) -> tuple[TaskOutcome, ModelCard | None]:
    train = [m for m in split.train if _team_intent_post(m, 1) is not None]
    held = [m for m in split.held_out if m.labels.get("intent") in INTENTS]
    if len(train) + len(held) < config.min_labels:
        return TaskOutcome("intent", None, Decision(False, f"{len(train) + len(held)} intent/topic labels, "
                                                           f"at least {config.min_labels} needed"), False), None
    current_dir = registry.in_use_dir("intent", root)
    folder = registry.new_version_dir("intent", now, root)
    encoder, adapter = tuned_encoder(sentiment_dir)
    posts = [p for p in (_team_intent_post(m, config.team_weight) for m in train) if p is not None]
    card = train_intent(data, folder, replace(config.intent, seed=config.seed), cache, log,
                        authored=config.authored, demo=config.demo, customer=config.customer, adapter=adapter,
                        extra=posts, extra_name=f"team labels ({len(posts)} posts x{config.team_weight})")
    digest = adapter_digest(adapter)
    embeddings = TextEmbeddingCache(encoder, cache / f"tuned-{digest[:12]}", log)
    current_card = ModelCard.load(current_dir, "python -m triage train intent")
    gold, languages = [m.labels["intent"] for m in held], [m.language or "?" for m in held]
    candidate, candidate_topics = _intent_predictions(folder, card, held, embeddings, digest)
    current, current_topics = _intent_predictions(current_dir, current_card, held, embeddings, digest)
    team, team_current = (_report(gold, candidate, languages), _report(gold, current, languages)) if held else ({}, {})
    card.validation.update(_team_validation(team, team_current))
    with_topic = [i for i, m in enumerate(held) if m.labels.get("topic") in TOPICS]
    if with_topic:
        topic_gold = [held[i].labels["topic"] for i in with_topic]
        for name, predicted in (("team held-out topic", candidate_topics),
                                ("team held-out topic, model in use", current_topics)):
            card.validation[name] = {"accuracy": round(sum(g == predicted[i] for g, i in zip(topic_gold, with_topic))
                                                       / len(with_topic), 4), "n": len(with_topic)}
    card.training["from_corrections"] = {
        **_provenance(store_rows, split, train, held, config.team_weight, since),
        "fields": ["intent", "topic"], "model_in_use": registry.in_use("intent", root),
        "seed": config.seed, "config": _config_dict(config),
    }
    card.command = COMMAND
    card.save(folder)
    outcome = TaskOutcome("intent", folder.name, registry.decide(card, current_card), False, team, team_current,
                          card.training["from_corrections"]["train_labels"])
    return outcome, card


def _config_dict(config: RetrainConfig) -> dict[str, Any]:
    values = asdict(config)
    for name in ("customer", "demo", "authored"):
        values[name] = str(values[name])
    return values


def train_from_corrections(
    store: Store, data: Path, *, since: datetime | None = None, config: RetrainConfig | None = None,
    root: Path | None = None, cache: Path | None = None, promote: bool = True, progress_file: Path | None = None,
    log: Log = print, now: datetime | None = None, by: str = COMMAND,
) -> RetrainResult:
    """Retrain the sentiment and intent heads on the team's labels (see the module docstring); each new
    version is promoted when ``registry.decide`` allows it and ``promote`` is on."""
    config = config or RetrainConfig()
    now = now or utcnow()
    started = time.perf_counter()
    progress = ProgressFile(progress_file, 4)
    try:
        progress.step("reading the team's labels")
        labelled = labelled_mentions(store, since, FIELDS)
        rows = corrections(store, since, FIELDS)
        split = split_by_author(labelled, lambda m: m.author, _strata, config.holdout, config.seed)
        log(f"team labels: {len(labelled)} mentions, {len(split.train)} to train on, {len(split.held_out)} held "
            f"out ({len({m.author for m in split.held_out})} authors)")
        with tempfile.TemporaryDirectory() as scratch:
            embeddings = cache or Path(scratch)
            progress.step("refitting the sentiment head")
            sentiment, _card, _current = _sentiment(rows, split, data, config, embeddings, root, now, since, log)
            progress.step("training the intent and topic heads")
            intent, _ = _intent(rows, split, data, config, embeddings, root, now, since, log,
                                registry.in_use_dir("sentiment", root))  # heads only: the adapter in use
        progress.step("applying the promotion rule")
        for outcome in (sentiment, intent):
            if outcome.version is not None and outcome.decision.promote and promote:
                registry.set_promoted(outcome.task, outcome.version, by, now, outcome.decision.why, root)
                outcome.promoted = True
        progress.finish("done", 0)
    except BaseException as exc:
        progress.finish(f"failed: {exc}", 1)
        raise
    return RetrainResult([sentiment, intent], len(labelled), len(split.train), len(split.held_out),
                         time.perf_counter() - started)
