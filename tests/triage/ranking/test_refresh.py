"""The incremental refresh: only stale priorities are rescored, and the queue reads as a full rescore would."""

from __future__ import annotations

import random
from datetime import timedelta

from conftest import NOW, make_mention
from triage.db.schema import RESCORE_NOW
from triage.queue import workflow
from triage.ranking.priority import configured_weights
from triage.ranking.refresh import prioritize, refresh_priorities
from triage.records import OPEN_STATUSES, SentimentScores

TEXTS = ("internet down since this morning", "charged twice, refund now!!!", "how do I change my plan?",
         "love the new app", "router broken again", "still no answer, third time", "ok")
CHANNELS = ("x", "reddit", "appstore", "mastodon")


def seeded(store, count: int = 60, seed: int = 7):
    chance = random.Random(seed)
    mentions = [make_mention(str(i), chance.choice(TEXTS), channel=chance.choice(CHANNELS),
                             handle=f"user{chance.randrange(12)}", minutes_ago=chance.randrange(1, 60 * 24 * 4),
                             followers=chance.choice((10, 2000, 150_000)))
                for i in range(count)]
    ids = store.upsert_mentions(mentions).inserted
    store.save_classifications({i: (SentimentScores(*chance.choice(((0.8, 0.1, 0.1), (0.1, 0.8, 0.1),
                                                                    (0.1, 0.1, 0.8)))), "en") for i in ids}, "fake")
    store.save_intents({i: (chance.choice(("complaint", "question", "praise", "feedback", None)), None)
                        for i in ids})
    return ids, chance


def fresh_view(store, now):
    """What a full rescore of every open mention at ``now`` would store."""
    rows = [r for r in store.mentions() if r.status in OPEN_STATUSES]
    scored = prioritize(rows, now, configured_weights())
    return {r.id: (p.score, [(x.phrase, round(x.points, 1)) for x in p.reasons], u)
            for r, (p, u) in zip(rows, scored)}


def stored_view(store):
    return {r.id: (r.priority, [(x["phrase"], x["points"]) for x in r.reasons], r.urgency)
            for r in store.mentions() if r.status in OPEN_STATUSES}


def test_the_stored_queue_always_equals_a_full_rescore(backend):
    store = backend
    ids, chance = seeded(store)
    now = NOW
    refresh_priorities(store, now)
    assert stored_view(store) == fresh_view(store, now)
    for step in range(40):
        now += timedelta(seconds=chance.randrange(20, 60 * 90))
        if step % 5 == 0:
            still_open = [r.id for r in store.mentions() if r.status in OPEN_STATUSES]
            workflow.close(store, chance.choice(still_open), "giulia", now=now)
        if step % 7 == 0:
            store.upsert_mentions([make_mention(f"late{step}", "router broken again", handle="user3",
                                                minutes_ago=-int((now - NOW).total_seconds() // 60))])
            refresh_priorities(store, now)  # the new one is unclassified, yet it counts as an earlier open message
        refresh_priorities(store, now)
        assert stored_view(store) == fresh_view(store, now), f"step {step}"


def test_a_quiet_minute_rescores_only_what_went_stale(store):
    seeded(store, 200)
    refresh_priorities(store, NOW)
    later = NOW + timedelta(minutes=1)
    due = [r for r in store.mentions() if r.rescore_at is not None and r.rescore_at <= later]
    assert len(due) < 20  # of 200
    assert all(r.rescore_at is None for r in store.mentions() if r.status not in OPEN_STATUSES)
    refresh_priorities(store, later)
    assert stored_view(store) == fresh_view(store, later)


def test_a_bounded_refresh_takes_the_most_overdue_first_and_the_rest_next_time(store):
    seeded(store, 30)
    refresh_priorities(store, NOW, limit=10)  # 10 due ones, plus their authors' later open mentions
    marked = [r for r in store.mentions() if r.rescore_at == RESCORE_NOW]
    assert 0 < len(marked) <= 20
    refresh_priorities(store, NOW)
    assert not [r for r in store.mentions() if r.rescore_at == RESCORE_NOW]
    assert stored_view(store) == fresh_view(store, NOW)


def test_new_weights_rescore_every_open_mention(store):
    from dataclasses import replace

    seeded(store, 20)
    refresh_priorities(store, NOW)
    heavier = replace(configured_weights(), money=40.0)
    assert refresh_priorities(store, NOW, heavier) > 0
    rows = [r for r in store.mentions() if r.status in OPEN_STATUSES]
    expected = prioritize(rows, NOW, heavier)
    assert [r.priority for r in rows] == [p.score for p, _ in expected]
