"""The notifications table: a key is recorded once, and one sender at a time holds a notice."""

from __future__ import annotations

from datetime import timedelta

from conftest import make_mention
from triage.db.notifications import Notice, channel_sent, claim_notice, due_notices, notices, record_notices


def test_a_key_is_recorded_once_and_a_notice_is_held_by_one_sender(backend, now):
    [mention_id] = backend.upsert_mentions([make_mention("1")]).inserted
    notice = Notice("sla:1", "sla", "SLA passed", "waiting", now, ("email", "webhook"), mention_id)
    assert record_notices(backend, [notice]) == [notice]
    assert record_notices(backend, [notice]) == []  # the same key again: nothing new
    [row] = notices(backend)

    held = claim_notice(backend, row.id, now, now + timedelta(minutes=5))
    assert held is not None and held.attempts == 1
    assert claim_notice(backend, row.id, now, now + timedelta(minutes=5)) is None  # a second sender waits
    assert due_notices(backend, now) == []
    assert due_notices(backend, now + timedelta(minutes=6)) == [row.id]  # a sender that died lets go

    channel_sent(backend, row.id, "email", now)
    channel_sent(backend, row.id, "webhook", now)
    [sent] = notices(backend)
    assert (sent.pending, sent.sent_at) == ("", now)
    assert claim_notice(backend, row.id, now + timedelta(hours=1), now + timedelta(hours=2)) is None


def test_a_notice_with_no_channel_is_done_when_recorded(store, now):
    record_notices(store, [Notice("spike:x", "spike", "Spike", "…", now, ())])
    [row] = notices(store)
    assert row.sent_at == now and due_notices(store, now) == []
