"""Sending as the signed-in person: the reply and the audit trail carry their address."""

from __future__ import annotations

from conftest import make_mention
from triage.access.roles import Actor
from triage.config.settings import Config
from triage.context import Context
from triage.replies.sending import send_reply

ANNA = Actor(name="anna@lumora.example", role="agent", email="anna@lumora.example", signed_in=True)


def test_a_signed_in_agent_sends_under_their_address(store):
    [mention_id] = store.upsert_mentions([make_mention("s1", text="lumora billed me twice")]).inserted
    result = send_reply(Context(store, Config()), mention_id, ANNA, "Sorry! We'll refund you. ^AN")  # dry run
    assert not result.posted
    [reply] = store.replies_for([mention_id])[mention_id]
    assert reply.agent == "anna@lumora.example"
    assert [(a.actor, a.action) for a in store.audit_for(mention_id)] == [("anna@lumora.example", "mark_replied")]
