"""Intent and complaint topic: the named text features, the spam rules, the shipped model."""

from __future__ import annotations

import json

import pytest

from triage.models.intent import (
    DEFAULT_INTENT_DIR,
    FEATURE_NAMES,
    INTENTS,
    TOPICS,
    IntentResult,
    load_intent_model,
    text_features,
    topic_name,
)
from triage.ranking.intent import apply_spam_rules
from triage.training.intent import BITEXT_INTENTS, BITEXT_TOPICS


def test_features_are_named_and_bounded():
    values = text_features("Come faccio a cambiare la password? Grazie!")
    assert len(values) == len(FEATURE_NAMES)
    assert all(0.0 <= v <= 1.0 for v in values)
    named = dict(zip(FEATURE_NAMES, values))
    assert named["question_mark"] > 0 and named["question_words"] > 0 and named["praise_words"] > 0
    assert named["italian"] > 0
    assert dict(zip(FEATURE_NAMES, text_features("you charged me twice")))["signal_money"] == 1.0


def test_spam_rules_override_the_model_but_keep_its_probabilities():
    said = IntentResult("praise", 0.7, None, {"praise": 0.7, "spam": 0.2})
    ruled = apply_spam_rules(said, "GIVEAWAY free iPhone click here bit.ly/x")
    assert ruled.intent == "spam" and ruled.probabilities == said.probabilities
    assert apply_spam_rules(said, "love the app") is said
    assert apply_spam_rules(said, "cheap stuff shop.example/x", handle="deals_4829301").intent == "spam"
    assert said.second_choice() == "praise"


def test_topic_names_are_configurable():
    assert topic_name("billing") == "billing/refund"
    assert topic_name("billing", {"billing": "fatturazione"}) == "fatturazione"
    assert topic_name(None) == ""


def test_the_bitext_mapping_covers_our_labels():
    assert set(BITEXT_INTENTS.values()) <= set(INTENTS)
    assert set(BITEXT_TOPICS.values()) <= set(TOPICS)


def test_the_shipped_artifact_records_its_provenance_and_is_small():
    card = json.loads((DEFAULT_INTENT_DIR / "model.json").read_text(encoding="utf-8"))
    assert card["intents"] == list(INTENTS) and card["topics"] == list(TOPICS)
    assert card["features"] == list(FEATURE_NAMES)
    files = {f["file"]: f for f in card["training"]["files"]}
    assert files["bitext/train.tsv"]["licence"] == "CDLA-Sharing-1.0"
    assert all(len(f["sha256"]) == 64 for f in files.values())
    assert not any("airline" in name or "priority_eval" in name for name in files)
    assert "validation" in card and card["training"]["config"]["seed"] == 13
    size = sum(p.stat().st_size for p in DEFAULT_INTENT_DIR.iterdir())
    assert size < 2_000_000


@pytest.fixture(scope="module")
def shipped():
    return load_intent_model()


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("You charged me twice this month and nobody answers. I want a refund", "complaint"),
        ("Mi avete addebitato due volte la bolletta, voglio il rimborso", "complaint"),
        ("How do I activate my eSIM on an iPhone?", "question"),
        ("Come faccio ad attivare la eSIM sul telefono?", "question"),
        ("Thank you so much, the engineer was brilliant and fixed everything!", "praise"),
    ],
)
def test_the_shipped_model_loads_offline_and_reads_intent(shipped, text, intent, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (result,) = shipped.predict([text])
    assert result.intent == intent
    assert 0 < result.confidence <= 1
    assert set(result.probabilities) == set(INTENTS)
    if intent == "complaint":
        assert result.topic == "billing"
    else:
        assert result.topic is None


@pytest.mark.model
def test_the_shipped_heads_read_the_tuned_encoder_so_one_stack_of_top_layers_serves_every_output():
    from triage.models.analysis import analyse
    from triage.models.sentiment import load_sentiment_model
    from triage.replies.history import default_encoder

    sentiment, intent = load_sentiment_model(""), load_intent_model()
    assert intent.encoder.tuned and intent.encoder is sentiment.encoder is default_encoder()
    shared = intent.encoder.shared
    shared.forget_recent()
    analyse(["Still no signal since Monday", "Grazie, tutto risolto"], sentiment, intent)
    assert shared._recent and all(tuned for (_text, tuned) in shared._recent)  # the plain top layers never ran


@pytest.mark.model
def test_an_older_card_without_an_adapter_reads_the_plain_half(tmp_path):
    import shutil

    from triage.models.intent import EncoderIntentModel

    older = tmp_path / "intent"
    shutil.copytree(DEFAULT_INTENT_DIR, older)
    card = json.loads((older / "model.json").read_text(encoding="utf-8"))
    del card["encoder"]["adapter_sha256"]
    (older / "model.json").write_text(json.dumps(card), encoding="utf-8")
    model = EncoderIntentModel(older)
    assert not model.encoder.tuned
    (result,) = model.predict(["How do I activate my eSIM?"])
    assert result.intent in INTENTS


def test_heads_trained_on_another_adapter_ask_to_be_retrained(tmp_path):
    import shutil

    from triage.errors import ModelUnavailable
    from triage.models.intent import EncoderIntentModel

    other = tmp_path / "intent"
    shutil.copytree(DEFAULT_INTENT_DIR, other)
    card = json.loads((other / "model.json").read_text(encoding="utf-8"))
    card["encoder"]["adapter_sha256"] = "0" * 64
    (other / "model.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="another sentiment adapter.*python -m triage train intent"):
        EncoderIntentModel(other)
