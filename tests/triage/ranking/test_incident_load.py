"""Incidents rank by their members' combined urgency and size, while they are unanswered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import NOW, make_mention
from triage.db.queue_view import queue_page
from triage.db.store import QueueFilter
from triage.ingest.pipeline import ingest
from triage.queue import workflow
from triage.ranking.priority import IncidentLoad, PriorityWeights, incident_reason
from triage.ranking.refresh import refresh_priorities
from triage.records import OPEN_STATUSES

CITIES = ["Milano", "Monza", "Bergamo", "Como", "Brescia", "Torino", "Lecco", "Pavia", "Varese", "Lodi",
          "London", "Leeds", "Bristol", "Croydon", "Camden", "Hackney", "Ealing", "Woking", "Reading", "Slough"]


def _outage_and_a_mild_complaint(store, fake_model, fake_intent_model) -> None:
    posts = [make_mention(str(i), f"#LumoraDown no internet in {city}", handle=f"user{i}", minutes_ago=30 + i)
             for i, city in enumerate(CITIES)]
    posts.append(make_mention("mild", "The app is still slow to open, not working well this week",
                              handle="mild_one", minutes_ago=300))  # waited long: its full waiting points
    ingest(store, posts, fake_model, now=NOW, intent_model=fake_intent_model)


def _queue(store):
    return queue_page(store, QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True), 0, 50)


def test_an_incident_of_20_unanswered_posts_outranks_a_single_mild_complaint(store, fake_model, fake_intent_model):
    _outage_and_a_mild_complaint(store, fake_model, fake_intent_model)
    lines = _queue(store)
    assert [r.external_id for r in lines][1] == "mild" and len(lines) == 2  # the incident shows once, first
    leader, mild = lines
    joined = next(r for r in leader.reasons if r["phrase"].startswith("incident: 20 similar posts"))
    assert leader.priority - joined["points"] + 8 < mild.priority < leader.priority  # 8: the old size-only points


def test_answering_members_lowers_the_rest_of_the_incident(store, fake_model, fake_intent_model):
    _outage_and_a_mild_complaint(store, fake_model, fake_intent_model)
    before = store.find("x", "19").priority
    for i in range(15):
        workflow.reply(store, store.find("x", str(i)).id, "tom", "We're on it ^TH", now=NOW)
    refresh_priorities(store, NOW + timedelta(minutes=1))
    after = store.find("x", "19")
    assert after.priority < before
    assert any(r["phrase"] == "incident: 20 similar posts, 5 unanswered" for r in after.reasons)


@pytest.mark.parametrize(("small", "big"), [(IncidentLoad(2, 2), IncidentLoad(28, 28)),
                                            (IncidentLoad(28, 5), IncidentLoad(28, 23)),
                                            (IncidentLoad(10, 10, 0.5), IncidentLoad(10, 10, 6.0))])
def test_more_unanswered_members_or_more_urgent_ones_weigh_more(small, big):
    weights = PriorityWeights()
    low, high = incident_reason(small, weights), incident_reason(big, weights)
    assert low is not None and high is not None and low.points < high.points <= weights.incident_max
    assert incident_reason(IncidentLoad(1, 1), weights) is None
