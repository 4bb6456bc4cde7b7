"""Agents' actions: each one changes the status and leaves an audit row."""

from __future__ import annotations

import pytest

from conftest import make_mention
from triage.config.settings import parse_config
from triage.context import Context
from triage.errors import WorkflowConflict
from triage.queue import workflow
from triage.queue.escalation import escalate


@pytest.fixture
def mention_id(store) -> int:
    return store.upsert_mentions([make_mention("1")]).inserted[0]


def trail(store, mention_id):
    return [(a.actor, a.action, a.from_status, a.to_status) for a in store.audit_for(mention_id)]


def test_claiming_makes_the_mention_yours(store, mention_id):
    workflow.claim(store, mention_id, "giulia")
    row = store.get(mention_id)
    assert (row.status, row.assignee) == ("in_progress", "giulia")
    assert trail(store, mention_id) == [("giulia", "claim", "new", "in_progress")]


def test_two_agents_can_never_hold_the_same_post(store, mention_id):
    workflow.claim(store, mention_id, "giulia")
    with pytest.raises(WorkflowConflict, match="giulia is already working on this mention"):
        workflow.claim(store, mention_id, "tom")
    with pytest.raises(WorkflowConflict, match="giulia"):
        workflow.reply(store, mention_id, "tom", "hello")
    assert store.get(mention_id).assignee == "giulia"
    assert len(store.audit_for(mention_id)) == 1


def test_a_second_session_sees_the_first_claim(sqlite_url):
    from triage.db.store import open_store

    one, two = open_store(sqlite_url), open_store(sqlite_url)
    [mention_id] = one.upsert_mentions([make_mention("1")]).inserted
    workflow.claim(one, mention_id, "giulia")
    with pytest.raises(WorkflowConflict):
        workflow.claim(two, mention_id, "tom")


def test_replying_records_the_reply_and_the_first_response_time(store, mention_id, now):
    reply_id = workflow.reply(store, mention_id, "giulia", "Sorry! DM us ^GB", now=now)
    row = store.get(mention_id)
    assert row.status == "replied" and row.first_response_at == now
    [stored] = store.replies_for([mention_id])[mention_id]
    assert (stored.id, stored.text, stored.agent, stored.posted) == (reply_id, "Sorry! DM us ^GB", "giulia", False)
    assert trail(store, mention_id) == [("giulia", "mark_replied", "new", "replied")]


def test_a_second_reply_keeps_the_first_response_time(store, mention_id, now):
    from datetime import timedelta

    workflow.reply(store, mention_id, "giulia", "first", now=now)
    workflow.reply(store, mention_id, "giulia", "follow-up", now=now + timedelta(hours=2))
    assert store.get(mention_id).first_response_at == now
    assert len(store.replies_for([mention_id])[mention_id]) == 2


def test_an_empty_reply_is_refused(store, mention_id):
    with pytest.raises(WorkflowConflict, match="empty"):
        workflow.reply(store, mention_id, "giulia", "   ")
    assert store.get(mention_id).status == "new"


def test_ignoring_needs_a_reason_and_keeps_it(store, mention_id):
    with pytest.raises(WorkflowConflict, match="reason"):
        workflow.ignore(store, mention_id, "tom", "")
    workflow.ignore(store, mention_id, "tom", "not about us")
    assert store.get(mention_id).status == "ignored"
    assert store.audit_for(mention_id)[-1].note == "not about us"


def test_escalate_release_and_reopen(store, mention_id):
    workflow.claim(store, mention_id, "tom")
    workflow.release(store, mention_id, "tom")
    escalate(Context(store, parse_config({"teams": {"leads": ["ada@lumora.example"]}})), mention_id, "tom",
             "legal threat, to the team lead", to_team="leads")
    workflow.claim(store, mention_id, "sara")
    workflow.ignore(store, mention_id, "sara", "duplicate")
    workflow.reopen(store, mention_id, "sara")
    assert [a[1:] for a in trail(store, mention_id)] == [
        ("claim", "new", "in_progress"),
        ("release", "in_progress", "new"),
        ("escalate", "new", "escalated"),
        ("claim", "escalated", "in_progress"),
        ("ignore", "in_progress", "ignored"),
        ("reopen", "ignored", "new"),
    ]


def test_an_ignored_mention_cannot_be_claimed(store, mention_id):
    workflow.ignore(store, mention_id, "tom", "spam")
    with pytest.raises(WorkflowConflict, match="cannot claim a mention that is ignored"):
        workflow.claim(store, mention_id, "giulia")


def test_actions_need_an_agent_name(store, mention_id):
    with pytest.raises(WorkflowConflict, match="agent name"):
        workflow.claim(store, mention_id, "")
