"""Priority 0-100 with the reasons that produced it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from conftest import NOW

from triage.priority import PriorityWeights, score


@dataclass
class Post:
    text: str = "my internet is down"
    channel: str = "x"
    created_at: datetime = NOW - timedelta(minutes=10)
    status: str = "new"
    author_followers: int = 100
    author_verified: bool = False
    rating: int | None = None
    p_negative: float | None = 0.8
    p_positive: float | None = 0.05


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
