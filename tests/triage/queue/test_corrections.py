"""An agent corrects a mention: the label is kept with who/when/old/new and applies to the priority at once."""

from datetime import timedelta

import pytest

from conftest import make_mention
from triage.access.roles import Actor
from triage.db import corrections as db
from triage.db.schema import MentionRow
from triage.errors import UsageError
from triage.queue.corrections import correct, correct_many, labels_from
from triage.ranking.refresh import refresh_priorities


@pytest.fixture
def overheating(store, now):
    """An Italian post about a charger that overheated, which the model read as 'other', neutral."""
    [mention_id] = store.upsert_mentions([make_mention(
        "lumora-1", "Il caricabatterie si è scaldato tantissimo stanotte, c'era odore di plastica",
        handle="pietro_b")]).ids
    store.save_intents({mention_id: ("other", None)})
    with store.session() as session:
        row = session.get(MentionRow, mention_id)
        row.sentiment, row.p_negative, row.p_neutral, row.p_positive = "neutral", 0.2, 0.7, 0.1
        row.model_version = "intent-packaged"
    refresh_priorities(store, now=now)
    return mention_id


def test_a_correction_is_kept_with_who_when_and_what_the_model_said(store, overheating, now):
    correct(store, overheating, "giulia", labels_from(intent="complaint", topic="product_quality"), now=now)
    [intent, topic] = db.corrections(store)
    assert (intent.field, intent.old_value, intent.new_value) == ("intent", "other", "complaint")
    assert (topic.field, topic.old_value, topic.new_value) == ("topic", None, "product_quality")
    assert (intent.actor, intent.at, intent.model_version, intent.source) == ("giulia", now, "intent-packaged",
                                                                               "agent")
    assert store.get(overheating).overrides == {"intent": "complaint", "topic": "product_quality"}


def test_the_priority_follows_the_correction_at_once(store, overheating, now):
    before = store.get(overheating).priority
    correct(store, overheating, "giulia", labels_from(intent="complaint", urgent=True), now=now)
    after = store.get(overheating)
    assert after.priority > before + 20
    assert {"phrase": "marked urgent by the team"} in [{"phrase": r["phrase"]} for r in after.reasons]
    assert after.urgency == 1.0


def test_not_urgent_caps_the_priority_and_a_wrong_reason_counts_nothing(store, now):
    [mention_id] = store.upsert_mentions([make_mention(
        "lumora-2", "Bolletta raddoppiata, voglio un rimborso SUBITO o vado dall'avvocato")]).ids
    store.save_intents({mention_id: ("complaint", "billing")})
    refresh_priorities(store, now=now)
    phrases = {r["phrase"] for r in store.get(mention_id).reasons}
    assert "churn or legal threat" in phrases
    correct(store, mention_id, "marco", labels_from(wrong_reason="churn or legal threat"), now=now)
    assert "churn or legal threat" not in {r["phrase"] for r in store.get(mention_id).reasons}
    correct(store, mention_id, "marco", labels_from(urgent=False), now=now)
    assert store.get(mention_id).priority <= 20


def test_a_corrected_sentiment_replaces_the_scores(store, overheating, now):
    correct(store, overheating, "giulia", labels_from(sentiment="negative"), now=now)
    row = store.get(overheating)
    assert (row.sentiment, row.p_negative, row.p_positive) == ("negative", 1.0, 0.0)


def test_bulk_correction_sets_the_intent_of_every_selected_row(store, now):
    ids = store.upsert_mentions([make_mention(f"promo-{n}", f"Vinci un iPhone gratis clicca qui {n}")
                                 for n in range(3)]).ids
    assert correct_many(store, ids, "giulia", labels_from(intent="spam"), now=now + timedelta(minutes=1)) == 3
    assert {store.get(i).intent for i in ids} == {"spam"}
    assert {c.source for c in db.corrections(store)} == {"bulk"}


def test_labels_are_checked_and_an_agent_role_may_correct(store, overheating, now):
    with pytest.raises(UsageError, match=r"intent 'angry' is not one of complaint, question"):
        labels_from(intent="angry")
    with pytest.raises(UsageError, match=r"nothing to correct"):
        labels_from()
    agent = Actor("anna@lumora.example", role="agent", signed_in=True)
    correct(store, overheating, agent, labels_from(intent="complaint"), now=now)
    assert db.corrections(store)[0].actor == "anna@lumora.example"

