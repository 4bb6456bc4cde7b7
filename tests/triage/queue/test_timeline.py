"""The customer timeline of the queue's detail view: the mention, the author's earlier posts, our replies."""

from __future__ import annotations

from conftest import NOW, make_mention
from triage.queue import workflow
from triage.queue.timeline import customer_timeline


def test_the_timeline_shows_earlier_mentions_newest_first_each_with_our_replies(store):
    ids = store.upsert_mentions([
        make_mention("1", "still no internet", minutes_ago=10),
        make_mention("2", "internet down since this morning", minutes_ago=300),
        make_mention("3", "router blinking red", minutes_ago=3000),
        make_mention("4", "someone else's post", handle="bruno"),
        make_mention("5", "same handle, other channel", channel="reddit"),
    ]).inserted
    workflow.reply(store, ids[1], "giulia", "Sorry Marta, we're on it ^GB", now=NOW)

    timeline = customer_timeline(store, ids[0])

    assert timeline.earlier == 2
    assert [(e.who, e.text, e.status) for e in timeline.entries] == [
        ("@marta_rm", "still no internet", "new"),
        ("@marta_rm", "internet down since this morning", "replied"),
        ("our reply (giulia)", "Sorry Marta, we're on it ^GB", ""),
        ("@marta_rm", "router blinking red", "new"),
    ]
    assert [e.is_reply for e in timeline.entries] == [False, False, True, False]
    assert timeline.entries[2].mention_id == ids[1] and timeline.entries[2].at == NOW


def test_a_first_time_customer_has_only_the_mention(store):
    [mention_id] = store.upsert_mentions([make_mention("1", "<b>hello</b> ' or 1=1 --")]).inserted
    timeline = customer_timeline(store, mention_id)
    assert timeline.earlier == 0
    assert [e.text for e in timeline.entries] == ["<b>hello</b> ' or 1=1 --"]
