"""Trends, age buckets and spikes come from SQL aggregates that read the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update

from conftest import NOW, make_mention
from triage.db.schema import MentionRow
from triage.db.store import open_store
from triage.queue import workflow
from triage.queue.reports import AGE_BUCKETS, age_bucket, trends, unanswered
from triage.queue.spikes import negative_spike
from triage.records import SentimentScores

NEGATIVE, POSITIVE = SentimentScores(0.8, 0.1, 0.1), SentimentScores(0.1, 0.1, 0.8)


@pytest.fixture(params=["sqlite", "postgresql"])
def reports_store(request: pytest.FixtureRequest, sqlite_url: str):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = open_store(url)
    posts = [make_mention(f"n{i}", "router broken", handle=f"n{i}", minutes_ago=10 + i * 50) for i in range(9)]
    posts += [make_mention(f"o{d}", "router broken again", handle=f"o{d}", minutes_ago=60 * 24 * d + 60)
              for d in range(1, 8)]
    posts += [make_mention("p", "thanks", channel="reddit", handle="p", minutes_ago=60 * 25)]
    ids = store.upsert_mentions(posts).inserted
    store.save_classifications({i: (POSITIVE if p.external_id == "p" else NEGATIVE, "en")
                                for i, p in zip(ids, posts)}, "fake")
    with store.session() as session:  # the broken routers are complaints (the report counts complaints)
        session.execute(update(MentionRow).where(MentionRow.external_id != "p").values(intent="complaint", risks=""))
    workflow.reply(store, store.find("x", "o1").id, "tom", "sorry", now=NOW - timedelta(hours=21))  # 4 h after
    workflow.reply(store, store.find("x", "o2").id, "tom", "sorry", now=NOW - timedelta(hours=24 * 2 - 1.5))
    yield store
    store.dispose()


def test_trends_count_by_day_sentiment_channel_and_response(reports_store):
    figures = trends(reports_store, NOW, days=7)
    assert figures.total == 9 + 6 + 1  # o7 is older than the period
    assert int(figures.daily_sentiment["negative"].sum()) == 15
    assert int(figures.by_channel["reddit"].sum()) == 1
    assert figures.median_response_hours == pytest.approx(3.25)
    assert figures.response_hours.dropna().round(1).tolist() == [2.5, 4.0]
    # the card follows the period: o7, older than 7 days, is left out
    assert figures.unanswered_by_age.to_dict() == {"<1 h": 1, "1-4 h": 4, "4-24 h": 4, ">1 day": 4}
    by_row = Counter(age_bucket(row["age_hours"]) for row in unanswered(reports_store, NOW, NOW - timedelta(days=7)))
    assert figures.unanswered_by_age.to_dict() == {name: by_row[name] for name, _ in AGE_BUCKETS}


def test_the_spike_counts_each_day_back_from_now(reports_store):
    spike = negative_spike(reports_store, NOW)
    assert (spike.current, spike.baseline) == (9, 1.0) and spike.flagged
