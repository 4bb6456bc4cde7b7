"""Retrain the adapter and every head on it, as one set: ``python -m triage train from-corrections --adapter``.

Heads-only retraining (``triage.training.from_corrections``) keeps the LoRA adapter in use. This
option continues fine-tuning it (``triage.training.adapter.finetune`` from the in-use adapter's
and sentiment head's weights, not from scratch) on a bounded sample of the public sentiment
training data the shipped model used (``AdapterRefitConfig.public_limit`` rows of the same
files, same licences), the authored customer posts' train split (repeated) and the team's
train labels (each counted ``team_weight`` times); never the team's held-out fifth, never a
test split. A new adapter changes the encoder every head reads, so every head on it is
refitted on the new encoder and the versions are written as one set, each card naming the
others and the new adapter (``ModelCard.model_set``):

- **sentiment**: the new adapter, the sentiment head trained with it, the anger and offensive
  heads refitted on its embeddings (``train_extra_head``), and the team's per-language heads
  (``triage.training.language_heads``, started from the new main head);
- **intent** (intent, topic and risk heads with the thresholds per risk and language):
  ``train_intent`` on the new encoder plus the team's intent/topic train labels; its card
  records the new adapter's sha256;
- **urgency**: ``train_urgency`` on the new encoder plus the team's urgent labels.

The n-gram models (``data/models/ngram``) read no encoder; their combination with the heads'
probabilities (``triage.models.ngram.Combination``) was chosen on the old heads. The set keeps
that combination, writes it into the sentiment and intent cards (``heads["ngram"]``, which
the loaders read from the version in use) and shows whether it still holds: the customer
posts' validation split per language, the new heads alone and joined with the n-grams.

Promotion is all or none (``registry.check_set``): the sentiment member by ``registry.decide``
(public sets within 0.01 macro-recall, better on the team's held-out labels), the intent and
urgency members not worse on their public/authored validation figures. If one fails, nothing
is promoted and the result says which member and why. One encoder pass still serves
everything: the loaders read the adapter of the sentiment version in use.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.db.corrections import LabelledMention, corrections, labelled_mentions
from triage.db.store import Store
from triage.evaluation.metrics import classification_report
from triage.models import registry
from triage.models.card import ModelCard
from triage.models.intent import INTENTS, adapter_digest
from triage.models.registry import Decision
from triage.models.sentiment import SentenceEncoder, _load_head, packaged_encoder_dir
from triage.records import SENTIMENTS, utcnow
from triage.tables.customer_posts import PROJECT_ROOT, read_customer_posts
from triage.tables.datasets import Example, read_tsv, sample
from triage.tables.formats import file_sha256
from triage.text.normalize import normalize
from triage.training import adapter as lora
from triage.training.adapter import ADAPTER_NOTE
from triage.training.embeddings import TextEmbeddingCache
from triage.training.from_corrections import (
    COMMAND,
    FIELDS,
    URGENT_VALUES,
    Log,
    ProgressFile,
    RetrainConfig,
    RetrainResult,
    TaskOutcome,
    _config_dict,
    _intent_heads,
    _provenance,
    _report,
    _strata,
    _team_intent_post,
    _team_validation,
    intent_inputs,
    intent_version,
    tuned_encoder,
    urgency_version,
)
from triage.training.language_heads import fit_language_heads, language_heads_of
from triage.training.sentiment import EXTRA_HEADS, SentimentTrainingConfig, _describe, train_extra_head, training_files
from triage.training.sentiment_head import BASE_HEAD, Routed, public_validation_sets, routed_figures
from triage.training.team_split import Split, split_by_author

ADAPTER_COMMAND = COMMAND + " --adapter"
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TOTAL = 20  # progress units: 1 reading, 2-13 the adapter (the long step), then the heads, the rule
ADAPTER_FIRST, ADAPTER_LAST = 2, 13


@dataclass
class Encoders:
    """The new tuned encoder and the one in use, with their embedding caches (never mixed: one folder each)."""

    new: TextEmbeddingCache
    new_adapter: Path
    new_digest: str
    old: TextEmbeddingCache
    old_adapter: Path
    old_digest: str


def _first_config(card: ModelCard) -> SentimentTrainingConfig:
    known = {f.name for f in fields(SentimentTrainingConfig)}
    return SentimentTrainingConfig(**{k: v for k, v in card.training.get("config", {}).items() if k in known})


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


def _adapter_stage(split: Split[LabelledMention], data: Path, config: RetrainConfig, cache: Path, root: Path | None,
                   now: datetime, log: Log, progress: ProgressFile) -> tuple[Path, ModelCard, Encoders]:
    """Continue the adapter in use with its sentiment head; write them (and ``head_base``) to a new sentiment
    version folder with a first card. Returns the folder, the card and both encoders."""
    from safetensors.torch import save_file

    adapter_config = config.adapter
    current_dir = registry.in_use_dir("sentiment", root)
    current = ModelCard.load(current_dir, "python -m triage train sentiment")
    if not current.adapter:
        raise ValueError(f"{current_dir} has no adapter to continue; train it with: python -m triage train sentiment")
    old_adapter = (current_dir / current.adapter["path"]).resolve()
    first = _first_config(current)
    public: list[Example] = []
    for path in training_files(data, first):
        public.extend(read_tsv(path))
    public = sample(public, adapter_config.public_limit, config.seed)
    provenance = [_describe(path, data, sum(1 for e in public if e.source == str(path)))
                  for path in training_files(data, first)]
    posts = [p for p in read_customer_posts(config.customer, "train") if p.sentiment in SENTIMENTS]
    provenance.append({"file": _shown(config.customer), "sha256": file_sha256(config.customer),
                       "rows_used": len(posts), "licence": "authored for this project (repository licence)",
                       "split": "train", "repeat": adapter_config.customer_repeat})
    team = [m for m in split.train if m.labels.get("sentiment") in SENTIMENTS]
    provenance.append({"file": "team labels (train split)", "rows_used": len(team), "repeat": config.team_weight})
    labels = list(SENTIMENTS)
    texts = ([normalize(e.text) for e in public] + [normalize(p.text) for p in posts] * adapter_config.customer_repeat
             + [normalize(m.text) for m in team] * config.team_weight)
    targets = ([labels.index(e.label) for e in public] + [labels.index(p.sentiment) for p in posts]
               * adapter_config.customer_repeat + [labels.index(m.labels["sentiment"]) for m in team]
               * config.team_weight)
    encoder = SentenceEncoder(packaged_encoder_dir(), current.max_length)  # the plain encoder: the adapter goes on
    settings = lora.AdapterSettings(int(current.adapter.get("rank", first.adapter_rank)),
                                    tuple(current.adapter.get("layers", first.adapter_layers)),
                                    adapter_config.learning_rate, adapter_config.batch_size, adapter_config.epochs,
                                    config.seed, current.hidden)
    log(f"continuing the adapter of {registry.in_use('sentiment', root)} on layers {list(settings.layers)} with its "
        f"sentiment head: {len(public)} public rows, {len(posts)} customer posts x{adapter_config.customer_repeat}, "
        f"{len(team)} team labels x{config.team_weight} ({len(texts)} examples)")
    span = ADAPTER_LAST - ADAPTER_FIRST

    def on_step(step: int, steps: int) -> None:
        if step % 5 == 0 or step == steps:
            progress.step(f"fine-tuning the adapter (the long step): batch {step}/{steps}",
                          ADAPTER_FIRST + (span * step) // steps)

    started = time.perf_counter()
    model, head = lora.finetune(encoder, texts, targets, len(labels), settings, log, start_adapter=old_adapter,
                                start_head=current_dir / "head.safetensors", on_step=on_step)
    seconds = time.perf_counter() - started
    log(f"adapter continued in {seconds:.0f} s ({len(texts) / max(seconds, 1e-9):.1f} examples/s)")
    folder = registry.new_version_dir("sentiment", now, root)
    lora.save_adapter(model, folder / "adapter", BASE_MODEL)
    encoder.model = lora.merged(model)
    new_adapter = (folder / "adapter").resolve()
    encoder.adapter = new_adapter
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(folder / "head.safetensors"))
    shutil.copyfile(folder / "head.safetensors", folder / BASE_HEAD)  # a later heads-only refit starts here
    digest, old_digest = adapter_digest(new_adapter), adapter_digest(old_adapter)
    new = TextEmbeddingCache(encoder, cache / f"tuned-{digest[:12]}", log)
    old_encoder, _ = tuned_encoder(current_dir)
    old = TextEmbeddingCache(old_encoder, cache / f"tuned-{old_digest[:12]}", log)
    card = ModelCard(
        name=current.name, task=current.task, labels=labels, encoder=dict(current.encoder, frozen=False),
        hidden=current.hidden, max_length=current.max_length, int8=current.int8, int8_design=current.int8_design,
        training={"config": current.training.get("config", {}), "files": provenance, "examples": len(texts),
                  "adapter_refit": {"config": _config_dict(config)["adapter"], "seconds": round(seconds, 1),
                                    "examples_per_second": round(len(texts) / max(seconds, 1e-9), 2)}},
        command=ADAPTER_COMMAND,
        adapter={"path": "adapter", "method": "LoRA (peft), merged into the encoder at load",
                 "rank": settings.rank, "layers": list(settings.layers), "targets": lora.TARGET_MODULES,
                 "examples": len(texts), "sha256": digest,
                 "continued_from": {"version": registry.in_use("sentiment", root), "sha256": old_digest}},
    )
    card.save(folder)
    return folder, card, Encoders(new, new_adapter, digest, old, old_adapter, old_digest)


def _sentiment_member(store_rows: Sequence[Any], split: Split[LabelledMention], data: Path, config: RetrainConfig,
                      root: Path | None, since: datetime | None, folder: Path, card: ModelCard, encoders: Encoders,
                      log: Log) -> TaskOutcome:
    """The rest of the sentiment version: anger/offensive heads and the team's language heads on the new encoder,
    its figures and the model in use's on the same samples, the rule's decision."""
    import torch
    from safetensors.torch import save_file

    current_dir = registry.in_use_dir("sentiment", root)
    current = ModelCard.load(current_dir, "python -m triage train sentiment")
    first = replace(_first_config(current), seed=config.seed)
    heads: dict[str, Any] = {}
    for task in EXTRA_HEADS:
        extra_head, entry = train_extra_head(task, data, encoders.new, first, log, limit=config.adapter.extra_limit)
        save_file({k: v.contiguous() for k, v in extra_head.state_dict().items()}, str(folder / entry["file"]))
        heads[task] = entry
    card.heads = heads
    train = [m for m in split.train if m.labels.get("sentiment") in SENTIMENTS]
    held = [m for m in split.held_out if m.labels.get("sentiment") in SENTIMENTS]
    refit = replace(config.sentiment, seed=config.seed)
    dim = encoders.new.encoder.dim
    main = _load_head(folder / "head.safetensors", dim, card.hidden, len(SENTIMENTS))
    by_language: dict[str, Any] = {}
    if config.team_head == "language":  # from the new main head: the old language heads read the old encoder
        by_language = fit_language_heads(folder, folder, card, [(m.text, m.labels["sentiment"], m.language or "?")
                                                                for m in train], data, config.customer,
                                         encoders.new, refit, config.team_weight, config.min_labels, log)
    current_main = _load_head(current_dir / "head.safetensors", dim, current.hidden, len(SENTIMENTS))
    current_languages = language_heads_of(current_dir, current, dim)
    sets = public_validation_sets(data, current, refit)
    validation_posts = read_customer_posts(config.customer, "validation")
    now_figures = routed_figures(current_main, current_languages, encoders.old, sets, validation_posts)
    card.validation = routed_figures(main, by_language, encoders.new, sets, validation_posts)
    team: dict[str, dict[str, float]] = {}
    team_current: dict[str, dict[str, float]] = {}
    if held:
        cleaned = [normalize(m.text) for m in held]
        gold, languages = [m.labels["sentiment"] for m in held], [m.language or "?" for m in held]
        with torch.inference_mode():
            ours = Routed(main, by_language, cleaned)(encoders.new.embed(cleaned)).argmax(-1).tolist()
            theirs = Routed(current_main, current_languages, cleaned)(encoders.old.embed(cleaned)).argmax(-1).tolist()
        team = _report(gold, [SENTIMENTS[i] for i in ours], languages)
        team_current = _report(gold, [SENTIMENTS[i] for i in theirs], languages)
        card.validation.update(_team_validation(team, team_current))
    _ngram_check(card, "sentiment", validation_posts,
                 lambda texts: torch.softmax(Routed(main, by_language, texts)(encoders.new.embed(texts)), -1), log,
                 clean=True)
    card.training["from_corrections"] = {
        **_provenance(store_rows, split, train, held, config.team_weight, since),
        "field": "sentiment", "model_in_use": registry.in_use("sentiment", root),
        "model_in_use_validation_now": now_figures, "seed": config.seed, "config": _config_dict(config),
    }
    card.save(folder)
    decision = registry.decide(card, replace(current, validation=now_figures))
    return TaskOutcome("sentiment", folder.name, decision, False, team, team_current,
                       card.training["from_corrections"]["train_labels"])


def _ngram_check(card: ModelCard, task: str, posts: Sequence[Any], probabilities: Any, log: Log,
                 clean: bool = False) -> None:
    """Keep the n-gram combination of ``data/models/ngram`` for ``task`` in ``card`` and record whether it still
    holds on the new heads: macro-recall on the customer posts' validation split per language, heads alone
    and joined with the n-grams. ``clean``: the texts are normalised first (as the sentiment model reads them)."""
    from triage.models.ngram import VERSION_KEY, load_ngram_head

    ngram = load_ngram_head(task)
    if ngram is None:
        return
    label_of = (lambda p: p.sentiment) if task == "sentiment" else (lambda p: p.intent)
    labels = list(SENTIMENTS) if task == "sentiment" else list(card.intents or INTENTS)
    check: dict[str, Any] = {}
    for lang in sorted({p.lang for p in posts}):
        chosen = [p for p in posts if p.lang == lang and label_of(p) in labels]
        if not chosen:
            continue
        texts = [normalize(p.text) if clean else p.text for p in chosen]
        alone = probabilities(texts).detach().numpy()
        joined = ngram.combine(alone, texts, labels)
        gold = [label_of(p) for p in chosen]
        figures = {name: round(classification_report(gold, [labels[i] for i in p.argmax(-1).tolist()],
                                                     labels)["macro_recall"], 4)
                   for name, p in (("heads alone", alone), ("with n-grams", joined))}
        check[lang] = {**figures, "n": len(chosen), "holds": figures["with n-grams"] >= figures["heads alone"]}
        log(f"n-gram combination ({task}, {lang}): heads alone {figures['heads alone']:.3f}, with n-grams "
            f"{figures['with n-grams']:.3f}")
    card.heads = dict(card.heads or {})
    card.heads[VERSION_KEY] = {"combination": ngram.combination.to_dict(),
                               "chosen": "kept from data/models/ngram (train ngram's choice on the folds, old heads)",
                               "check (customer posts validation, macro-recall)": check}


def _intent_member(store_rows: Sequence[Any], split: Split[LabelledMention], data: Path, config: RetrainConfig,
                   cache: Path, root: Path | None, now: datetime, since: datetime | None, encoders: Encoders,
                   log: Log) -> tuple[TaskOutcome, Path, ModelCard]:
    """The intent, topic and risk heads on the new encoder (``train_intent``), the team's labels with the rest."""
    import torch

    train = [m for m in split.train if _team_intent_post(m, 1) is not None]
    held = [m for m in split.held_out if m.labels.get("intent") in INTENTS]
    current_dir = registry.in_use_dir("intent", root)
    current = ModelCard.load(current_dir, "python -m triage train intent")
    folder = registry.new_version_dir("intent", now, root)
    card, team, team_current = intent_version(store_rows, split, train, held, data, config, folder, current_dir,
                                              cache, log, root, since,
                                              (encoders.new_adapter, encoders.new, encoders.new_digest),
                                              (encoders.old, encoders.old_digest), ADAPTER_COMMAND)
    heads = _intent_heads(folder, card, encoders.new.encoder.dim)

    def probabilities(texts: list[str]) -> Any:
        with torch.inference_mode():
            return torch.softmax(heads["intent"](intent_inputs(card, encoders.new, texts)), -1)

    _ngram_check(card, "intent", read_customer_posts(config.customer, "validation"), probabilities, log)
    card.save(folder)
    return (TaskOutcome("intent", folder.name, registry.not_worse(card, current), False, team, team_current,
                        card.training["from_corrections"]["train_labels"]), folder, card)


def _urgency_member(store_rows: Sequence[Any], split: Split[LabelledMention], config: RetrainConfig, cache: Path,
                    root: Path | None, now: datetime, since: datetime | None, encoders: Encoders, log: Log,
                    ) -> tuple[TaskOutcome, Path, ModelCard]:
    """The urgency head on the new encoder (``train_urgency``), the team's urgent labels with the rest."""
    train = [m for m in split.train if m.labels.get("urgent") in URGENT_VALUES]
    held = [m for m in split.held_out if m.labels.get("urgent") in URGENT_VALUES]
    current_dir = registry.in_use_dir("urgency", root)
    current = ModelCard.load(current_dir, "python -m triage train urgency")
    folder = registry.new_version_dir("urgency", now, root)
    card, team, team_current = urgency_version(store_rows, split, train, held, config, folder, current_dir, cache,
                                               log, root, since, encoders.new_adapter, encoders.old_adapter,
                                               ADAPTER_COMMAND)
    return (TaskOutcome("urgency", folder.name, registry.not_worse(card, current), False, team, team_current,
                        card.training["from_corrections"]["train_labels"]), folder, card)


def _link(members: dict[str, str], digest: str, folders: dict[str, Path]) -> None:
    """Write the set (its members and the new adapter's sha256) into every member's card."""
    for folder in folders.values():
        card = ModelCard.load(folder, ADAPTER_COMMAND)
        card.model_set = {**members, "adapter_sha256": digest}
        card.save(folder)


def set_decision(outcomes: Sequence[TaskOutcome]) -> Decision:
    """All or none: the first member the rule refuses says why the set is not promoted."""
    for outcome in outcomes:
        if not outcome.decision.promote:
            return Decision(False, f"{outcome.task} member {outcome.version} failed: {outcome.decision.why}; "
                                   "nothing promoted, the current set is kept")
    return Decision(True, "every member passed: " + "; ".join(f"{o.task}: {o.decision.why}" for o in outcomes))


def train_adapter_set(
    store: Store, data: Path, *, since: datetime | None = None, config: RetrainConfig | None = None,
    root: Path | None = None, cache: Path | None = None, promote: bool = True, progress_file: Path | None = None,
    log: Log = print, now: datetime | None = None, by: str = ADAPTER_COMMAND,
) -> RetrainResult:
    """Continue the adapter in use on the team's labels and refit every head on it as one set (see the module
    docstring); the set is promoted as one when every member passes the rule and ``promote`` is on."""
    config = config or RetrainConfig()
    now = now or utcnow()
    started = time.perf_counter()
    progress = ProgressFile(progress_file, TOTAL)
    try:
        progress.step("reading the team's labels", 1)
        labelled = labelled_mentions(store, since, FIELDS)
        rows = corrections(store, since, FIELDS)
        split = split_by_author(labelled, lambda m: m.author, _strata, config.holdout, config.seed)
        log(f"team labels: {len(labelled)} mentions, {len(split.train)} to train on, {len(split.held_out)} held "
            f"out ({len({m.author for m in split.held_out})} authors)")
        log(f"note: {ADAPTER_NOTE}")
        sentiment_labels = sum(m.labels.get("sentiment") in SENTIMENTS for m in labelled)
        if sentiment_labels < config.min_labels:
            why = (f"{sentiment_labels} sentiment labels, at least {config.min_labels} needed to continue the "
                   "adapter (the set is trained on them)")
            outcomes = [TaskOutcome(task, None, Decision(False, why), False) for task in registry.TASKS]
            progress.finish("done", 0)
            return RetrainResult(outcomes, len(labelled), len(split.train), len(split.held_out),
                                 time.perf_counter() - started, set_line=f"set: not retrained: {why}")
        with tempfile.TemporaryDirectory() as scratch:
            embeddings = cache or Path(scratch)
            progress.step("fine-tuning the adapter (the long step)", ADAPTER_FIRST)
            folder, card, encoders = _adapter_stage(split, data, config, embeddings, root, now, log, progress)
            progress.step("refitting the sentiment, anger, offensive and language heads", ADAPTER_LAST + 1)
            sentiment = _sentiment_member(rows, split, data, config, root, since, folder, card, encoders, log)
            progress.step("training the intent, topic and risk heads on the new encoder", ADAPTER_LAST + 3)
            intent, intent_dir, _ = _intent_member(rows, split, data, config, embeddings, root, now, since, encoders,
                                                   log)
            progress.step("training the urgency head on the new encoder", ADAPTER_LAST + 5)
            urgency, urgency_dir, _ = _urgency_member(rows, split, config, embeddings, root, now, since, encoders,
                                                      log)
        outcomes = [sentiment, intent, urgency]
        members = {o.task: str(o.version) for o in outcomes}
        _link(members, encoders.new_digest, {"sentiment": folder, "intent": intent_dir, "urgency": urgency_dir})
        progress.step("applying the promotion rule to the set (all or none)", TOTAL - 1)
        decision = set_decision(outcomes)
        if decision.promote and promote:
            registry.set_promoted_together(members, by, now, decision.why, root)
            for outcome in outcomes:
                outcome.promoted = True
        elif not decision.promote:
            for outcome in outcomes:
                if outcome.decision.promote:
                    outcome.decision = Decision(False, f"{outcome.decision.why}, but the set is not promoted")
        verdict = ("promoted as one" if decision.promote and promote else
                   "would be promoted as one (--no-promote)" if decision.promote else "nothing promoted")
        set_line = (f"set (adapter {encoders.new_digest[:12]}, continued from {encoders.old_digest[:12]}): "
                    f"{', '.join(members.values())}: {verdict}: {decision.why}")
        progress.finish("done", 0)
    except BaseException as exc:
        progress.finish(f"failed: {exc}", 1)
        raise
    return RetrainResult(outcomes, len(labelled), len(split.train), len(split.held_out),
                         time.perf_counter() - started, set_line=set_line)
