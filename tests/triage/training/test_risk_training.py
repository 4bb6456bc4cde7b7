"""The risk model's thresholds (per risk and language, on the train folds) and its training posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.models.risks import RISKS
from triage.tables.customer_posts import CustomerPost
from triage.training.risks import (
    RiskModel,
    RiskTrainingConfig,
    choose_thresholds,
    fit_ngram_model,
    predicted_risks,
    risk_training_posts,
    threshold_for,
)

torch = pytest.importorskip("torch")


def post(text: str, lang: str = "en", risks: tuple[str, ...] = (), author: str = "a") -> CustomerPost:
    return CustomerPost(id=text[:8], author=author, lang=lang, text=text, intent="complaint", topic=None,
                        sentiment="negative", urgent=bool(risks), risks=risks, split="train")


def test_a_recall_first_risk_takes_the_strictest_threshold_that_keeps_the_recall_target():
    gold = [True] * 10 + [False] * 10
    probs = [0.9] * 9 + [0.3] + [0.5] * 5 + [0.1] * 5  # one positive only reaches 0.3; five negatives at 0.5
    keywords: list[set[str]] = [set()] * 20
    config = RiskTrainingConfig(recall_target=0.9)
    assert threshold_for("safety", gold, probs, keywords, config) == 0.9  # 9 of 10 found at 0.9: enough
    strict = RiskTrainingConfig(recall_target=1.0)
    assert threshold_for("safety", gold, probs, keywords, strict) == 0.3  # every positive: down to 0.3


def test_a_keyword_hit_counts_as_found_whatever_the_model_says():
    gold = [True, True, False]
    probs = [0.9, 0.01, 0.2]
    found_by_keyword = [set(), {"safety"}, set()]
    assert threshold_for("safety", gold, probs, found_by_keyword, RiskTrainingConfig(recall_target=1.0)) == 0.9


def test_money_and_churn_take_the_threshold_with_the_best_f1():
    gold = [True] * 4 + [False] * 4
    probs = [0.8, 0.8, 0.8, 0.15, 0.6, 0.1, 0.1, 0.1]
    # t <= 0.15: 4 of 4 found with 1 false alarm (F1 0.889) beats 0.6 < t <= 0.8: 3 found, none false (F1 0.857)
    assert threshold_for("money", gold, probs, [set()] * 8, RiskTrainingConfig()) == 0.15
    assert threshold_for("money", gold[:3] + gold[4:], probs[:3] + probs[4:], [set()] * 7,
                         RiskTrainingConfig()) == 0.8  # without the low positive: the stricter wins


def test_thresholds_are_chosen_per_language_and_over_all_posts():
    posts = [post("en risk", "en", ("safety",)), post("en calm", "en"), post("it rischio", "it", ("safety",)),
             post("it calmo", "it")]
    oof = torch.tensor([[0.0, 0.91, 0.0, 0.0], [0.0, 0.1, 0.0, 0.0], [0.0, 0.31, 0.0, 0.0], [0.0, 0.2, 0.0, 0.0]])
    overall, by_language = choose_thresholds(oof, posts, RiskTrainingConfig(recall_target=1.0))
    assert set(by_language) == {"en", "it"} and set(overall) == set(RISKS)
    assert by_language["en"]["safety"] == 0.9 and by_language["it"]["safety"] == 0.3
    assert overall["safety"] == 0.3


def test_predictions_read_the_thresholds_of_the_posts_language():
    model = RiskModel(None, None, {r: 0.5 for r in RISKS},
                      {"it": {r: 0.2 for r in RISKS}, "en": {r: 0.8 for r in RISKS}})
    posts = [post("it", "it"), post("en", "en"), post("fr", "fr")]
    probs = torch.tensor([[0.0, 0.3, 0.0, 0.0]] * 3)
    assert predicted_risks(probs, posts, model) == [{"safety"}, set(), set()]
    assert RiskModel(None, None, {}, {}).card_entry() == {"thresholds_by_language": {}}


def test_the_risk_posts_add_to_the_customer_posts_train_split(tmp_path: Path):
    def write(path: Path, rows: list[tuple[str, str]]) -> None:
        path.write_text("".join(json.dumps({
            "id": f"{path.stem}-{i}", "author": f"{path.stem}{i}", "lang": "en", "text": text, "intent": "complaint",
            "topic": None, "sentiment": "negative", "urgent": 1, "risks": ["safety"], "split": split}) + "\n"
            for i, (text, split) in enumerate(rows)), encoding="utf-8")

    customer, extra = tmp_path / "customer_posts.jsonl", tmp_path / "risk_posts.jsonl"
    write(customer, [("smoke from the router", "train"), ("held out", "validation")])
    write(extra, [("the e-bike battery puffed up", "train")])
    assert [p.text for p in risk_training_posts(customer, extra)] == ["smoke from the router",
                                                                      "the e-bike battery puffed up"]
    assert [p.text for p in risk_training_posts(customer, tmp_path / "none.jsonl")] == ["smoke from the router"]


def test_the_ngram_model_learns_the_words_of_a_risk():
    texts = ["the battery swelled up", "battery swelled and smoking", "thanks for the lovely service",
             "where is my invoice", "swelled battery in the hallway", "great app, lovely update"]
    y = torch.tensor([[0.0, 1.0, 0.0, 0.0] if "swelled" in t else [0.0, 0.0, 0.0, 0.0] for t in texts])
    model = fit_ngram_model(texts, y, RiskTrainingConfig(ngram_epochs=40))
    from triage.models.risk_ngrams import ngram_logits

    with torch.inference_mode():
        logits = ngram_logits(torch, model, ["my phone battery swelled", "lovely service thanks"])
    assert logits[0, 1] > logits[1, 1]
