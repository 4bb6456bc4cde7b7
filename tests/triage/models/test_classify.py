"""The packaged default sentiment model: offline, batched, honest about missing files."""

from __future__ import annotations

import os
import shutil

import pytest

from triage.errors import ModelUnavailable
from triage.models.sentiment import DEFAULT_MODEL_DIR, EncoderHeadModel, length_buckets, load_sentiment_model


@pytest.fixture(scope="module")
def model():
    return load_sentiment_model("")


@pytest.mark.model
def test_the_default_loads_offline(model):
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert model.name.startswith("ascolto-sentiment")


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love the new app, thank you so much!", "positive"),
        ("Worst customer service ever. Three days without internet and nobody answers.", "negative"),
        ("The store opens at 9am on Monday.", "neutral"),
    ],
)
def test_clear_cases(model, text, label):
    [scores] = model.predict([text])
    assert scores.label == label
    assert abs(scores.p_negative + scores.p_neutral + scores.p_positive - 1) < 1e-4


@pytest.mark.model
def test_anger_and_offensive_language_come_with_every_prediction(model):
    angry, calm, insult = model.predict([
        "I am absolutely furious, you charged me twice and nobody answers. Disgraceful!",
        "Thanks, the new plan works fine.",
        "you are a bunch of useless idiots",
    ])
    assert angry.p_anger > 0.5 > calm.p_anger
    assert insult.p_offensive > 0.5 > calm.p_offensive


@pytest.mark.model
def test_batching_keeps_order_and_results(model):
    texts = ["great!", "this is a much longer post about how the router keeps dropping the connection", "meh", "ok"]
    together = model.predict(texts, batch_size=2)
    alone = [model.predict([t])[0] for t in texts]
    for a, b in zip(together, alone):
        assert abs(a.p_negative - b.p_negative) < 1e-3 and a.label == b.label


@pytest.mark.model
def test_progress_is_reported(model):
    seen = []
    model.predict(["a", "b", "c"], batch_size=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)


def test_length_buckets_cover_every_text_once():
    texts = ["x" * n for n in (5, 1, 9, 3, 7)]
    buckets = length_buckets(texts, 2)
    assert sorted(i for b in buckets for i in b) == list(range(5))
    assert [len(texts[i]) for b in buckets for i in b] == [1, 3, 5, 7, 9]


def test_a_missing_artifact_names_the_file(tmp_path):
    copy = tmp_path / "sentiment"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    (copy / "head.safetensors").unlink()
    with pytest.raises(ModelUnavailable, match=f"model file missing: {copy / 'head.safetensors'}"):
        EncoderHeadModel(copy)


def test_an_unknown_hub_model_fails_without_downloading(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="TRIAGE_SENTIMENT_MODEL"):
        load_sentiment_model("nobody/no-such-model-ascolto")


@pytest.mark.model
def test_intent_history_and_sentiment_share_the_tuned_encoder_loaded_once(model):
    from triage.models.intent import load_intent_model
    from triage.replies.history import default_encoder

    assert load_intent_model().encoder is default_encoder()
    assert model.encoder.adapter == DEFAULT_MODEL_DIR.resolve() / "adapter"
    assert model.encoder is default_encoder()  # issue 12: intent heads trained on the tuned encoder
    assert EncoderHeadModel(DEFAULT_MODEL_DIR).encoder is model.encoder
