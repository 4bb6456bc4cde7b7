"""Incidents are assigned as mentions arrive: a new post joins (or bridges) the incidents it links to."""

from __future__ import annotations

from datetime import timedelta

from conftest import NOW, make_mention
from triage.ingest.pipeline import ingest


def incident_of(store, external_id):
    return store.find("x", external_id).incident_id


def test_a_later_post_joins_the_open_incident_and_its_members_are_rescored(store, fake_model, fake_intent_model):
    ingest(store, [make_mention("1", "#LumoraDown no internet in Milan", handle="a", minutes_ago=90),
                   make_mention("2", "#LumoraDown no internet in Monza", handle="b", minutes_ago=80)],
           fake_model, now=NOW, intent_model=fake_intent_model)
    first = incident_of(store, "1")
    assert first is not None and incident_of(store, "2") == first
    later = NOW + timedelta(minutes=30)
    ingest(store, [make_mention("3", "#LumoraDown here too, no internet", handle="c", minutes_ago=-20)],
           fake_model, now=later, intent_model=fake_intent_model)
    assert incident_of(store, "3") == first
    assert any(r["phrase"] == "incident: 3 similar posts" for r in store.find("x", "1").reasons)


def test_a_post_that_links_two_incidents_merges_them(store, fake_model, fake_intent_model):
    ingest(store, [make_mention("1", "#FiberGone no internet in Milan", handle="a", minutes_ago=300),
                   make_mention("2", "#FiberGone no internet in Monza either", handle="b", minutes_ago=290),
                   make_mention("3", "#RouterFire smoke from the router", handle="c", minutes_ago=280),
                   make_mention("4", "#RouterFire router on fire again", handle="d", minutes_ago=270)],
           fake_model, now=NOW, intent_model=fake_intent_model)
    assert incident_of(store, "1") != incident_of(store, "3")
    ingest(store, [make_mention("5", "#FiberGone #RouterFire both broken", handle="e", minutes_ago=10)],
           fake_model, now=NOW, intent_model=fake_intent_model)
    assert len({incident_of(store, str(i)) for i in range(1, 6)}) == 1


def test_unclassified_mentions_wait_for_their_classification(store, fake_model, fake_intent_model):
    from triage.ranking.incidents import assign_incidents

    store.upsert_mentions([make_mention("1", "#LumoraDown no internet in Milan", handle="a", minutes_ago=20),
                           make_mention("2", "#LumoraDown no internet in Monza", handle="b", minutes_ago=10)])
    assert assign_incidents(store, NOW) == 0  # nothing classified yet: nothing grouped, nothing skipped
    ingest(store, [], fake_model, now=NOW, intent_model=fake_intent_model)
    assert incident_of(store, "1") is not None and incident_of(store, "1") == incident_of(store, "2")
