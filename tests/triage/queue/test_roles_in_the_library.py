"""The library refuses what a signed-in role may not do, whatever the dashboard shows.

Each call here is what a page would make, with the ``Actor`` that ``[roles]`` gives the
signed-in address; the audit trail records that address.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from conftest import NOW, make_mention
from triage.access.roles import access_of
from triage.config.settings import parse_config
from triage.context import Context
from triage.errors import AccessDenied
from triage.ingest.pipeline import ingest
from triage.queue import workflow
from triage.queue.acceptance import suggestion_acceptance
from triage.queue.escalation import escalate
from triage.queue.not_spam import mark_not_spam
from triage.queue.reports import trends, unanswered, unanswered_csv
from triage.replies.group_reply import group_drafts, send_group

CONFIG = parse_config({"roles": {
    "admins": ["ada@lumora.example"],
    "managers": ["marco@lumora.example"],
    "leads": ["giulia@lumora.example"],
    "agents": ["@lumora.example"],
}, "teams": {"billing": ["anna@lumora.example"]}})
ACCESS = access_of(CONFIG)
AGENT = ACCESS.actor("anna@lumora.example")
LEAD = ACCESS.actor("giulia@lumora.example")
MANAGER = ACCESS.actor("marco@lumora.example")


@pytest.fixture
def outage(store, fake_model, fake_intent_model):
    posts = [
        make_mention("1", "#LumoraDown no internet in Milan since 6am, anyone else?", handle="a", minutes_ago=90),
        make_mention("2", "#LumoraDown here too, no internet in Monza", handle="b", minutes_ago=20),
    ]
    ingest(store, posts, fake_model, now=NOW, intent_model=fake_intent_model)
    return store


def trail(store, mention_id):
    return [(a.actor, a.action, a.to_status) for a in store.audit_for(mention_id)]


def test_an_agent_works_the_queue_and_the_audit_trail_names_their_address(outage):
    mention_id = outage.find("x", "1").id
    workflow.claim(outage, mention_id, AGENT, now=NOW)
    assert outage.get(mention_id).assignee == "anna@lumora.example"
    workflow.reply(outage, mention_id, AGENT, "Sorry, we're on it ^AN", now=NOW)
    workflow.reopen(outage, mention_id, AGENT, now=NOW)
    mark_not_spam(outage, mention_id, AGENT, now=NOW)
    assert [who for who, _, _ in trail(outage, mention_id)] == ["anna@lumora.example"] * 4
    assert [action for _, action, _ in trail(outage, mention_id)] == ["claim", "mark_replied", "reopen", "not_spam"]


def test_an_agent_may_not_export_and_a_manager_may(outage):
    with pytest.raises(AccessDenied, match=r"anna@lumora.example is signed in as agent; only a manager or above "
                                           r"may export data"):
        unanswered_csv(outage, NOW, who=AGENT)
    with pytest.raises(AccessDenied, match=r"only a manager or above may export data"):
        unanswered(outage, NOW, who=LEAD)
    assert unanswered_csv(outage, NOW, who=MANAGER).startswith("channel,url,author,text")
    assert unanswered_csv(outage, NOW) == unanswered_csv(outage, NOW, who=MANAGER)  # no who: the local operator


def test_a_lead_may_not_see_reports_and_a_manager_may(outage):
    with pytest.raises(AccessDenied, match=r"giulia@lumora.example is signed in as lead; only a manager or above "
                                           r"may see reports and trends"):
        trends(outage, NOW, days=7, who=LEAD)
    with pytest.raises(AccessDenied, match=r"see reports and trends"):
        suggestion_acceptance(outage, NOW, who=LEAD)
    assert trends(outage, NOW, days=7, who=MANAGER).total == 2
    assert suggestion_acceptance(outage, NOW, who=MANAGER).empty


def test_only_a_lead_answers_a_whole_group(outage):
    incident_id = outage.find("x", "1").incident_id
    ctx = Context(outage, CONFIG, clock=lambda: NOW)
    drafts = group_drafts(ctx, incident_id)
    with pytest.raises(AccessDenied, match=r"only a lead or above may answer a whole group"):
        send_group(ctx, AGENT, [replace(d, text="We're on it ^AN") for d in drafts], confirmed=True)
    assert {outage.find("x", i).status for i in ("1", "2")} == {"new"}  # nothing was answered
    result = send_group(ctx, LEAD, [replace(d, text="We're on it ^GB") for d in drafts], confirmed=True)
    assert len(result.sent) == 2
    assert [who for who, action, _ in trail(outage, outage.find("x", "2").id)] == ["giulia@lumora.example"]


def test_a_plain_name_is_still_the_trusted_local_operator(outage):
    mention_id = outage.find("x", "2").id
    escalate(Context(outage, CONFIG), mention_id, "giulia", "billing, please", to_team="billing", now=NOW)
    assert trail(outage, mention_id) == [("giulia", "escalate", "escalated")]
