"""The dashboard's group reply: every open post of an incident answered at once, or a conflict saying why."""

from __future__ import annotations

import pytest

from conftest import NOW, make_mention
from triage.errors import WorkflowConflict
from triage.ingest.pipeline import ingest
from triage.queue import workflow
from triage.queue.groups import answer_group


@pytest.fixture
def outage(store, fake_model, fake_intent_model):
    posts = [
        make_mention("1", "#LumoraDown no internet in Milan since 6am, anyone else?", handle="a", minutes_ago=90),
        make_mention("2", "#LumoraDown here too, no internet in Monza", handle="b", minutes_ago=20),
    ]
    ingest(store, posts, fake_model, now=NOW, intent_model=fake_intent_model)
    return store


def test_answering_the_group_replies_to_each_open_post(outage):
    incident_id = outage.find("x", "1").incident_id
    result = answer_group(outage, incident_id, "giulia", "We're on it, sorry ^GB", now=NOW)
    assert len(result.replied) == 2 and result.skipped == []
    assert {outage.find("x", i).status for i in ("1", "2")} == {"replied"}


def test_a_group_reply_that_reaches_no_post_is_a_conflict_naming_why(outage):
    incident_id = outage.find("x", "1").incident_id
    for external_id in ("1", "2"):
        workflow.claim(outage, outage.find("x", external_id).id, "tom")
    with pytest.raises(WorkflowConflict, match="no open post in this incident could be answered; .*tom"):
        answer_group(outage, incident_id, "giulia", "We're on it, sorry ^GB", now=NOW)
    assert {outage.find("x", i).status for i in ("1", "2")} == {"in_progress"}
