"""The queue's reply action goes through ``triage.replies.sending``: dry run on the demo, live posting, refusals."""

from __future__ import annotations

import pytest

from conftest import open_mention, start_dashboard
from fake_listeners import FEEDS, FakeFeed, fake_kind  # noqa: F401  (fixture)
from triage.db.store import QueueFilter, open_store


def start(monkeypatch, db_url, config=None):
    if config:
        return start_dashboard(monkeypatch, db_url, TRIAGE_CONFIG=str(config))
    monkeypatch.delenv("TRIAGE_CONFIG", raising=False)
    return start_dashboard(monkeypatch, db_url)


@pytest.fixture
def top_x_mention(demo_db_url):
    store = open_store(demo_db_url)
    row = store.queue(QueueFilter(channels=["x"], statuses=["new"]))[0]
    store.dispose()
    return row


@pytest.mark.model
def test_on_the_demo_a_reply_is_recorded_in_dry_run(monkeypatch, demo_db_url, top_x_mention, tmp_path):
    monkeypatch.chdir(tmp_path)  # no triage.toml: the demo's dry run
    at = open_mention(start(monkeypatch, demo_db_url), top_x_mention.id)
    assert at.button(key=f"replied-{top_x_mention.id}").label == "Mark replied"
    at.button(key=f"replied-{top_x_mention.id}").click().run()
    assert [s.value for s in at.success] == ["Dry run: reply recorded, nothing posted to x ([sending] dry_run is on)."]
    store = open_store(demo_db_url)
    [reply] = store.replies_for([top_x_mention.id])[top_x_mention.id][-1:]
    assert (reply.posted, reply.external_id, reply.agent) == (False, None, "giulia")
    assert store.get(top_x_mention.id).status == "replied"


def test_a_live_post_that_the_platform_refuses_keeps_the_draft_and_shows_its_error(
    monkeypatch, demo_db_url, top_x_mention, tmp_path, fake_kind
):
    FEEDS["x-replies"] = feed = FakeFeed([], refuse_replies="403 <b>You are not allowed</b> to reply to this post")
    monkeypatch.setenv("FAKE_TOKEN", "t0ken-value")
    config = tmp_path / "triage.toml"
    config.write_text('[sending]\ndry_run = false\n[listeners]\nmodules = ["fake_listeners"]\n'
                      '[sources.x-replies]\nkind = "fake"\nchannel = "x"\nfeed = "x-replies"\n', encoding="utf-8")
    at = open_mention(start(monkeypatch, demo_db_url, config), top_x_mention.id)
    draft_key = f"reply-{top_x_mention.id}"
    at.text_area(key=draft_key).set_value("Sorry about this, we are on it. ^GB").run()
    assert at.button(key=f"replied-{top_x_mention.id}").label == "Send"  # it goes out on the platform
    at.button(key=f"replied-{top_x_mention.id}").click().run()
    assert [e.value for e in at.error] == ["Not sent: your draft is kept."]
    assert "not posted on x: 403 <b>You are not allowed</b> to reply to this post" in [t.value for t in at.text]
    assert at.text_area(key=draft_key).value == "Sorry about this, we are on it. ^GB"
    store = open_store(demo_db_url)
    assert store.get(top_x_mention.id).status == "new"
    assert store.replies_for([top_x_mention.id]).get(top_x_mention.id, []) == []

    feed.refuse_replies = None  # the platform takes it this time
    at.button(key=f"replied-{top_x_mention.id}").click().run()
    assert [s.value for s in at.success] == ["Posted on x (id r1); marked replied."]
    assert feed.replies == [(top_x_mention.external_id, "Sorry about this, we are on it. ^GB")]
    [reply] = store.replies_for([top_x_mention.id])[top_x_mention.id]
    assert (reply.posted, reply.external_id) == (True, "r1")
    FEEDS.pop("x-replies")


def test_a_send_cut_off_by_a_crash_is_flagged_for_review_when_the_dashboard_starts(
    monkeypatch, demo_db_url, top_x_mention, tmp_path
):
    from datetime import timedelta

    from triage.queue import workflow
    from triage.records import utcnow

    monkeypatch.chdir(tmp_path)  # no triage.toml: nothing can look the reply up
    store = open_store(demo_db_url)  # a send that never finished: pending for ten minutes
    workflow.start_sending(store, top_x_mention.id, "tom", "We are on it <b>now</b>. ^TB", "k" * 32,
                           now=utcnow() - timedelta(minutes=10))
    at = open_mention(start(monkeypatch, demo_db_url), top_x_mention.id)
    assert store.get(top_x_mention.id).status == "needs_review"
    [warning] = at.warning
    assert warning.value.startswith("A crash interrupted sending this reply: it may already be on x.")
    assert "tom: We are on it <b>now</b>. ^TB" in [t.value for t in at.text]  # shown literally
    [audit] = store.audit_for(top_x_mention.id)[-1:]
    assert (audit.actor, audit.to_status) == ("reconcile", "needs_review")
