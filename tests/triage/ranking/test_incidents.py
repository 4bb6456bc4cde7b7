"""Incidents: near-duplicate complaints grouped, shown once, answered once; negative spikes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest

from conftest import NOW, make_mention
from triage.context import Context
from triage.errors import WorkflowConflict
from triage.ingest.pipeline import ingest
from triage.queue import workflow
from triage.queue.spikes import negative_spike, spike_from_counts
from triage.ranking.incidents import (
    assign_incidents,
    collapse,
    find_groups,
    members,
    similarity,
    summaries,
)
from triage.replies.group_reply import group_drafts, send_group


@dataclass
class Item:
    text: str
    minutes_ago: int = 30
    intent: str | None = "complaint"
    channel: str = "x"
    parent_id: str | None = None
    p_negative: float | None = 0.8
    author_handle: str = "someone"
    author_followers: int = 50
    not_spam: bool = False

    @property
    def created_at(self) -> datetime:
        return NOW - timedelta(minutes=self.minutes_ago)


def test_copy_paste_and_retweets_are_one_group():
    items = [
        Item("#LumoraDown no internet in Milan since 6am, anyone else?", 60),
        Item("RT @fede_mi: #LumoraDown no internet in Milan since 6am, anyone else?", 50),
        Item("no internet in Milan since 6am anyone else??", 40),
        Item("my invoice shows a roaming charge I never used", 30),
    ]
    assert find_groups(items) == [[0, 1, 2]]


def test_a_shared_incident_hashtag_links_different_words():
    items = [Item("#FioroGiù niente internet a Monza"), Item("#FioroGiù anche a Como, smart working saltato", 20)]
    assert find_groups(items) == [[0, 1]]


def test_replies_to_the_same_status_post_are_grouped():
    items = [Item("when will it be back??", parent_id="123"), Item("still nothing in London", 10, parent_id="123")]
    assert find_groups(items) == [[0, 1]]


def test_only_complaints_within_the_time_window_are_grouped():
    assert find_groups([Item("no internet in Milan since 6am", 60 * 30), Item("no internet in Milan since 6am")]) == []
    praise = [Item("love the new app, great", intent="praise"), Item("love the new app, great!", intent="praise")]
    assert find_groups(praise) == []
    spam = [Item("GIVEAWAY free iPhone click here bit.ly/x"), Item("GIVEAWAY free iPhone click here bit.ly/y")]
    assert find_groups(spam) == []


def test_similarity_ignores_handles_links_and_retweet_prefixes():
    assert similarity("RT @a: fibra giù a Milano https://x.example", "fibra giù a Milano") == 1.0
    assert similarity("router on fire", "invoice question") == 0.0


@pytest.fixture
def outage(store, fake_model, fake_intent_model):
    posts = [
        make_mention("1", "#LumoraDown no internet in Milan since 6am, anyone else?", handle="a", minutes_ago=90),
        make_mention("2", "RT @a: #LumoraDown no internet in Milan since 6am, anyone else?", handle="b",
                     minutes_ago=50),
        make_mention("3", "#LumoraDown here too, no internet in Monza", handle="c", minutes_ago=20),
        make_mention("4", "#LumoraDown broken in Como as well", handle="d", minutes_ago=10),
        make_mention("5", "thanks for the quick install, great engineer", handle="e", minutes_ago=10),
    ]
    ingest(store, posts, fake_model, now=NOW, intent_model=fake_intent_model)
    return store


def test_ingest_stores_incidents_and_regrouping_keeps_them(outage):
    grouped = [m for m in outage.mentions() if m.incident_id is not None]
    assert sorted(m.external_id for m in grouped) == ["1", "2", "3", "4"]
    incident_id = grouped[0].incident_id
    assert assign_incidents(outage, NOW) == 1
    assert {m.incident_id for m in outage.mentions() if m.external_id != "5"} == {incident_id}
    assert any(r["phrase"] == "incident: 4 similar posts" for r in outage.find("x", "1").reasons)


def test_the_queue_shows_an_incident_once_with_size_and_growth(outage):
    rows = outage.queue()
    info = summaries(outage, [r.incident_id for r in rows], NOW)
    entries = collapse(rows, info)
    assert len(entries) == 2
    incident = next(e.incident for e in entries if e.incident)
    assert (incident.size, incident.open, incident.last_hour) == (4, 4, 3)
    assert incident.growth == "+3 in last hour"
    assert incident.title.startswith("#LumoraDown no internet in Milan")


def test_one_group_reply_gives_each_open_member_its_reply_and_audit_row(outage):
    incident_id = outage.find("x", "1").incident_id
    workflow.claim(outage, outage.find("x", "3").id, "tom")  # held by someone else: skipped
    workflow.ignore(outage, outage.find("x", "4").id, "giulia", "duplicate")  # not open: left alone
    ctx = Context(outage, clock=lambda: NOW)
    drafts = [replace(d, text="We're on it, sorry ^GB") for d in group_drafts(ctx, incident_id)]
    result = send_group(ctx, "giulia", drafts, confirmed=True)
    assert len(result.sent) == 2
    assert [mid for mid, _ in result.skipped] == [outage.find("x", "3").id]
    for external_id in ("1", "2"):
        row = outage.find("x", external_id)
        assert row.status == "replied"
        assert [r.text for r in outage.replies_for([row.id])[row.id]] == ["We're on it, sorry ^GB"]
        assert [a.action for a in outage.audit_for(row.id)] == ["mark_replied"]
    assert [m.status for m in members(outage, incident_id)] == ["replied", "replied", "in_progress", "ignored"]


def test_a_group_reply_needs_text_and_an_agent(outage):
    incident_id = outage.find("x", "1").incident_id
    ctx = Context(outage, clock=lambda: NOW)
    drafts = group_drafts(ctx, incident_id)
    with pytest.raises(WorkflowConflict):
        send_group(ctx, "giulia", [replace(d, text="   ") for d in drafts], confirmed=True)
    with pytest.raises(WorkflowConflict):
        send_group(ctx, "", [replace(d, text="hello") for d in drafts], confirmed=True)


def test_a_spike_of_negative_mentions_is_flagged(store, fake_model, fake_intent_model):
    posts = [make_mention(f"old{d}", "router broken again", handle=f"o{d}", minutes_ago=60 * 24 * d + 60)
             for d in range(1, 8)]
    posts += [make_mention(f"new{i}", f"internet down in town {i}", handle=f"n{i}", minutes_ago=10 + i)
              for i in range(9)]
    ingest(store, posts, fake_model, now=NOW, intent_model=fake_intent_model)
    spike = negative_spike(store, NOW)
    assert spike.flagged and spike.current == 9 and spike.baseline == 1.0
    assert spike.message == "Spike: 9 negative mentions in the last 24 h against a usual 1.0 (9.0x)"


def test_steady_volume_is_not_a_spike():
    assert not spike_from_counts(6, [5, 7, 6, 4, 6, 5, 7]).flagged
    assert not spike_from_counts(3, [0, 0, 0, 0, 0, 0, 0]).flagged  # too few to matter
    assert spike_from_counts(20, [5, 7, 6, 4, 6, 5, 7]).flagged


def test_an_outage_burst_in_different_words_is_one_incident():
    @dataclass
    class Topical(Item):
        topic: str | None = "outage"

    burst = [Topical("fibra down a Milano da stamattina, niente internet", 90),
             Topical("internet down in Hackney since this morning", 60),
             Topical("internet down here too, router red light", 30)]
    assert find_groups(burst) == [[0, 1, 2]]
    spread = [Topical("fibra down a Milano da stamattina", 600), Topical("internet down, router red light", 30)]
    assert find_groups(spread) == []  # hours apart and in other words: two separate complaints
    billing = [Topical("charged twice this month", 30, topic="billing"),
               Topical("charged for a router", 20, topic="billing")]
    assert find_groups(billing) == []
