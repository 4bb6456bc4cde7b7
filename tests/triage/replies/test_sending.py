"""Sending replies: posted through the channel's listener, or recorded only (dry run); a refusal stores nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_mention
from fake_listeners import NO_SDK_DISABLED, FakeFeed, fake_kind, no_sdk_kind  # noqa: F401  (fixtures)
from triage.config.secrets import load_secrets
from triage.config.settings import Config, SourceConfig
from triage.context import Context
from triage.db.schema import DEMO_META_KEY
from triage.errors import WorkflowConflict
from triage.ingest.demo import DEMO_META_KEY
from triage.queue import workflow
from triage.replies.sending import SendingError, is_dry_run, send_reply

SECRETS = load_secrets("/nonexistent/secrets.toml", environ={"FAKE_TOKEN": "t0ken-value"})
LIVE = Path("triage.toml")  # a config read from a file: dry run only when it says so


def live_config(feed: FakeFeed, **options) -> Config:
    return Config(path=LIVE, dry_run=False,
                  sources=(SourceConfig("fake-feed", "fake", True, {"feed": feed, **options}),))


@pytest.fixture
def mention_id(store) -> int:
    [inserted] = store.upsert_mentions([make_mention("p7", channel="fake", text="lumora billed me twice")]).inserted
    return inserted


def test_dry_run_records_the_reply_and_posts_nothing(store, mention_id, fake_kind):
    feed = FakeFeed([])
    config = Config(path=LIVE, dry_run=True, sources=live_config(feed).sources)
    result = send_reply(Context(store, config, SECRETS), mention_id, "giulia", "Sorry! We'll refund you. ^GB")
    assert not result.posted and result.external_id is None
    assert result.message == "Dry run: reply recorded, nothing posted to fake ([sending] dry_run is on)."
    assert feed.replies == []
    [reply] = store.replies_for([mention_id])[mention_id]
    assert (reply.posted, reply.external_id, reply.text) == (False, None, "Sorry! We'll refund you. ^GB")
    assert store.get(mention_id).status == "replied"


def test_dry_run_is_the_default_without_a_config_file_or_on_demo_data(store):
    assert is_dry_run(Context(store, Config()))  # no triage.toml
    assert not is_dry_run(Context(store, Config(path=LIVE)))
    store.set_meta(DEMO_META_KEY, "2026-11-20T12:00:00+00:00")  # what loading the demo data set records
    assert is_dry_run(Context(store, Config(path=LIVE)))  # demo mentions are fictional: never post to them
    assert not is_dry_run(Context(store, Config(path=LIVE, dry_run=False)))  # an explicit setting wins


def test_a_post_stores_the_platform_id_and_the_suggestion_it_started_from(store, mention_id, fake_kind):
    feed = FakeFeed([])
    suggestion = "Sorry about the double charge! DM us. ^GB"
    result = send_reply(Context(store, live_config(feed), SECRETS), mention_id, "giulia",
                        "Sorry about the double charge! DM us your number. ^GB",
                        suggestion_source="faq", suggestion_text=suggestion)
    assert feed.replies == [("p7", "Sorry about the double charge! DM us your number. ^GB")]
    assert result.posted and result.external_id == "r1"
    assert result.message == "Posted on fake (id r1); marked replied."
    [reply] = store.replies_for([mention_id])[mention_id]
    assert (reply.posted, reply.external_id, reply.suggestion_source, reply.edit_distance) == (True, "r1", "faq", 12)
    assert [a.action for a in store.audit_for(mention_id)] == ["reply"]


def test_a_refused_post_keeps_the_mention_open_and_stores_no_reply(store, mention_id, fake_kind):
    feed = FakeFeed([], refuse_replies="403 You are not allowed to reply to this post")
    workflow.claim(store, mention_id, "giulia")
    with pytest.raises(SendingError) as error:
        send_reply(Context(store, live_config(feed), SECRETS), mention_id, "giulia", "Sorry! ^GB")
    assert str(error.value) == "not posted on fake: 403 You are not allowed to reply to this post"
    row = store.get(mention_id)
    assert (row.status, row.assignee, row.first_response_at) == ("in_progress", "giulia", None)
    assert store.replies_for([mention_id]) == {}
    assert [a.action for a in store.audit_for(mention_id)] == ["claim"]


def test_a_missing_posting_credential_names_the_variable_and_stores_nothing(store, mention_id, fake_kind):
    feed = FakeFeed([])
    with pytest.raises(SendingError, match=r"disabled: set FAKE_WRITE_TOKEN$"):
        send_reply(Context(store, live_config(feed, token_variable="FAKE_WRITE_TOKEN"), SECRETS), mention_id, "giulia",
                   "Sorry! ^GB")
    assert feed.replies == [] and store.replies_for([mention_id]) == {}
    assert store.get(mention_id).status == "new"


def test_a_listener_whose_sdk_is_missing_says_what_to_install_and_stores_nothing(store, no_sdk_kind):
    [post] = store.upsert_mentions([make_mention("b1", channel="no_sdk", text="lumora down?")]).inserted
    config = Config(path=LIVE, dry_run=False, sources=(SourceConfig("boards", "no_sdk", True, {"board": "general"}),))
    with pytest.raises(SendingError) as error:
        send_reply(Context(store, config, SECRETS), post, "giulia", "Sorry! ^GB")
    assert str(error.value) == f"not posted on no_sdk: source 'boards' (no_sdk) {NO_SDK_DISABLED}"
    assert store.replies_for([post]) == {} and store.get(post).status == "new"


def test_a_channel_ascolto_cannot_post_on_is_recorded_for_the_agent_to_post(store, fake_kind):
    [review] = store.upsert_mentions([make_mention("rv1", channel="appstore", rating=1)]).inserted
    feed = FakeFeed([])
    result = send_reply(Context(store, live_config(feed), SECRETS), review, "giulia",
                        "We're sorry, update to 4.2 please.")
    assert not result.posted and feed.replies == []
    assert result.message == "Reply recorded; Ascolto does not post on appstore: post it there yourself."
    assert store.get(review).status == "replied"


def test_nothing_is_posted_when_the_workflow_would_refuse_the_reply(store, mention_id, fake_kind):
    feed = FakeFeed([])
    workflow.claim(store, mention_id, "tom")
    with pytest.raises(WorkflowConflict, match="tom is already working on this mention"):
        send_reply(Context(store, live_config(feed), SECRETS), mention_id, "giulia", "Sorry! ^GB")
    with pytest.raises(WorkflowConflict, match="the reply is empty"):
        send_reply(Context(store, live_config(feed), SECRETS), mention_id, "tom", "   ")
    assert feed.replies == []
