"""``evaluate replies``: the share of suggestions that repeat us or borrow, before and after the rules."""

from __future__ import annotations

import json

from fakes import HashingEncoder, KeywordSentimentModel
from triage.evaluation import originality
from triage.evaluation import replies as evaluation
from triage.replies.drafts import Suggestion


def test_the_authored_set_before_and_after_per_language():
    posts = [json.loads(line) for line in evaluation.EVAL_SET.read_text(encoding="utf-8").splitlines()][::7]
    model = KeywordSentimentModel()
    figures = originality.authored(posts, model.predict([p["text"] for p in posts]),
                                   evaluation.demo_history(HashingEncoder()), evaluation.SIGNATURE)
    assert figures.languages() == ["en", "it"]
    for language in ("en", "it"):
        assert figures.share(figures.repeats, "before", language) > 0.25  # asked again: the same top suggestion
        assert figures.share(figures.repeats, "after", language) == 0.0
        assert figures.share(figures.borrows, "after", language) == 0.0
    lines = figures.lines("authored")
    assert lines[1].split() == ["language", "phase", "suggestions", "repeat", "borrow", "either"]
    assert [line.split()[:2] for line in lines[2:8]] == [["en", "before"], ["en", "after"], ["it", "before"],
                                                         ["it", "after"], ["all", "before"], ["all", "after"]]
    assert set(figures.to_dict()) >= {"before:en", "after:it", "after:all"}


def test_the_borrow_measure():
    post = "my landline has had no dial tone since Tuesday"
    nora = Suggestion("Hi Derek, we'll check why your billing preference keeps reverting ^AB", "history")
    assert originality.borrows(nora, post, "Derek", "complaint", "charged £7 for a paper bill")
    plain = Suggestion("Hi Derek, sorry about your landline. DM us and we'll look into it ^AB", "history")
    assert not originality.borrows(plain, post, "Derek", "complaint", "no dial tone on my landline")
    assert originality.borrows(plain, post, "Derek", "complaint", "charged £7 for a paper bill")  # off topic


def test_twcs_repeats_are_the_brands_earlier_replies_to_the_same_customer(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluation, "CACHE_DIR", tmp_path / "cache")
    pairs = []
    for n in range(10):
        pairs.append({"brand": "trainline", "customer_author": "c1",
                      "customer_created_at": f"2017-10-{n + 10}T10:00:00+00:00",
                      "reply_created_at": f"2017-10-{n + 10}T10:05:00+00:00",
                      "customer_text": f"@trainline my train ticket refund for journey {n} failed",
                      "brand_reply": f"@{n} Sorry to hear that, please DM us your booking reference ^AB"})
    result = evaluation.evaluate_twcs(pairs, HashingEncoder(), KeywordSentimentModel())
    figures = result["originality"]
    assert figures.share(figures.repeats, "before") >= 0.5  # the same customer, the same words, once answered
    assert figures.share(figures.repeats, "after") == 0.0
    assert json.loads(evaluation.RepliesEvaluation(evaluation.RuleFigures(), result, tmp_path).to_json())[
        "twcs"]["originality"]["after:en"]["repeat"] == 0.0
