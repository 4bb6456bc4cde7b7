"""A named risk beats intent: money, safety and account-takeover posts count in full, whatever the model guessed."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from conftest import NOW
from fakes import ScoredPost
from triage.models.intent import IntentResult
from triage.ranking.intent import final_intent, final_result, intent_of, risks_of
from triage.ranking.priority import score, urgency
from triage.text.signals import named_risks, parse_risks, post_risks, risks_value

Post = partial(ScoredPost, p_negative=0.3, p_positive=0.1, created_at=NOW - timedelta(minutes=90),
               author_followers=80, author_handle="giorgia_b")

SPARKS_IT = "Il caricatore Lumora si è surriscaldato stanotte e ha fatto scintille vicino al letto del bambino"
SPARKS_EN = "The Lumora Hub overheated last night and threw sparks next to my kid's bed"
QUIET_IT = "Il caricatore Lumora è arrivato, lo provo stasera"
CHARGED_TWICE_IT = "Che bella la nuova app! Peccato che mi avete addebitato due volte l'abbonamento di ottobre"


@pytest.mark.parametrize("text", [SPARKS_IT, SPARKS_EN])
def test_an_overheating_post_the_model_calls_other_keeps_a_high_priority(text):
    as_other = score(Post(text, intent="other"), NOW)
    as_complaint = score(Post(text, intent="complaint"), NOW)
    assert as_other.score == as_complaint.score >= 45  # with the intent factor of "other" it was 9
    assert as_other.score > 3 * score(Post(QUIET_IT, intent="other"), NOW).score
    assert "safety risk" in [r.phrase for r in as_other.reasons]
    assert intent_of(Post(text, intent="other")) == "complaint"
    assert urgency(Post(text, intent="other")) == urgency(Post(text, intent="complaint"))


@pytest.mark.parametrize("intent", ["praise", "other", "spam"])
def test_a_money_safety_or_takeover_risk_is_never_praise_other_or_spam(intent):
    for text in (SPARKS_IT, CHARGED_TWICE_IT, "Someone hacked my account and changed my email, I'm locked out"):
        assert final_intent(text, intent) == "complaint", text


def test_a_question_with_a_risk_stays_a_question_but_counts_in_full():
    text = "How do I get back the €40 you charged me twice?"
    assert final_intent(text, "question") == "question"
    assert score(Post(text, intent="question"), NOW).score == score(Post(text, intent="complaint"), NOW).score - 4


def test_a_positive_tone_takes_nothing_off_a_money_risk():
    happy = Post(CHARGED_TWICE_IT, intent="praise", p_negative=0.05, p_positive=0.9)
    reasons = [r.phrase for r in score(happy, NOW).reasons]
    assert "positive" not in reasons and "money taken" in reasons
    plain = Post("Che bella la nuova app, bravi!", intent="praise", p_negative=0.05, p_positive=0.9)
    assert "positive" in [r.phrase for r in score(plain, NOW).reasons]


def test_a_churn_threat_alone_does_not_overrule_the_intent():
    assert final_intent("Thinking of switching to another provider, any tips?", "question") == "question"
    assert final_intent("Great news: we're switching to Lumora next month!", "praise") == "praise"


def test_the_spam_rules_still_win_over_a_risk_unless_an_agent_says_not_spam():
    phishing = "Claim your refund now at the Lumora Refund Centre: bit.ly/x"
    assert final_intent(phishing, "spam") == "spam"
    assert final_intent(phishing, "spam", not_spam=True) == "complaint"


def test_a_learned_risk_makes_a_complaint_and_shows_as_a_reason():
    text = "My e-bike battery from the Lumora shop is all swollen and puffy"  # no keyword
    assert named_risks(text) == () and named_risks(text, ["safety", "not-a-risk"]) == ("safety",)
    post = Post(text, intent="other", risks=risks_value(["safety"]))
    assert risks_of(post) == ("safety",) and intent_of(post) == "complaint"
    # shown, but without the keyword signal's points: the learned head's thresholds favour recall, not ranking
    assert "safety risk (by meaning)" in [r.phrase for r in score(post, NOW).reasons]


def test_risks_are_stored_as_names_and_a_news_feed_carries_none():
    assert risks_value(["safety", "money"]) == "money,safety" and risks_value([]) == ""
    assert parse_risks("money,safety") == ("money", "safety") and parse_risks("") == () and parse_risks(None) is None
    assert post_risks("Scam alert: fake refund texts", "rss") == ()
    assert post_risks("You refunded me twice the wrong amount", "x") == ("money",)


def test_the_model_s_result_becomes_a_complaint_with_the_topic_head_s_choice():
    said = IntentResult("other", 0.7, None, {"other": 0.7}, best_topic="product_quality")
    ruled = final_result(said, SPARKS_EN)
    assert (ruled.intent, ruled.topic, ruled.probabilities) == ("complaint", "product_quality", said.probabilities)
