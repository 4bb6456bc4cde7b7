"""One decision on a mention's final intent: not spam, spam rules, the model, a guess."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from triage.models.intent import IntentResult
from triage.ranking.intent import final_intent, final_result, intent_of

GIVEAWAY = "GIVEAWAY free iPhone click here bit.ly/x"


@pytest.mark.parametrize(("text", "kwargs", "intent"), [
    # 1. the agent said "not spam": the spam rules are off, a plausible intent replaces spam
    (GIVEAWAY, {"intent": "praise", "not_spam": True}, "praise"),
    ("they charged me twice bit.ly/x", {"intent": "spam", "not_spam": True}, "complaint"),
    ("is this link really yours?", {"intent": "spam", "not_spam": True, "p_negative": 0.1}, "question"),
    ("nice", {"intent": "spam", "not_spam": True, "guess": False}, None),
    # 2. spam rules win over the model, and the model's "spam" stands
    (GIVEAWAY, {"intent": "complaint"}, "spam"),
    ("cheap stuff shop.example/x", {"intent": "praise", "handle": "deals_4829301"}, "spam"),
    ("love the app", {"intent": "spam"}, "spam"),
    # 3. the model's intent
    ("love the app", {"intent": "question"}, "question"),
    # 4. nothing classified it: a guess from the text, or None for the priority
    ("charged twice", {"sentiment": "neutral"}, "complaint"),
    ("how do I port my number?", {"sentiment": "neutral"}, "question"),
    ("great job", {"sentiment": "positive"}, "praise"),
    ("great job", {"sentiment": "positive", "guess": False}, None),
])
def test_the_rules_in_order(text, kwargs, intent):
    assert final_intent(text, **kwargs) == intent


def test_a_model_result_ruled_spam_keeps_its_probabilities_and_loses_its_topic():
    said = IntentResult("complaint", 0.8, "billing", {"complaint": 0.8, "spam": 0.1})
    ruled = final_result(said, GIVEAWAY)
    assert (ruled.intent, ruled.topic, ruled.probabilities) == ("spam", None, said.probabilities)
    assert final_result(said, "my bill is wrong") is said


def test_a_stored_mention_is_read_field_by_field():
    row = SimpleNamespace(text=GIVEAWAY, intent=None, sentiment="neutral", p_negative=0.1,
                          author_handle="marta_rm", author_followers=300, not_spam=False)
    assert intent_of(row) == "spam"
    row.not_spam = True
    assert intent_of(row) is None and intent_of(row, guess=True) == "other"
