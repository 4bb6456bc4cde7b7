"""From ingest to the queue, the unanswered report and the trends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_mention
from triage.ingest.pipeline import ingest, refresh_priorities
from triage.queue import workflow
from triage.queue.reports import age_bucket, trends, unanswered, unanswered_csv


@pytest.mark.model
def test_ingest_classifies_once_and_ranks(store, fake_model, now):
    mentions = [
        make_mention("1", "thanks, great service", minutes_ago=30),
        make_mention("2", "charged twice!!! refund now", minutes_ago=30),
        make_mention("3", "la fibra è giù da stamattina", minutes_ago=30, handle="luca"),
    ]
    result = ingest(store, mentions, fake_model, now=now)
    assert (result.inserted, result.classified) == (3, 3)
    again = ingest(store, mentions, fake_model, now=now)
    assert (again.inserted, again.updated, again.classified) == (0, 3, 0)
    queue = store.queue()
    assert queue[0].external_id == "2"
    assert queue[-1].external_id == "1"
    assert {r.external_id: r.language for r in queue}["3"] == "it"
    assert queue[0].reasons[0]["phrase"] in {"money taken", "negative sentiment", "strong negative emotion"}


@pytest.mark.model
def test_repeat_contact_raises_the_latest_message(store, fake_model, now):
    ingest(store, [
        make_mention("1", "internet down", minutes_ago=60 * 24 * 3),
        make_mention("2", "still down", minutes_ago=60 * 24),
        make_mention("3", "still down, third time I write", minutes_ago=20),
    ], fake_model, now=now)
    latest = store.find("x", "3")
    assert any(r["phrase"] == "3rd message in 3 days" for r in latest.reasons)


@pytest.mark.model
def test_priorities_recompute_as_time_passes(store, fake_model, now):
    ingest(store, [make_mention("1", "internet down", minutes_ago=5)], fake_model, now=now)
    before = store.find("x", "1").priority
    assert refresh_priorities(store, now + timedelta(hours=5)) == 1
    assert store.find("x", "1").priority > before


@pytest.mark.model
def test_unanswered_lists_open_negative_mentions_oldest_first(store, fake_model, now):
    ingest(store, [
        make_mention("new", "router broken", minutes_ago=30),
        make_mention("old", "router broken again", minutes_ago=600, handle="b"),
        make_mention("happy", "thanks, love it", minutes_ago=700, handle="c"),
        make_mention("answered", "worst service", minutes_ago=800, handle="d"),
        make_mention("ignored", "worst service ever", minutes_ago=900, handle="e"),
    ], fake_model, now=now)
    workflow.reply(store, store.find("x", "answered").id, "tom", "sorry ^TH", now=now)
    workflow.ignore(store, store.find("x", "ignored").id, "tom", "troll")
    report = unanswered(store, now)
    assert [r["url"].rsplit("/", 1)[1] for r in report] == ["old", "new"]
    assert report[0]["age_hours"] == 10.0
    assert set(report[0]) >= {"channel", "url", "author", "text", "age_hours", "priority"}
    csv_text = unanswered_csv(store, now)
    assert csv_text.splitlines()[0].startswith("channel,url,author,text,created_at,age_hours,priority")


@pytest.mark.model
def test_trends_count_by_day_sentiment_channel_and_response(store, fake_model, now):
    ingest(store, [
        make_mention("1", "router broken", minutes_ago=60 * 26),
        make_mention("2", "thanks, great", minutes_ago=60 * 25, channel="reddit"),
        make_mention("3", "router broken", minutes_ago=30, handle="z"),
    ], fake_model, now=now)
    workflow.reply(store, store.find("x", "1").id, "tom", "sorry ^TH", now=now - timedelta(hours=22))
    figures = trends(store, now, days=7)
    assert figures.total == 3
    assert int(figures.daily_sentiment["negative"].sum()) == 2
    assert int(figures.by_channel["reddit"].sum()) == 1
    assert figures.median_response_hours == 4.0
    assert figures.unanswered_by_age.to_dict() == {"<1 h": 1, "1-4 h": 0, "4-24 h": 0, ">1 day": 0}


def test_age_buckets():
    assert [age_bucket(h) for h in (0.2, 1, 3.9, 4, 23, 24, 200)] == [
        "<1 h", "1-4 h", "1-4 h", "4-24 h", "4-24 h", ">1 day", ">1 day"]


def test_trends_of_an_empty_database(store, now):
    figures = trends(store, now)
    assert figures.total == 0 and figures.median_response_hours is None


def test_the_refresh_rescores_open_mentions_and_those_that_just_left_the_queue(store, fake_model, now):
    ingest(store, [make_mention("1", "internet down", minutes_ago=5),
                   make_mention("2", "still no internet", minutes_ago=60 * 5, handle="luca")], fake_model, now=now)
    closed = store.find("x", "2")
    assert any(r["phrase"].startswith("waiting") for r in closed.reasons)
    workflow.close(store, closed.id, "giulia", now=now)
    assert refresh_priorities(store, now) == 1  # closed: its waiting points go, once
    closed = store.find("x", "2")
    assert not any(r["phrase"].startswith("waiting") for r in closed.reasons)
    last_seen = int(store.get_meta("priorities_rescored_audit_id"))
    assert [r.external_id for r in store.mentions_to_rescore(last_seen)[0]] == ["1"]
    assert refresh_priorities(store, now + timedelta(hours=5)) == 1
    assert store.find("x", "2").priority == closed.priority
