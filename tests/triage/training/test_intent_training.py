"""``train intent`` on tiny data with the real tuned encoder: intent, topic and risk heads, and their card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.models.intent import EncoderIntentModel, adapter_digest
from triage.models.risks import RISKS
from triage.models.sentiment import sentiment_adapter_dir
from triage.training.intent import IntentTrainingConfig, train_intent

pytestmark = pytest.mark.model  # embeds with the packaged encoder

POSTS = [  # (lang, text, intent, topic, sentiment, risks)
    ("en", "you took my payment twice this month, I want it back", "complaint", "billing", "negative", ["money"]),
    ("en", "my charger started smoking next to the sofa", "complaint", "product_quality", "negative", ["safety"]),
    ("en", "someone reset my password and moved money out", "complaint", "account", "negative",
     ["account_takeover", "money"]),
    ("en", "thanks, the engineer was lovely", "praise", None, "positive", []),
    ("en", "what time does the shop open on sunday?", "question", None, "neutral", []),
    ("en", "I'm going to the ombudsman about this contract", "complaint", "billing", "negative", ["churn_legal"]),
    ("it", "mi avete addebitato due volte l'abbonamento", "complaint", "billing", "negative", ["money"]),
    ("it", "la presa del caricatore ha fatto scintille", "complaint", "product_quality", "negative", ["safety"]),
    ("it", "qualcuno è entrato nel mio conto e ha cambiato la mail", "complaint", "account", "negative",
     ["account_takeover"]),
    ("it", "grazie, servizio impeccabile", "praise", None, "positive", []),
    ("it", "a che ora apre il negozio domenica?", "question", None, "neutral", []),
    ("it", "se non risolvete vado dall'avvocato", "complaint", "customer_service", "negative", ["churn_legal"]),
]

MORE = [  # further train posts, as in customer_posts_more.jsonl
    ("en", "the new app update is lovely, well done", "praise", "other", "positive", []),
    ("it", "sarebbe utile un filtro senza glutine nell'app", "feedback", "other", "neutral", []),
]


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("intent")
    data = root / "data"
    (data / "bitext").mkdir(parents=True)
    (data / "bitext" / "train.tsv").write_text(
        "text\tlabel\tcategory\n"
        "how do I get a refund\tget_refund\tREFUND\n"
        "I want to complain about my order\tcomplaint\tFEEDBACK\n"
        "where is my parcel\ttrack_order\tDELIVERY\n", encoding="utf-8")
    customer = root / "customer_posts.jsonl"
    with customer.open("w", encoding="utf-8") as handle:
        for copy, split in ((0, "train"), (1, "train"), (2, "train"), (3, "validation")):
            for i, (lang, text, intent, topic, sentiment, risks) in enumerate(POSTS):
                handle.write(json.dumps({
                    "id": f"{copy}-{i}", "author": f"author{copy}-{i % 4}", "lang": lang, "channel": "x",
                    "sector": "telecom", "text": f"{text} ({copy})", "intent": intent, "topic": topic,
                    "sentiment": sentiment, "urgent": bool(risks), "risks": risks, "split": split}) + "\n")
    with (root / "customer_posts_more.jsonl").open("w", encoding="utf-8") as handle:  # read by the heads only
        for i, (lang, text, intent, topic, sentiment, risks) in enumerate(MORE):
            handle.write(json.dumps({
                "id": f"more-{i}", "author": f"more-author{i}", "lang": lang, "channel": "x", "sector": "apps",
                "text": text, "intent": intent, "topic": topic, "sentiment": sentiment, "urgent": bool(risks),
                "risks": risks, "split": "train"}) + "\n")
    output = root / "model"
    config = IntentTrainingConfig(epochs=3, risk_epochs=5, risk_folds=3, hidden=16)
    train_intent(data, output, config, cache=None, log=lambda _m: None, authored=root / "none.jsonl",
                 customer=customer)
    return output, customer


def test_the_card_records_the_tuned_encoder_the_thresholds_and_the_validation_per_language(artifact):
    output, customer = artifact
    card = json.loads((output / "model.json").read_text(encoding="utf-8"))
    adapter = sentiment_adapter_dir()
    assert adapter is not None and card["encoder"]["adapter_sha256"] == adapter_digest(adapter)
    assert list(card["risk_thresholds"]) == list(RISKS)
    assert all(0 < t < 1 for t in card["risk_thresholds"].values())
    files = {Path(f["file"]).name: f for f in card["training"]["files"]}
    assert files["customer_posts.jsonl"]["rows_used"] == 3 * len(POSTS)  # the train split only
    assert card["training"]["risk_examples"] == 3 * len(POSTS)
    assert files["customer_posts_more.jsonl"]["rows_used"] == len(MORE)  # the heads read it, the risk model not
    assert {"customer posts validation intent (en)", "customer posts validation intent (it)"} <= set(card["validation"])
    risks = card["validation"]["customer posts validation risks"]
    assert set(risks) == {f"{r} ({lang})" for r in RISKS for lang in ("en", "it")}
    assert risks["money (en)"]["positives"] == 2


def test_the_trained_heads_load_on_the_tuned_half_and_give_risk_probabilities(artifact):
    output, _ = artifact
    model = EncoderIntentModel(output)
    assert model.encoder.tuned
    (result,) = model.predict(["the charger is smoking and sparking"])
    assert set(result.risk_probabilities) == set(RISKS)
    assert all(0 <= p <= 1 for p in result.risk_probabilities.values())
    assert set(result.risks) <= set(RISKS)


def test_the_risk_model_reads_ngrams_beside_the_head_with_thresholds_per_language(artifact):
    output, _ = artifact
    card = json.loads((output / "model.json").read_text(encoding="utf-8"))
    assert card["risk_model"]["ngrams"] == "risk_ngrams.safetensors" and (output / "risk_ngrams.safetensors").is_file()
    assert set(card["risk_model"]["thresholds_by_language"]) == {"en", "it"}
    model = EncoderIntentModel(output)
    assert model.risk_ngrams is not None and set(model.risk_thresholds_by_language["it"]) == set(RISKS)


def test_risks_only_refits_the_risk_model_and_keeps_the_intent_and_topic_heads(artifact, tmp_path):
    import shutil

    from safetensors.torch import load_file

    from triage.training.intent import retrain_risks

    output, customer = artifact
    copy = tmp_path / "model"
    shutil.copytree(output, copy)
    (copy / "risk_ngrams.safetensors").unlink()
    before = load_file(str(output / "heads.safetensors"))
    config = IntentTrainingConfig(risk_epochs=3, risk_folds=3, hidden=16)
    card = retrain_risks(copy, config, cache=None, log=lambda _m: None, customer=customer)
    after = load_file(str(copy / "heads.safetensors"))
    assert sorted(after) == sorted(before)
    assert all((after[k] == before[k]).all() for k in before if not k.startswith("risk."))
    assert (copy / "risk_ngrams.safetensors").is_file() and card.risk_model is not None
    assert card.intents == json.loads((output / "model.json").read_text(encoding="utf-8"))["intents"]
    assert set(card.validation["customer posts validation risks"]) == {f"{r} ({lang})" for r in RISKS
                                                                        for lang in ("en", "it")}
