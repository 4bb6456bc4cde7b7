"""One encoder pass per post: the tuned and the plain encoder share the layers the adapter left alone."""

from __future__ import annotations

import pytest

from fakes import KeywordIntentModel, KeywordSentimentModel
from triage.models.analysis import Analysis, analyse
from triage.models.shared_pass import SharedPass, quantize_int8

TEXTS = [
    "Still no internet and nobody answers, worst service ever. Disgraceful!",
    "Thanks, the new plan works fine 🙂",
    "Buongiorno, come posso cambiare la password del mio account?",
    "ok",
]


def test_models_that_share_no_encoder_are_asked_one_after_the_other():
    sentiment, intent = KeywordSentimentModel(), KeywordIntentModel()
    [angry, *_] = analyse(TEXTS, sentiment, intent)
    assert isinstance(angry, Analysis) and angry.embedding is None
    assert angry.sentiment.label == "negative" and angry.intent.intent == "complaint"
    assert (sentiment.calls, intent.calls) == (1, 1)


@pytest.mark.model
def test_one_pass_gives_what_the_two_separate_encoders_gave():
    from transformers import AutoModel

    from triage.models.sentiment import DEFAULT_MODEL_DIR, mean_pool, merge_adapter, packaged_encoder_dir

    path, adapter = packaged_encoder_dir(), DEFAULT_MODEL_DIR.resolve() / "adapter"
    shared = SharedPass(path, 128, adapter=adapter)
    assert shared.split == 3  # the adapter is on layers 3-5: embeddings and layers 0-2 run once
    plain = AutoModel.from_pretrained(str(path)).eval()
    tuned = merge_adapter(AutoModel.from_pretrained(str(path)).eval(), adapter)
    tokens = shared.tokenizer(TEXTS, padding=True, truncation=True, max_length=128, return_tensors="pt")
    both_tuned, both_plain = shared.embed_pair(TEXTS)
    with shared.torch.inference_mode():
        alone_tuned = mean_pool(tuned(**tokens).last_hidden_state, tokens["attention_mask"])
        alone_plain = mean_pool(plain(**tokens).last_hidden_state, tokens["attention_mask"])
    assert float((both_tuned - alone_tuned).abs().max()) < 1e-5
    assert float((both_plain - alone_plain).abs().max()) < 1e-5
    assert float((both_tuned - both_plain).abs().max()) > 1e-3


@pytest.mark.model
def test_analyse_gives_every_output_and_the_history_embedding_from_the_pass_history_uses():
    from triage.models.intent import load_intent_model
    from triage.models.sentiment import load_sentiment_model
    from triage.replies.history import default_encoder

    sentiment, intent = load_sentiment_model(""), load_intent_model()
    assert sentiment.encoder.shared is intent.encoder.shared is default_encoder().shared
    angry, calm, question, short = analyse(TEXTS, sentiment, intent)
    assert angry.sentiment.label == "negative" and angry.sentiment.p_anger is not None
    assert calm.sentiment.label == "positive" and calm.sentiment.p_offensive is not None
    assert question.intent.intent == "question"
    separate = [s.p_negative for s in sentiment.predict(TEXTS)]
    assert max(abs(a.sentiment.p_negative - b) for a, b in zip([angry, calm, question, short], separate)) < 1e-5
    history = default_encoder().embed([TEXTS[0]])
    assert float(abs(history[0] - default_encoder().torch.tensor(angry.embedding)).max()) < 1e-5


@pytest.mark.parametrize("design", ["ffn", "lower", "not-last"])
def test_each_int8_design_quantizes_only_its_layers(design: str):
    import torch

    model = torch.nn.Module()
    model.lower = torch.nn.ModuleList([_layer()])
    model.plain = torch.nn.ModuleList([_layer(), _layer()])
    quantized = quantize_int8(model, design)
    names = {n for n, m in quantized.named_modules() if "quantized" in type(m).__module__ and n}
    linear = {n for n, m in quantized.named_modules() if isinstance(m, torch.nn.Linear)}
    assert names and linear  # some layers stay fp32, some do not
    if design == "ffn":
        assert all("attention" not in n for n in names)
    if design == "lower":
        assert all(n.startswith("lower.") for n in names)
    if design == "not-last":
        assert all(not n.startswith("plain.1.") for n in names)


def _layer():
    import torch

    layer = torch.nn.Module()
    layer.attention = torch.nn.Module()
    layer.attention.output = torch.nn.Module()
    layer.attention.output.dense = torch.nn.Linear(4, 4)
    layer.intermediate = torch.nn.Module()
    layer.intermediate.dense = torch.nn.Linear(4, 8)
    layer.output = torch.nn.Module()
    layer.output.dense = torch.nn.Linear(8, 4)
    return layer
