"""The learned urgency head's probability (``mentions.p_urgent``) in the priority: a reason with its points."""

from __future__ import annotations

from functools import partial

import pytest

from conftest import NOW
from fakes import ScoredPost
from triage.ranking.priority import (
    LEARNED_URGENCY_PHRASE,
    PriorityWeights,
    learned_urgency_reason,
    score,
    urgency,
)

Post = partial(ScoredPost, text="the parcel tracking page has not updated since Monday", p_negative=0.3,
               p_positive=0.1, intent="complaint")

def points_of(priority, phrase):
    return sum(r.points for r in priority.reasons if r.phrase == phrase)


def test_a_post_the_head_finds_urgent_gains_a_reason_with_its_points():
    calm, urgent = score(Post(p_urgent=0.1), NOW), score(Post(p_urgent=0.95), NOW)
    assert LEARNED_URGENCY_PHRASE not in [r.phrase for r in calm.reasons]
    assert points_of(urgent, LEARNED_URGENCY_PHRASE) == pytest.approx(PriorityWeights().learned_urgency * 0.9)
    assert urgent.score > calm.score


def test_the_points_grow_from_the_configured_probability_to_the_full_weight():
    w = PriorityWeights.from_section({"learned_urgency": 20, "learned_urgency_from": 0.6})
    assert learned_urgency_reason(0.6, w) is None
    assert learned_urgency_reason(0.8, w).points == pytest.approx(10.0)
    assert learned_urgency_reason(1.0, w).points == pytest.approx(20.0)
    assert learned_urgency_reason(None, w) is None  # no head: no reason


def test_a_weight_of_zero_turns_it_off():
    off = PriorityWeights.from_section({"learned_urgency": 0})
    assert score(Post(p_urgent=0.99), NOW, weights=off) == score(Post(p_urgent=None), NOW, weights=off)


def test_marked_wrong_it_counts_nothing_and_the_text_urgency_follows():
    wrong = Post(p_urgent=0.99, overrides={"wrong_reasons": [LEARNED_URGENCY_PHRASE]})
    assert points_of(score(wrong, NOW), LEARNED_URGENCY_PHRASE) == 0
    assert urgency(wrong) == urgency(Post(p_urgent=None))
    assert urgency(Post(p_urgent=0.99)) > urgency(Post(p_urgent=None))
