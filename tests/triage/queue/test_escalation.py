"""Escalation reaches someone: the assignee sees it in "Mine", one e-mail and one webhook call, never twice."""

from __future__ import annotations

import pytest

from conftest import make_mention
from triage.access.roles import access_of
from triage.config.secrets import Secrets
from triage.config.settings import parse_config
from triage.context import Context
from triage.db.notifications import notices
from triage.db.queue_view import queue_page
from triage.db.store import QueueFilter
from triage.errors import ConfigError, WorkflowConflict
from triage.queue.alerts import check_alerts
from triage.queue.assignment import holder_for
from triage.queue.escalation import escalate

TEAMS = {
    "roles": {"leads": ["giulia@lumora.example"], "agents": ["@lumora.example"]},
    "teams": {"billing": ["anna@lumora.example", "luca@lumora.example"]},
}


def team_context(store, smtp_port: int = 1, webhook_url: str | None = None, email: bool = True) -> Context:
    notify = {"webhook": webhook_url is not None}
    if email:
        notify.update(smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none",
                      smtp_from="ascolto@lumora.example", email_to=["leads@lumora.example"])
    secrets = Secrets({}, environ={"NOTIFY_WEBHOOK_URL": webhook_url} if webhook_url else {})
    return Context(store, parse_config({**TEAMS, "notify": notify}), secrets)


@pytest.fixture
def mention_id(store) -> int:
    mention = make_mention("1", text="I was charged twice <!channel> <https://evil.example|click>")
    return store.upsert_mentions([mention]).inserted[0]


def test_escalating_to_a_team_sends_one_email_and_one_webhook_call(store, mention_id, smtp_server, webhook_server):
    ctx = team_context(store, smtp_server.port, webhook_server.url)
    anna = access_of(ctx.config).actor("anna@lumora.example")
    tom = access_of(ctx.config).actor("tom@lumora.example")

    done = escalate(ctx, mention_id, tom, "double charge, needs a refund", to_team="billing")

    assert done.sent == ("email", "webhook") and done.error is None
    assert done.message == "Escalated to team billing. Notified by email and webhook."
    row = store.get(mention_id)
    assert (row.status, row.assignee, row.team) == ("escalated", None, "billing")
    assert [r.id for r in queue_page(store, QueueFilter(holder=holder_for("Mine", anna)))] == [mention_id]
    [mail] = smtp_server.messages
    assert smtp_server.recipients == [["anna@lumora.example", "luca@lumora.example"]]
    assert mail["Subject"] == "Escalated to team billing: @marta_rm on x"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "double charge, needs a refund" in body and "‹!channel›" in body and "<!channel>" not in body
    [payload] = webhook_server.received
    assert payload["subject"] == mail["Subject"] and payload["fields"]["escalated by"] == "tom@lumora.example"

    again = check_alerts(ctx)  # the alerts service runs right after: nothing is sent twice
    assert again.delivery.messages == 0
    assert len(smtp_server.messages) == 1 and len(webhook_server.received) == 1


def test_escalating_to_a_person_emails_that_person_and_shows_in_their_mine(store, mention_id, smtp_server):
    ctx = team_context(store, smtp_server.port)
    done = escalate(ctx, mention_id, "tom", "VIP customer", to_person="giulia@lumora.example")
    assert done.sent == ("email",)
    assert smtp_server.recipients == [["giulia@lumora.example"]]
    assert store.get(mention_id).assignee == "giulia@lumora.example"
    giulia = access_of(ctx.config).actor("giulia@lumora.example")
    assert [r.id for r in queue_page(store, QueueFilter(holder=holder_for("Mine", giulia)))] == [mention_id]


def test_a_failed_notification_keeps_the_escalation_and_alerts_sends_it_later(store, mention_id, smtp_server,
                                                                              webhook_server):
    webhook_server.status = 500
    ctx = team_context(store, smtp_server.port, webhook_server.url + "?token=s3cr3t-token")
    done = escalate(ctx, mention_id, "tom", "outage in Milano", to_team="billing")

    assert store.get(mention_id).status == "escalated"  # stored whatever the channels did
    assert done.sent == ("email",) and "HTTP 500" in (done.error or "")
    assert "s3cr3t-token" not in done.message and "will retry" in done.message
    [notice] = notices(store, mention_id)
    assert notice.pending == "webhook" and notice.sent_at is None and "s3cr3t" not in (notice.last_error or "")

    webhook_server.status = 200
    check_alerts(ctx)
    check_alerts(ctx)
    assert len(smtp_server.messages) == 1  # the e-mail went out the first time: never again
    assert len(webhook_server.received) == 2  # refused once (HTTP 500), then delivered once
    [notice] = notices(store, mention_id)
    assert notice.pending == "" and notice.sent_at is not None and notice.last_error is None


def test_without_channels_the_escalation_is_stored_and_says_so(store, mention_id):
    ctx = team_context(store, email=False)
    done = escalate(ctx, mention_id, "tom", "needs a lead", to_team="billing")
    assert done.channels == () and "No notification channel is configured" in done.message
    assert store.get(mention_id).status == "escalated"


def test_escalation_needs_a_note_a_target_and_a_known_team(store, mention_id):
    ctx = team_context(store, email=False)
    with pytest.raises(WorkflowConflict, match="note is empty"):
        escalate(ctx, mention_id, "tom", " ", to_team="billing")
    with pytest.raises(WorkflowConflict, match="pick a team or name a person"):
        escalate(ctx, mention_id, "tom", "why")
    with pytest.raises(ConfigError, match="no team named 'sales'"):
        escalate(ctx, mention_id, "tom", "why", to_team="sales")
    assert store.get(mention_id).status == "new" and notices(store) == []


def test_nobody_escalates_a_mention_someone_else_holds(store, mention_id):
    from triage.queue import workflow

    ctx = team_context(store, email=False)
    workflow.claim(store, mention_id, "anna")
    with pytest.raises(WorkflowConflict, match="anna is already working on this mention"):
        escalate(ctx, mention_id, "tom", "mine now", to_team="billing")
    assert notices(store) == []
