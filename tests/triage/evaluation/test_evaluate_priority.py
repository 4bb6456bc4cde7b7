"""The authored priority evaluation set and ``evaluate priority``."""

from __future__ import annotations

from collections import Counter

from triage.evaluation.priority import EVAL_VIPS, NOW, evaluate_set, ranking_figures, read_set, to_mention
from triage.models.intent import INTENTS, TOPICS
from triage.ranking.priority import PriorityWeights
from triage.text.signals import SIGNALS, detect
from triage.training.intent import AUTHORED_FILE, DEMO_FILE


def test_the_set_has_300_labeled_posts_in_both_languages():
    items = read_set()
    assert len(items) >= 300 and len({i["id"] for i in items}) == len(items)
    assert len({i["text"] for i in items}) == len(items)
    languages = Counter(i["lang"] for i in items)
    assert languages["en"] >= 140 and languages["it"] >= 140
    for item in items:
        labels = item["labels"]
        assert labels["urgency"] in ("urgent", "normal", "no_reply")
        assert labels["intent"] in INTENTS
        assert (labels["topic"] in TOPICS) if labels["intent"] == "complaint" else labels["topic"] is None
        to_mention(item)  # every row is a valid mention
    assert set(Counter(i["labels"]["intent"] for i in items)) == set(INTENTS)
    assert min(Counter(i["labels"]["urgency"] for i in items).values()) >= 60


def test_the_set_covers_every_signal_in_both_languages():
    items = read_set()
    for language in ("en", "it"):
        chosen = [i for i in items if i["lang"] == language]
        found = {s.name for i in chosen for s in detect(i["text"])}
        assert found == {s.name for s in SIGNALS}, language
        assert any(i["author"]["followers"] >= 10_000 for i in chosen)
        assert any(i["author"]["verified"] for i in chosen)
        assert any(i["author"]["handle"] in EVAL_VIPS for i in chosen)
        assert {i["rating"] for i in chosen if i["rating"]} == {1, 2, 3, 4, 5}
        assert any(i["age_minutes"] >= 24 * 60 for i in chosen) and any(i["age_minutes"] <= 30 for i in chosen)
        authors = Counter((i["channel"], i["author"]["handle"]) for i in chosen)
        assert max(authors.values()) >= 3  # repeat contact
        assert len({i["channel"] for i in chosen}) >= 6


def test_the_set_is_kept_out_of_training():
    evaluation = {i["text"] for i in read_set()}
    for path in (DEMO_FILE, AUTHORED_FILE):
        if path.is_file():
            assert not evaluation & set(path.read_text(encoding="utf-8").splitlines())


def test_ranking_figures():
    ranked = ["urgent"] * 8 + ["normal"] * 2 + ["urgent"] * 2 + ["no_reply"] * 28
    figures = ranking_figures(ranked)
    assert figures["precision_at_10"] == 0.8
    assert figures["precision_at_50"] == 10 / 40
    assert figures["urgent_recall_top_quarter"] == 0.8


def test_evaluate_on_a_slice_with_the_fake_models(fake_model, fake_intent_model):
    items = read_set()[:60]
    figures = evaluate_set(items, fake_model, fake_intent_model, PriorityWeights(vip_handles=EVAL_VIPS), NOW)
    assert figures["queue_size"] == 60
    for key in ("precision_at_10", "precision_at_50", "urgent_recall_top_quarter", "intent_macro_f1"):
        assert 0.0 <= figures[key] <= 1.0
    assert figures["precision_at_10"] >= 0.5  # even keyword models put urgent posts first
    assert len(figures["top_10"]) == 10


def test_the_result_record_prints_as_a_report_or_as_json(fake_model, fake_intent_model, tmp_path):
    import json

    from triage.evaluation.priority import PriorityEvaluation, run

    result = run(tmp_path, sentiment_model=fake_model, intent_model=fake_intent_model)  # no airline tweets here
    assert isinstance(result, PriorityEvaluation) and "airline_n" not in result.figures
    lines = result.lines()
    assert lines[0].startswith("priority evaluation: bench/data/priority_eval.jsonl (")
    assert lines[1].startswith("  precision@10 (urgent)") and lines[-11] == "top 10 of the queue:"
    assert lines[-10:] == ["  " + line for line in result.figures["top_10"]]
    figures = json.loads(result.to_json())
    assert "top_10" not in figures and figures["queue_size"] == result.figures["queue_size"]
