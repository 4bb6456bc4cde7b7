"""``evaluate replies``: the rule figures on the authored set and the twcs retrieval figures."""

from __future__ import annotations

import json

from fakes import HashingEncoder, KeywordSentimentModel
from triage.evaluation import replies as evaluation


def test_token_f1():
    assert evaluation.token_f1("please DM us your number", "@123 please DM us your number ^KC") == 1.0
    assert evaluation.token_f1("hello there", "goodbye now") == 0.0
    assert 0 < evaluation.token_f1("please DM us", "please send us a DM") < 1


def test_the_authored_set_is_big_varied_and_labelled():
    posts = [json.loads(line) for line in evaluation.EVAL_SET.read_text(encoding="utf-8").splitlines()]
    assert len(posts) >= 200
    assert {p["lang"] for p in posts} == {"en", "it"}
    assert {(p["lang"], p["register"]) for p in posts} == {("en", "formal"), ("en", "informal"),
                                                          ("it", "formal"), ("it", "informal")}
    assert {p["intent"] for p in posts} == {"complaint", "question", "praise", "feedback", "other", "spam"}
    assert len({p["channel"] for p in posts}) >= 5 and any(p["emoji"] for p in posts)


def test_every_suggestion_keeps_the_target_rules_on_part_of_the_set():
    posts = [json.loads(line) for line in evaluation.EVAL_SET.read_text(encoding="utf-8").splitlines()][::6]
    figures = evaluation.evaluate_rules(posts, KeywordSentimentModel(), evaluation.demo_history(HashingEncoder()))
    assert figures.posts > 30 and figures.suggestions == 3 * figures.posts
    for rule in evaluation.TARGET_RULES:
        assert figures.passed[rule] == figures.suggestions, [f for f in figures.failures if rule in f]
    assert figures.spam_silent == figures.spam


def test_twcs_figures_on_a_small_set(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluation, "CACHE_DIR", tmp_path / "cache")
    pairs = []
    for n in range(10):
        pairs.append({"brand": "trainline",
                      "customer_text": f"@trainline my train ticket refund for journey {n} failed",
                      "brand_reply": f"@{n} Sorry to hear that, please DM us your booking reference ^AB"})
        pairs.append({"brand": "spotify", "customer_text": f"@spotify playlist {n} will not play offline songs",
                      "brand_reply": f"@{n} Let's get the music back! Try logging out and in again /JJ"})
    result = evaluation.evaluate_twcs(pairs, HashingEncoder(), KeywordSentimentModel())
    assert (result["pairs"], result["held_out"], result["indexed"]) == (20, 4, 16)
    assert result["top1"]["same_brand"] == 1.0
    assert 0.9 < result["top1"]["reply_cosine"] <= 1.0
    assert 0.0 <= result["suggestion"]["coverage"] <= 1.0
    assert list((tmp_path / "cache").glob("twcs-posts-*.npy"))  # embeddings cached for the next run


def test_the_result_record_prints_as_a_report_or_as_json(tmp_path):
    posts = [json.loads(line) for line in evaluation.EVAL_SET.read_text(encoding="utf-8").splitlines()][::20]
    figures = evaluation.evaluate_rules(posts, KeywordSentimentModel(), evaluation.demo_history(HashingEncoder()))
    result = evaluation.RepliesEvaluation(figures, None, tmp_path / "twcs" / "pairs.tsv")
    lines = result.lines()
    assert lines[0].startswith(f"authored set: {figures.posts} posts (bench/data/replies_eval.jsonl)")
    assert lines[-1] == f"\ntwcs: {tmp_path / 'twcs' / 'pairs.tsv'} not found; pass --data pointing at shared/data"
    printed = json.loads(result.to_json())
    assert printed["authored"]["posts"] == figures.posts and printed["twcs"] is None
