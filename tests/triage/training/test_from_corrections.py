"""The model learns from the team: a team corrects Italian posts, ``train from-corrections`` refits the heads on
their labels, and the Italian figure on the team's held-out labels rises; the promotion rule decides.

The 155 Italian posts (``tests/data/team_corrections_it.jsonl``) were written for this test: a
telecom brand's customers, many of them sarcastic ("Complimenti davvero, 3 giorni senza
fibra"), which the packaged model reads as praise. None comes from an evaluation set or from
``data/training/customer_posts.jsonl``. The public and authored training data are small
samples here (``small_config``) so the test runs in about two minutes on two cores.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT
from triage.cli import main
from triage.db.corrections import labelled_mentions
from triage.models import registry
from triage.tables.customer_posts import CUSTOMER_POSTS
from triage.training.from_corrections import RetrainConfig, label_counts, train_from_corrections
from triage.training.intent import AUTHORED_FILE, DEMO_FILE, IntentTrainingConfig
from triage.training.sentiment_head import HeadRefitConfig
from triage.training.team_split import split_by_author

TEAM_FILE = ROOT / "tests" / "data" / "team_corrections_it.jsonl"
DATA = ROOT.parent / "shared" / "data"


def first_lines(source: Path, target: Path, keep) -> Path:
    with source.open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and keep(json.loads(line))]
    target.write_text("".join(lines), encoding="utf-8")
    return target


def small_config(tmp_path: Path) -> RetrainConfig:
    """Small samples of the public and authored data (the same code path as the shipped defaults)."""
    seen: dict[tuple[str, str], int] = {}

    def a_few(post: dict) -> bool:  # 40 training customer posts per language (no validation split: too few)
        key = (post["lang"], post["split"])
        seen[key] = seen.get(key, 0) + 1
        return post["split"] == "train" and seen[key] <= 40

    customer = first_lines(CUSTOMER_POSTS, tmp_path / "customer_posts.jsonl", a_few)
    count = iter(range(10**6))
    demo = first_lines(DEMO_FILE, tmp_path / "demo.jsonl", lambda _item: next(count) < 80)
    return RetrainConfig(
        sentiment=HeadRefitConfig(public_limit=1000, validation_limit=150, customer_repeat=1, epochs=8,
                                  learning_rate=1e-3),
        intent=IntentTrainingConfig(bitext_limit=300, epochs=20, risk_epochs=20, risk_folds=2),
        customer=customer, demo=demo, authored=AUTHORED_FILE,
    )


def test_held_out_authors_never_train_and_each_label_is_held_out_about_a_fifth():
    posts = [json.loads(line) for line in TEAM_FILE.read_text(encoding="utf-8").splitlines()]
    split = split_by_author(posts, lambda p: p["author"], lambda p: [("sentiment", p["sentiment"])], 0.2, seed=13)
    assert not {p["author"] for p in split.train} & {p["author"] for p in split.held_out}
    for label in ("negative", "neutral", "positive"):
        total = sum(p["sentiment"] == label for p in posts)
        held = sum(p["sentiment"] == label for p in split.held_out)
        assert 0.1 * total <= held <= 0.3 * total, label


def test_without_team_labels_nothing_is_retrained_and_the_progress_file_says_done(tmp_path, capsys, sqlite_url,
                                                                                    monkeypatch):
    if not (DATA / "tweeteval").is_dir():
        pytest.skip("shared/data is not next to this checkout")
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(tmp_path / "models"))
    progress = tmp_path / "progress.json"
    assert main(["train", "from-corrections", "--db", sqlite_url, "--data", str(DATA), "--progress-file",
                 str(progress), "--since", "2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert "sentiment: not retrained: 0 sentiment labels, at least 10 needed" in out
    assert "peak memory" in out
    assert json.loads(progress.read_text()) == {"done": 4, "total": 4, "message": "done", "finished": True,
                                                "returncode": 0}


def models_folder(path: Path, previous_release: bool) -> Path:
    """A copy of the shipped models; ``previous_release``: with the sentiment head the adapter was trained with
    (``head_base``, before the customer-posts refit of this release), as a team still on the last release has."""
    for task in registry.TASKS:
        shutil.copytree(ROOT / "data" / "models" / task, path / task)
    if previous_release:
        shutil.copyfile(path / "sentiment" / "head_base.safetensors", path / "sentiment" / "head.safetensors")
    return path


@pytest.mark.model
def test_a_team_correcting_italian_posts_makes_the_italian_figure_rise(store, tmp_path, monkeypatch):
    if not (DATA / "tweeteval").is_dir():
        pytest.skip("shared/data is not next to this checkout")
    from triage.ingest.labels import import_labels
    from triage.models.intent import load_intent_model
    from triage.models.sentiment import load_sentiment_model

    root = models_folder(tmp_path / "models", previous_release=False)
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(root))
    imported = import_labels(store, TEAM_FILE, load_sentiment_model(), load_intent_model(), None)
    assert imported.errors == [] and imported.labelled == 155
    labelled = labelled_mentions(store)
    assert label_counts(labelled)["sentiment"] == {"it": 155}

    # the team's labels fit a head for Italian texts only: the Italian figure rises, the English public sets
    # see the very same main head, the rule promotes the new version and the loaders use it
    config, cache = small_config(tmp_path), tmp_path / "cache"
    first = train_from_corrections(store, DATA, config=config, root=root, cache=cache, log=lambda _m: None)
    sentiment = first.outcomes[0]
    assert sentiment.team["it"]["macro_recall"] > sentiment.team_current["it"]["macro_recall"] + 0.1, sentiment.line()
    assert sentiment.promoted and sentiment.decision.promote, sentiment.line()
    print(sentiment.line())
    assert registry.in_use("sentiment", root) == sentiment.version
    assert load_sentiment_model().version == sentiment.version  # classify, import and the dashboard use it now
    card = registry.versions("sentiment", root)[-1].card
    before = card.training["from_corrections"]["model_in_use_validation_now"]
    assert card.validation["tweeteval val (en)"] == before["tweeteval val (en)"]  # English: the same head
    assert set(card.heads["sentiment_by_language"]) == {"it"}
    used = card.training["from_corrections"]
    assert used["train_labels"]["sentiment"]["it"] + used["held_out_labels"]["sentiment"]["it"] == 155
    assert used["corrections"]["first_id"] >= 1 and card.validation[registry.TEAM_KEY + " (it)"]["n"] >= 20
    urgency = first.outcomes[2]
    assert urgency.task == "urgency" and urgency.version is not None, urgency.line()
    assert "all" in urgency.team and urgency.team_current.keys() == urgency.team.keys()  # both on the held-out
    print(urgency.line())

    # the earlier design, the main head refitted with the team's labels (counted once): the rule keeps the model
    shipped = models_folder(tmp_path / "shipped", previous_release=False)
    second = train_from_corrections(store, DATA, config=replace(config, team_head="shared", team_weight=1),
                                    root=shipped, cache=cache, log=lambda _m: None)
    refused = second.outcomes[0]
    assert not refused.promoted and not refused.decision.promote, refused.line()
    assert registry.in_use("sentiment", shipped) == "packaged"
    print(refused.line())


def test_each_task_says_why_it_was_not_retrained_urgency_included(store, tmp_path):
    result = train_from_corrections(store, DATA, root=tmp_path / "models", log=lambda _m: None)
    assert [o.task for o in result.outcomes] == ["sentiment", "intent", "urgency"]
    assert result.outcomes[2].line() == "urgency: not retrained: 0 urgent labels, at least 10 needed"
