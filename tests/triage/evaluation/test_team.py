"""The model against the team's labels: audit sample apart from corrections, intervals, confusion matrix."""

from datetime import date, timedelta

from conftest import NOW, make_mention
from triage.db import corrections as db
from triage.db.corrections import Label
from triage.db.schema import MentionRow
from triage.evaluation.team import bootstrap_macro_recall, evaluate_team_labels, wilson


def classified(store, n, intent, language="it"):
    ids = store.upsert_mentions([make_mention(f"{intent}-{language}-{k}", f"post {intent} {k}", handle=f"u{k}",
                                              minutes_ago=30) for k in range(n)]).ids
    with store.session() as session:
        for mention_id in ids:
            row = session.get(MentionRow, mention_id)
            row.intent, row.sentiment, row.language = intent, "neutral", language
    return ids


def test_wilson_interval_matches_the_textbook_value():
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    assert wilson(0, 0) == (0.0, 0.0)


def test_bootstrap_interval_brackets_the_figure():
    gold = ["complaint"] * 20 + ["praise"] * 20
    predicted = ["complaint"] * 15 + ["praise"] * 5 + ["praise"] * 20
    low, high = bootstrap_macro_recall(gold, predicted, ["complaint", "praise"])
    assert low < 0.875 < high


def test_audit_and_corrections_are_reported_apart_with_a_confusion_matrix(store):
    right = classified(store, 8, "complaint")
    wrong = classified(store, 2, "other")
    picked = db.draw_audit_sample(store, (NOW - timedelta(minutes=30)).date(), size=10, seed=1)
    assert sorted(picked) == sorted(right + wrong)
    for mention_id in right:  # confirmed as the model said
        db.confirm_pick(store, mention_id, [Label("intent", "complaint")], "giulia", NOW)
    for mention_id in wrong:  # the model said other; it was a complaint
        db.confirm_pick(store, mention_id, [Label("intent", "complaint")], "giulia", NOW)
    fixed = classified(store, 6, "praise", language="en")
    for mention_id in fixed:
        db.record(store, mention_id, [Label("intent", "question")], "marco", NOW)

    evaluation = evaluate_team_labels(store)
    audit = {(f.field, f.slice): f for f in evaluation.figures if f.sample == "audit"}
    assert audit[("intent", "all")].n == 10 and audit[("intent", "all")].accuracy == 0.8
    assert audit[("intent", "language=it")].n == 10
    corrections = {(f.field, f.slice): f for f in evaluation.figures if f.sample == "corrections"}
    assert corrections[("intent", "all")].accuracy == 0.0 and corrections[("intent", "language=en")].n == 6
    assert evaluation.confusion["audit"]["intent"] == {"complaint": {"complaint": 8, "other": 2}}
    assert any("confusion matrix, audit, intent" in line for line in evaluation.lines())


def test_the_daily_sample_is_drawn_once_and_uniformly_from_that_day(store):
    classified(store, 30, "complaint")
    day = (NOW - timedelta(minutes=30)).date()
    first = db.draw_audit_sample(store, day, size=5)
    assert len(first) == 5 and db.draw_audit_sample(store, day, size=5) == first
    assert db.draw_audit_sample(store, date(2020, 1, 1), size=5) == []


def test_no_labels_says_how_to_get_some(store):
    assert "import-labels" in evaluate_team_labels(store).lines()[0]
