"""``train from-corrections --adapter``: the adapter in use is continued on the team's labels and every head is
refitted on the new encoder; the versions are written as one set, promoted all or none, rolled back as one, and
the promoted set still runs in one encoder pass.

Tiny samples (``tiny_config``: a few dozen public rows and authored posts, one epoch) keep it to a few minutes on
two cores; the figures mean nothing here, the wiring does.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import ROOT
from triage.db.corrections import Label, record
from triage.models import registry
from triage.models.card import ModelCard
from triage.models.intent import adapter_digest
from triage.records import Author, Mention, utcnow
from triage.tables.customer_posts import CUSTOMER_POSTS
from triage.training.adapter import AdapterRefitConfig
from triage.training.adapter_set import train_adapter_set
from triage.training.from_corrections import RetrainConfig
from triage.training.intent import DEMO_FILE, IntentTrainingConfig
from triage.training.sentiment_head import HeadRefitConfig
from triage.training.urgency import UrgencyTrainingConfig

TEAM_FILE = ROOT / "tests" / "data" / "team_corrections_it.jsonl"
DATA = ROOT.parent / "shared" / "data"
pytestmark = pytest.mark.model


def models_folder(path: Path) -> Path:
    for task in registry.TASKS:
        shutil.copytree(ROOT / "data" / "models" / task, path / task)
    return path


def team_labels(store, count: int = 60) -> None:
    """The first ``count`` Italian posts of the team's file, stored with their sentiment, intent and urgent labels."""
    posts = [json.loads(line) for line in TEAM_FILE.read_text(encoding="utf-8").splitlines()[:count]]
    now = utcnow()
    mentions = [Mention("x", p["id"], p["text"], Author(p["author"]), now - timedelta(minutes=i), language="it")
                for i, p in enumerate(posts)]
    for mention_id, post in zip(store.upsert_mentions(mentions).ids, posts):
        labels = [Label("sentiment", post["sentiment"]), Label("urgent", str(int(post["urgent"])))]
        if post["intent"]:
            labels.append(Label("intent", post["intent"]))
        record(store, mention_id, labels, "giulia", now)


def a_few_lines(source: Path, target: Path, keep) -> Path:
    lines = [line for line in source.read_text(encoding="utf-8").splitlines(keepends=True)
             if line.strip() and keep(json.loads(line))]
    target.write_text("".join(lines), encoding="utf-8")
    return target


def tiny_config(folder: Path) -> RetrainConfig:
    """A few authored posts (30 train and 15 validation ones per language), a few public rows, one epoch."""
    seen: dict[tuple[str, str], int] = {}

    def a_few(post: dict) -> bool:
        key = (post["lang"], post["split"])
        seen[key] = seen.get(key, 0) + 1
        return seen[key] <= {"train": 30, "validation": 15}.get(post["split"], 0)

    count = iter(range(10**6))
    return RetrainConfig(
        customer=a_few_lines(CUSTOMER_POSTS, folder / "customer_posts.jsonl", a_few),
        demo=a_few_lines(DEMO_FILE, folder / "demo.jsonl", lambda _post: next(count) < 60),
        min_labels=5,
        sentiment=HeadRefitConfig(validation_limit=40, italian_epochs=2),
        intent=IntentTrainingConfig(bitext_limit=100, epochs=3, risk_epochs=3, risk_folds=2),
        urgency=UrgencyTrainingConfig(epochs=3, folds=2),
        adapter=AdapterRefitConfig(public_limit=48, customer_repeat=1, batch_size=16, extra_limit=48),
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One set trained on a copy of the shipped models (not promoted), shared by the tests below."""
    if not (DATA / "tweeteval").is_dir():
        pytest.skip("shared/data is not next to this checkout")
    from triage.db.store import open_store

    folder = tmp_path_factory.mktemp("adapter-set")
    store = open_store(f"sqlite:///{folder}/team.db")
    team_labels(store)
    root = models_folder(folder / "models")
    progress = folder / "progress.json"
    result = train_adapter_set(store, DATA, config=tiny_config(folder), root=root, cache=folder / "cache",
                               promote=False, progress_file=progress, log=lambda _m: None)
    return root, result, json.loads(progress.read_text())


def test_the_set_is_written_with_cards_that_point_at_each_other_and_at_the_new_adapter(trained):
    root, result, progress = trained
    members = {o.task: o.version for o in result.outcomes}
    assert None not in members.values(), [o.line() for o in result.outcomes]
    sentiment = root / "sentiment" / members["sentiment"]
    digest = adapter_digest(sentiment / "adapter")
    shipped = adapter_digest(ROOT / "data" / "models" / "sentiment" / "adapter")
    assert digest != shipped  # continued: new weights
    for task, name in members.items():
        card = ModelCard.load(root / task / name, "train")
        assert card.model_set == {**members, "adapter_sha256": digest}, task
        assert registry.adapter_sha256(task, name, root) == digest, task
    card = ModelCard.load(sentiment, "train")
    assert card.adapter["continued_from"] == {"version": "packaged", "sha256": shipped}
    assert set(card.heads) >= {"emotion", "offensive", "sentiment_by_language", "ngram"}
    assert (sentiment / "head_base.safetensors").is_file()
    assert progress["finished"] and progress["returncode"] == 0 and progress["total"] == 20
    assert result.set_line.startswith(f"set (adapter {digest[:12]}, continued from {shipped[:12]})")
    assert registry.in_use("sentiment", root) == "packaged"  # promote=False: the current set stays


def test_promoting_the_set_moves_every_member_and_the_promoted_set_reads_one_pass(trained, monkeypatch):
    from triage.models.analysis import analyse, shared_models
    from triage.models.intent import load_intent_model
    from triage.models.sentiment import load_sentiment_model
    from triage.models.urgency import load_urgency_head
    from triage.training.promotion import promote

    root, result, _ = trained
    members = {o.task: o.version for o in result.outcomes}
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(root))
    decision = promote(members["urgency"], "ada", root, force=True)  # the tiny set's figures mean nothing
    assert decision.promote and "the whole set moved" in decision.why
    assert {task: registry.in_use(task, root) for task in registry.TASKS} == members
    sentiment, intent = load_sentiment_model(), load_intent_model()
    new_adapter = (root / "sentiment" / members["sentiment"] / "adapter").resolve()
    assert intent.encoder.tuned and intent.encoder.adapter == new_adapter  # the tuned half of the new adapter
    assert shared_models(sentiment, intent) is not None  # one pass for every output
    assert load_urgency_head().reads(new_adapter)
    texts = ["Da tre giorni senza fibra, vergogna", "Thanks, the refund arrived"]
    analyses = analyse(texts, sentiment, intent)
    assert len(analyses) == 2 and analyses[0].embedding is not None and analyses[0].p_urgent is not None


def test_rolling_back_moves_the_set_back_and_the_intent_model_loads(trained, monkeypatch):
    from triage.models.intent import load_intent_model
    from triage.training.promotion import promote, rollback

    root, result, _ = trained
    members = {o.task: o.version for o in result.outcomes}
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(root))
    if registry.in_use("sentiment", root) != members["sentiment"]:
        promote(members["sentiment"], "ada", root, force=True)
    back = rollback("intent", "ada", root)
    assert back == "packaged (the whole set moved back: sentiment to packaged, urgency to packaged)"
    assert {task: registry.in_use(task, root) for task in registry.TASKS} == dict.fromkeys(registry.TASKS, "packaged")
    intent = load_intent_model()
    assert intent.encoder.adapter == (root / "sentiment" / "adapter").resolve()  # the packaged adapter again
    assert intent.predict(["Dove trovo la fattura?"])[0].intent in intent.intents
