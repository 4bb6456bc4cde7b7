"""``train sentiment`` on a tiny labeled folder shaped like shared/data, with the real encoder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tiny_data import make_shared_data
from triage.models.sentiment import EncoderHeadModel
from triage.training.sentiment import SentimentTrainingConfig, train_sentiment

pytestmark = pytest.mark.model  # trains on the packaged encoder


@pytest.fixture(scope="module")
def shared_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shared_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def artifact(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("model")
    config = SentimentTrainingConfig(umsab_languages=("english", "italian"), epochs=5, extra_epochs=5, hidden=16,
                                     extra_hidden=8, batch_size=16, adapter_batch_size=8, adapter_epochs=2)
    train_sentiment(shared_data, output, config, cache=None, log=lambda _message: None)
    return output


def test_training_writes_three_heads_and_a_card_that_records_its_data(artifact: Path, shared_data: Path):
    card = json.loads((artifact / "model.json").read_text(encoding="utf-8"))
    assert {p.name for p in artifact.iterdir()} == {"model.json", "head.safetensors", "emotion.safetensors",
                                                    "offensive.safetensors", "adapter"}
    assert {p.name for p in (artifact / "adapter").iterdir()} == {"adapter_config.json", "adapter_model.safetensors"}
    trained_on = [f["file"] for f in card["training"]["files"]]
    assert trained_on == ["tweeteval/sentiment/train.tsv", "umsab/english/train.tsv", "umsab/italian/train.tsv"]
    assert all(len(f["sha256"]) == 64 and f["licence"] for f in card["training"]["files"])
    assert "airline (en, never trained on)" in card["validation"]
    assert set(card["heads"]) == {"emotion", "offensive"}
    assert card["heads"]["emotion"]["labels"] == ["anger", "joy", "optimism", "sadness"]
    assert card["training"]["config"]["seed"] == 13


def test_the_trained_artifact_loads_and_gives_anger_and_offensive_probabilities(artifact: Path):
    model = EncoderHeadModel(artifact)
    scores = model.predict(["you idiots charged me twice, I am furious", "have a nice day"])
    for s in scores:
        assert abs(s.p_negative + s.p_neutral + s.p_positive - 1) < 1e-5
        assert s.p_anger is not None and 0 <= s.p_anger <= 1
        assert s.p_offensive is not None and 0 <= s.p_offensive <= 1


def test_a_missing_head_file_is_an_error_that_names_it(artifact: Path, tmp_path: Path):
    from triage.errors import ModelUnavailable

    broken = tmp_path / "broken"
    shutil.copytree(artifact, broken)
    (broken / "offensive.safetensors").unlink()
    with pytest.raises(ModelUnavailable, match="offensive.safetensors"):
        EncoderHeadModel(broken)


def test_a_missing_adapter_file_is_an_error_that_names_it_not_a_download(artifact: Path, tmp_path: Path):
    from triage.errors import ModelUnavailable

    broken = tmp_path / "broken"
    shutil.copytree(artifact, broken)
    (broken / "adapter" / "adapter_model.safetensors").unlink()
    with pytest.raises(ModelUnavailable, match="adapter_model.safetensors"):
        EncoderHeadModel(broken)


def test_the_adapter_changes_the_sentiment_encoder_but_not_the_shared_plain_one(artifact: Path):
    from triage.models.sentiment import _encoder, packaged_encoder_dir

    tuned = EncoderHeadModel(artifact)
    plain = _encoder(packaged_encoder_dir(), 128)
    assert tuned.encoder is not plain and tuned.encoder.adapter == (artifact / "adapter").resolve()
    text = ["servizio pessimo, sono furioso #7"]
    assert float((tuned.encoder.embed(text) - plain.embed(text)).abs().max()) > 1e-4
    config = json.loads((artifact / "adapter" / "adapter_config.json").read_text(encoding="utf-8"))
    assert config["base_model_name_or_path"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_frozen_training_writes_no_adapter(shared_data: Path, tmp_path: Path):
    config = SentimentTrainingConfig(umsab_languages=("english",), adapter=False, epochs=2, extra_epochs=2,
                                     hidden=8, extra_hidden=8, batch_size=16)
    card = train_sentiment(shared_data, tmp_path, config, cache=None, log=lambda _message: None).to_dict()
    assert "adapter" not in card and card["encoder"]["frozen"] is True
    assert not (tmp_path / "adapter").exists()
    assert EncoderHeadModel(tmp_path).encoder.adapter is None


def test_the_int8_encoder_agrees_with_fp32_on_clear_cases(artifact: Path):
    texts = ["my bill is wrong again, terrible #9", "love the new app, works great #9"]
    fp32 = [s.label for s in EncoderHeadModel(artifact, int8=False).predict(texts)]
    int8 = EncoderHeadModel(artifact, int8=True)
    assert int8.name.endswith("-int8")
    assert [s.label for s in int8.predict(texts)] == fp32


def test_a_heads_only_refit_keeps_the_adapter_adds_the_customer_posts_and_is_reproducible(
        artifact: Path, shared_data: Path, tmp_path: Path):
    from triage.training.sentiment_head import HeadRefitConfig, refit_sentiment_head

    posts = tmp_path / "customer_posts.jsonl"
    rows = [("en", "the app keeps crashing, fed up", "negative"), ("it", "grazie, tutto perfetto", "positive"),
            ("it", "il negozio chiude alle otto", "neutral"), ("en", "thanks, sorted in minutes", "positive")]
    with posts.open("w", encoding="utf-8") as handle:
        for copy, split in ((0, "train"), (1, "train"), (2, "validation")):
            for i, (lang, text, sentiment) in enumerate(rows):
                handle.write(json.dumps({"id": f"{copy}-{i}", "author": f"a{copy}", "lang": lang, "text": text,
                                         "intent": "other", "topic": None, "sentiment": sentiment,
                                         "urgent": False, "risks": [], "split": split}) + "\n")
    adapter_before = (artifact / "adapter" / "adapter_model.safetensors").read_bytes()
    heads = []
    for run in ("first", "second"):
        output = tmp_path / run
        shutil.copytree(artifact, output)
        config = HeadRefitConfig(public_limit=30, customer_repeat=2, epochs=2, batch_size=8, italian_head=True)
        card = refit_sentiment_head(shared_data, output, config, cache=None, log=lambda _m: None, customer=posts)
        heads.append((output / "head.safetensors").read_bytes())
        assert (output / "adapter" / "adapter_model.safetensors").read_bytes() == adapter_before
        assert (output / "head_base.safetensors").is_file() and (output / "head_it.safetensors").is_file()
    assert heads[0] == heads[1]  # the refit starts from the head trained with the adapter, every time
    refit = card.training["head_refit"]
    assert refit["files"][-1]["rows_used"] == 8 and len(refit["files"][-1]["sha256"]) == 64
    assert {"customer posts validation (en)", "customer posts validation (it)"} <= set(card.validation)
    assert "umsab it val" in card.validation and "umsab it val" in refit["validation_before"]
    assert card.heads["sentiment_by_language"]["it"]["file"] == "head_it.safetensors"
    model = EncoderHeadModel(tmp_path / "second")
    assert set(model.by_language) == {"it"}
    assert model.predict(["grazie, tutto perfetto, servizio ottimo"])[0].p_positive >= 0
