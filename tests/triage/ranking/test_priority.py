"""Priority 0-100 with the reasons that produced it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import NOW
from fakes import ScoredPost
from triage.ranking.priority import PriorityConfigError, PriorityWeights, engagement_of, score, urgency

Post = ScoredPost

def phrases(priority):
    return [r.phrase for r in priority.reasons]


def test_a_double_charge_outranks_a_mild_complaint():
    charged = score(Post("you charged me twice, I want a refund today"), NOW)
    mild = score(Post("the app is a bit slow"), NOW)
    assert charged.score > mild.score
    assert "money taken" in phrases(charged)


def test_praise_ranks_low():
    praise = score(Post("love the new app, thanks!", p_negative=0.02, p_positive=0.95), NOW)
    assert praise.score < 10


def test_waiting_time_grows_priority_against_the_channel_sla():
    fresh = score(Post(created_at=NOW - timedelta(minutes=5)), NOW)
    later = score(Post(created_at=NOW - timedelta(minutes=5)), NOW + timedelta(hours=6))
    assert later.score > fresh.score
    assert "waiting 6 h, SLA 1 h" in phrases(later)


def test_an_answered_mention_does_not_accumulate_waiting_time():
    replied = score(Post(status="replied", created_at=NOW - timedelta(days=2)), NOW)
    assert not any(p.startswith("waiting") for p in phrases(replied))


def test_reach_and_verification_are_reasons():
    big = score(Post(author_followers=54_000, author_verified=True), NOW)
    assert "54k followers" in phrases(big)
    assert "verified account" in phrases(big)
    assert big.score > score(Post(), NOW).score


def test_repeat_contact_is_counted_and_explained():
    third = score(Post(), NOW, earlier_unanswered=2, days_span=4.2)
    assert "3rd message in 5 days" in phrases(third)
    assert third.score > score(Post(), NOW).score


def test_a_one_star_review_is_a_reason():
    review = score(Post(channel="appstore", rating=1, text="crashes on launch"), NOW)
    assert "1-star review" in phrases(review)


def test_spam_sinks_to_the_bottom():
    spam = score(Post("GIVEAWAY free iPhone click here bit.ly/x", author_followers=90_000), NOW)
    assert spam.score == 0 and phrases(spam) == ["looks like spam"]


def test_score_stays_within_0_and_100_and_reasons_are_sorted():
    worst = score(
        Post("URGENT my router is on fire, you charged me twice, I'm calling my lawyer, hacked account",
             author_followers=500_000, author_verified=True, created_at=NOW - timedelta(days=3)),
        NOW, earlier_unanswered=5, days_span=3,
    )
    assert worst.score == 100
    points = [r.points for r in worst.reasons]
    assert points == sorted(points, reverse=True)
    assert worst.top_reason == "safety risk"


def test_weights_are_configurable():
    calm = PriorityWeights(negative=0.0)
    assert score(Post("the app is slow"), NOW, weights=calm).score < score(Post("the app is slow"), NOW).score


def test_intent_decides_how_much_the_signals_weigh():
    text = "Scam alert: fake refund texts target customers today. Fraudsters ask people to click a link."
    news = score(Post(text, channel="rss", intent="other", created_at=NOW - timedelta(hours=30)), NOW)
    complaint = score(Post("you took a refund fee from me today", intent="complaint", topic="billing"), NOW)
    assert news.score < 20 < complaint.score
    assert "news or other, no reply needed" in phrases(news)
    assert "complaint: billing/refund" in phrases(complaint)


def test_praise_and_news_do_not_accumulate_waiting_time():
    old_praise = score(Post("love it", intent="praise", p_negative=0.01, p_positive=0.9,
                            created_at=NOW - timedelta(days=3)), NOW)
    assert not any(p.startswith("waiting") for p in phrases(old_praise))


def test_reasons_add_up_to_the_priority():
    result = score(Post("charged twice, refund today", intent="complaint", topic="billing", author_followers=5000), NOW)
    assert result.score == round(sum(r.points for r in result.reasons))


def test_anger_uses_p_anger_and_falls_back_to_p_negative():
    angry = score(Post("this is the third time", p_anger=0.9, p_negative=0.9), NOW)
    assert "angry" in phrases(angry)
    fallback = score(Post("this is the third time", p_anger=None, p_negative=0.95), NOW)
    assert "strong negative emotion" in phrases(fallback)


def test_vip_handles_come_from_configuration():
    weights = PriorityWeights.from_section({"vip_handles": ["@Marta_RM"]})
    vip = score(Post(), NOW, weights=weights)
    assert "VIP" in phrases(vip)
    assert vip.score > score(Post(), NOW).score


def test_engagement_is_a_reach_reason():
    viral = score(Post(raw={"public_metrics": {"retweet_count": 900, "like_count": 2500}}), NOW)
    assert "3.4k interactions" in phrases(viral)
    assert engagement_of({"score": "40", "num_comments": 12}) == 52
    assert engagement_of(None) == 0


def test_not_spam_lifts_the_spam_rule():
    text = "GIVEAWAY free iPhone click here bit.ly/x"
    assert score(Post(text), NOW).score == 0
    assert score(Post(text, not_spam=True), NOW).score > 0


def test_the_model_s_spam_intent_sinks_a_post_too():
    assert score(Post("DM me for the best deals", intent="spam"), NOW).score == 0


def test_urgency_is_the_text_part_between_0_and_1():
    calm = urgency(Post("where do I download my invoice?", p_negative=0.1, intent="question"))
    hot = urgency(Post("the router caught fire, I want a refund today, calling my lawyer", intent="complaint"))
    assert calm == 0.0 and 0.9 <= hot <= 1.0
    assert urgency(Post("GIVEAWAY free iPhone click here bit.ly/x")) == 0.0


def test_weights_and_slas_come_from_a_priority_section():
    weights = PriorityWeights.from_section({"money": 40, "sla_hours": {"x": 4}})
    assert weights.money == 40 and weights.sla_hours["x"] == 4 and weights.sla_hours["reddit"] == 4.0
    later = score(Post(created_at=NOW - timedelta(hours=6)), NOW, weights=weights)
    assert "waiting 6 h, SLA 4 h" in phrases(later)
    with pytest.raises(PriorityConfigError, match="unknown key 'monee'"):
        PriorityWeights.from_section({"monee": 3})
    with pytest.raises(PriorityConfigError, match="'money' must be a number"):
        PriorityWeights.from_section({"money": "lots"})


def test_configured_weights_read_triage_toml(tmp_path, monkeypatch):
    from triage.ranking.priority import configured_weights

    config = tmp_path / "triage.toml"
    config.write_text('[priority]\nsafety = 50\nvip_handles = ["ceo_watch"]\n[priority.sla_hours]\nreddit = 1\n',
                      encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    weights = configured_weights()
    assert (weights.safety, weights.vip_handles, weights.sla_hours["reddit"]) == (50.0, ("ceo_watch",), 1.0)
