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
- **urgency**: ``triage.training.urgency.train_urgency`` on the authored posts' train split and
  the demo labels plus the team's "urgent / not urgent" train labels, each weighted
  ``team_weight``. No public urgency set exists: the "public" figures the rule compares are
  the authored customer posts' validation split, per language.

The LoRA adapter stays as it is. ``--adapter`` (``triage.training.adapter_set``) continues it
too and then refits every head on the new encoder, written and promoted as one set.

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
from triage.training.adapter import AdapterRefitConfig
from triage.training.embeddings import TextEmbeddingCache
from triage.training.intent import AUTHORED_FILE, DEMO_FILE, IntentTrainingConfig, TrainingPost, train_intent
from triage.training.language_heads import fit_language_heads, language_heads_of
from triage.training.sentiment_head import (
    BASE_HEAD,
    HeadRefitConfig,
    Routed,
    public_validation_sets,
    refit_sentiment_head,
    routed_figures,
)
from triage.training.team_split import Split, split_by_author
from triage.training.urgency import UrgencyExample, UrgencyInputs, UrgencyTrainingConfig, train_urgency

Log = Callable[[str], None]
FIELDS: tuple[str, ...] = ("sentiment", "intent", "topic", "urgent")
COMMAND = "python -m triage train from-corrections"


@dataclass
class RetrainConfig:
    seed: int = 13
    team_weight: int = 3  # each of the team's labels counts this many times against one public/authored row
    # sentiment: "language": the main head stays, the team's labels fit a head per language (only texts detected
    # in it read it: triage.training.language_heads); "shared": the main head refitted with them (before)
    team_head: str = "language"
    holdout: float = 0.2  # share of the team's labels held out (by author) to measure on
    min_labels: int = 10  # a task with fewer team labels is not retrained
    sentiment: HeadRefitConfig = field(default_factory=HeadRefitConfig)
    intent: IntentTrainingConfig = field(default_factory=IntentTrainingConfig)
    urgency: UrgencyTrainingConfig = field(default_factory=UrgencyTrainingConfig)
    adapter: AdapterRefitConfig = field(default_factory=AdapterRefitConfig)  # --adapter only (adapter_set)
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
    set_line: str | None = None  # --adapter: what became of the set as a whole (one line)


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
    heads = card.heads or {}
    names = ["head.safetensors", *(spec["file"] for spec in heads.values() if "file" in spec),
             *(spec["file"] for spec in (heads.get("sentiment_by_language") or {}).values())]
    for name in names:
        shutil.copyfile(current / name, target / name)
    shutil.copyfile(current / "head.safetensors", target / BASE_HEAD)  # the refit continues the head in use
    if card.adapter:
        adapter = (current / card.adapter["path"]).resolve()
        card.adapter = dict(card.adapter, path=os.path.relpath(adapter, target))
    card.model_set = None  # a heads-only version stands alone (on its set's adapter, if the model in use has one)
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
    current_card = ModelCard.load(current_dir, "python -m triage train sentiment")
    encoder, adapter = tuned_encoder(current_dir)
    embeddings = TextEmbeddingCache(encoder, cache / f"tuned-{adapter_digest(adapter)[:12]}", log)
    labels = list(SENTIMENTS)
    current_main = _load_head(current_dir / "head.safetensors", encoder.dim, current_card.hidden, len(labels))
    current_languages = language_heads_of(current_dir, current_card, encoder.dim)
    if config.team_head == "language":  # the main head stays; the team's labels fit heads gated by language
        card = ModelCard.load(folder, "python -m triage train sentiment")
        candidate_main = current_main
        candidate_languages = fit_language_heads(
            folder, current_dir, card, [(m.text, m.labels["sentiment"], m.language or "?") for m in train], data,
            config.customer, embeddings, refit, config.team_weight, config.min_labels, log)
    else:  # "shared": the main head refitted on everything, the team's labels with the rest
        card = refit_sentiment_head(data, folder, refit, cache, log, customer=config.customer,
                                    extra=[(m.text, m.labels["sentiment"]) for m in train],
                                    extra_repeat=config.team_weight)
        candidate_main = _load_head(folder / "head.safetensors", encoder.dim, card.hidden, len(labels))
        candidate_languages = {}
    # both models measured now on the very same samples, each with its language heads
    sets = public_validation_sets(data, current_card, refit)
    validation_posts = read_customer_posts(config.customer, "validation")
    now_figures = routed_figures(current_main, current_languages, embeddings, sets, validation_posts)
    card.validation = routed_figures(candidate_main, candidate_languages, embeddings, sets, validation_posts)
    import torch

    cleaned = [normalize(m.text) for m in held]
    x = embeddings.embed(cleaned)
    gold, languages = [m.labels["sentiment"] for m in held], [m.language or "?" for m in held]
    with torch.inference_mode():
        predicted = {name: [labels[i] for i in Routed(main, by_language, cleaned)(x).argmax(-1).tolist()]
                     if held else []
                     for name, main, by_language in (("candidate", candidate_main, candidate_languages),
                                                     ("current", current_main, current_languages))}
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


def intent_inputs(card: ModelCard, embeddings: TextEmbeddingCache, texts: Sequence[str]) -> Any:
    """What the intent heads of ``card`` read for ``texts``: the encoder's embedding and the scaled text features."""
    import torch

    x = embeddings.embed([normalize(t) for t in texts])
    f = torch.tensor([text_features(t) for t in texts]) * float(card.feature_scale or 1.0)
    return torch.cat([x, f], dim=-1)


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
    z = intent_inputs(card, embeddings, [m.text for m in held])
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
    digest = adapter_digest(adapter)
    embeddings = TextEmbeddingCache(encoder, cache / f"tuned-{digest[:12]}", log)
    current_card = ModelCard.load(current_dir, "python -m triage train intent")
    card, team, team_current = intent_version(store_rows, split, train, held, data, config, folder, current_dir,
                                              cache, log, root, since, (adapter, embeddings, digest),
                                              (embeddings, digest), COMMAND)
    outcome = TaskOutcome("intent", folder.name, registry.decide(card, current_card), False, team, team_current,
                          card.training["from_corrections"]["train_labels"])
    return outcome, card


def intent_version(
    store_rows: Sequence[Any], split: Split[LabelledMention], train: Sequence[LabelledMention],
    held: Sequence[LabelledMention], data: Path, config: RetrainConfig, folder: Path, current_dir: Path, cache: Path,
    log: Log, root: Path | None, since: datetime | None, new: tuple[Path, TextEmbeddingCache, str],
    current: tuple[TextEmbeddingCache, str], command: str,
) -> tuple[ModelCard, dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Intent, topic and risk heads in ``folder``: ``train_intent`` on the encoder with ``new``'s adapter (its
    embeddings and sha256 beside it), plus the team's ``train`` labels weighted ``team_weight``; measured, with
    the heads in use in ``current_dir`` (on ``current``'s embeddings), on the ``held`` labels (intent
    macro-recall, topic accuracy); its card saved. Returns the card and the two held-out intent figures."""
    adapter, embeddings, digest = new
    posts = [p for p in (_team_intent_post(m, config.team_weight) for m in train) if p is not None]
    card = train_intent(data, folder, replace(config.intent, seed=config.seed), cache, log,
                        authored=config.authored, demo=config.demo, customer=config.customer, adapter=adapter,
                        extra=posts, extra_name=f"team labels ({len(posts)} posts x{config.team_weight})")
    current_card = ModelCard.load(current_dir, "python -m triage train intent")
    gold, languages = [m.labels["intent"] for m in held], [m.language or "?" for m in held]
    candidate, candidate_topics = _intent_predictions(folder, card, held, embeddings, digest)
    in_use, current_topics = _intent_predictions(current_dir, current_card, held, *current)
    team, team_current = (_report(gold, candidate, languages), _report(gold, in_use, languages)) if held else ({}, {})
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
    card.command = command
    card.save(folder)
    return card, team, team_current


URGENT_VALUES = ("0", "1")


def _urgent_word(value: bool) -> str:
    return "urgent" if value else "not urgent"


def _urgency(store_rows: Sequence[Any], split: Split[LabelledMention], config: RetrainConfig, cache: Path,
             root: Path | None, now: datetime, since: datetime | None, log: Log, sentiment_dir: Path,
             ) -> TaskOutcome:
    """The urgency head (``triage.training.urgency``) refitted on its usual data plus the team's "urgent / not
    urgent" train labels, each weighted ``team_weight``; measured with the head in use on the held-out ones."""

    train = [m for m in split.train if m.labels.get("urgent") in URGENT_VALUES]
    held = [m for m in split.held_out if m.labels.get("urgent") in URGENT_VALUES]
    if len(train) + len(held) < config.min_labels:
        return TaskOutcome("urgency", None, Decision(False, f"{len(train) + len(held)} urgent labels, "
                                                            f"at least {config.min_labels} needed"), False)
    current_dir = registry.in_use_dir("urgency", root)
    folder = registry.new_version_dir("urgency", now, root)
    card_in_use = ModelCard.load(sentiment_dir, "python -m triage train sentiment")
    adapter = (sentiment_dir / card_in_use.adapter["path"]).resolve() if card_in_use.adapter else None
    current_card = ModelCard.load(current_dir, "python -m triage train urgency")
    card, team, team_current = urgency_version(store_rows, split, train, held, config, folder, current_dir, cache,
                                               log, root, since, adapter, adapter, COMMAND)
    return TaskOutcome("urgency", folder.name, registry.decide(card, current_card), False, team, team_current,
                       card.training["from_corrections"]["train_labels"])


def urgency_version(
    store_rows: Sequence[Any], split: Split[LabelledMention], train: Sequence[LabelledMention],
    held: Sequence[LabelledMention], config: RetrainConfig, folder: Path, current_dir: Path, cache: Path, log: Log,
    root: Path | None, since: datetime | None, adapter: Path | None, current_adapter: Path | None, command: str,
) -> tuple[ModelCard, dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """An urgency head in ``folder``: ``train_urgency`` on the encoder with ``adapter``, plus the team's "urgent /
    not urgent" ``train`` labels weighted ``team_weight``; measured, with the head in use in ``current_dir`` (on
    ``current_adapter``'s encoder, when it reads that one), on the ``held`` labels; its card saved. Returns the
    card and the two held-out figures (the second empty when no head in use could be compared)."""
    from triage.models.urgency import HEAD_FILE, UrgencyHead

    urgency_config = replace(config.urgency, seed=config.seed)
    extra = [UrgencyExample(m.text, m.labels["urgent"] == "1", "team", float(config.team_weight), m.author,
                            m.language or "") for m in train]
    card = train_urgency(folder, urgency_config, cache, log, customer=config.customer, demo=config.demo,
                         adapter=adapter, extra=extra, extra_name=f"team labels ({len(extra)} x{config.team_weight})",
                         command=command)
    team: dict[str, dict[str, float]] = {}
    team_current: dict[str, dict[str, float]] = {}
    if held:
        texts = [m.text for m in held]
        gold = [_urgent_word(m.labels["urgent"] == "1") for m in held]
        languages = [m.language or "?" for m in held]

        def figures(head: Any, x: Any) -> dict[str, dict[str, float]]:
            return _report(gold, [_urgent_word(p >= urgency_config.threshold) for p in head.probabilities(x, texts)],
                           languages)

        x = UrgencyInputs(adapter, urgency_config, cache, log).embed(texts)
        team = figures(UrgencyHead(folder), x)
        current = UrgencyHead(current_dir) if (current_dir / HEAD_FILE).is_file() else None
        if current is not None and current.reads(current_adapter):
            x_current = x if current_adapter == adapter else \
                UrgencyInputs(current_adapter, urgency_config, cache, log).embed(texts)
            team_current = figures(current, x_current)
    if team_current:
        card.validation.update(_team_validation(team, team_current))
    card.training["from_corrections"] = {
        **_provenance(store_rows, split, train, held, config.team_weight, since),
        "field": "urgent", "model_in_use": registry.in_use("urgency", root), "seed": config.seed,
        "config": _config_dict(config),
    }
    card.save(folder)
    return card, team, team_current


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
    """Retrain the sentiment, intent and urgency heads on the team's labels (see the module docstring); each new
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
            progress.step("training the urgency head", progress.done)
            urgency = _urgency(rows, split, config, embeddings, root, now, since, log,
                               registry.in_use_dir("sentiment", root))
        progress.step("applying the promotion rule")
        for outcome in (sentiment, intent, urgency):
            if outcome.version is not None and outcome.decision.promote and promote:
                registry.set_promoted(outcome.task, outcome.version, by, now, outcome.decision.why, root)
                outcome.promoted = True
        progress.finish("done", 0)
    except BaseException as exc:
        progress.finish(f"failed: {exc}", 1)
        raise
    return RetrainResult([sentiment, intent, urgency], len(labelled), len(split.train), len(split.held_out),
                         time.perf_counter() - started)
