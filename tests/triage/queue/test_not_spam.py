"""Spam sinks to the bottom, is never deleted, and an agent can say "not spam"."""

import pytest

from conftest import NOW, make_mention
from triage.errors import WorkflowConflict
from triage.ingest.pipeline import ingest
from triage.queue.not_spam import mark_not_spam
from triage.ranking.intent import intent_after_not_spam


def test_spam_sinks_and_not_spam_brings_it_back_with_an_audit_row(store, fake_model, fake_intent_model):
    ingest(store, [
        make_mention("1", "Claim your refund now at the refund centre bit.ly/r", handle="worried_gran"),
        make_mention("2", "where do I find my invoice?", handle="b"),
    ], fake_model, now=NOW, intent_model=fake_intent_model)
    spam = store.find("x", "1")
    assert (spam.intent, spam.priority) == ("spam", 0)
    assert store.queue()[-1].id == spam.id and store.count() == 2
    mark_not_spam(store, spam.id, "giulia", now=NOW)
    back = store.get(spam.id)
    assert back.not_spam and back.intent == "complaint" and back.priority > 0
    assert "looks like spam" not in [r["phrase"] for r in back.reasons]
    (audit,) = store.audit_for(spam.id)
    assert (audit.actor, audit.action, audit.from_status, audit.to_status) == ("giulia", "not_spam", "new", "new")
    with pytest.raises(WorkflowConflict):
        mark_not_spam(store, spam.id, "giulia")
    with pytest.raises(WorkflowConflict):
        mark_not_spam(store, store.find("x", "2").id, "")


@pytest.mark.parametrize(("text", "p_negative", "intent"), [
    ("they charged me twice", 0.2, "complaint"), ("is this link really yours?", 0.1, "question"),
    ("nice", 0.1, "other"), ("pessimo", 0.9, "complaint"),
])
def test_the_intent_given_back_after_not_spam(text, p_negative, intent):
    assert intent_after_not_spam(text, p_negative) == intent
