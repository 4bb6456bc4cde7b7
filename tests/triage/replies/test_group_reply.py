"""The group reply: one draft per language and register of an incident's unanswered posts, sent only when confirmed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from conftest import NOW, make_mention
from fake_listeners import FakeFeed, fake_kind  # noqa: F401  (fixture)
from triage.config.secrets import load_secrets
from triage.config.settings import Config, SourceConfig
from triage.context import Context
from triage.db.schema import MentionRow
from triage.errors import GroupNotConfirmed, ReplyTooLong, WorkflowConflict
from triage.ingest.pipeline import ingest
from triage.queue import workflow
from triage.replies.group_reply import group_drafts, send_group, unanswered
from triage.replies.limits import measured_length
from triage.replies.rules import italian_register_markers
from triage.text.language import detect_language


@pytest.fixture
def mixed_outage(store, fake_model, fake_intent_model):
    """An outage reported in English and Italian, both registers, on X, Bluesky and Mastodon."""
    posts = [
        make_mention("1", "#LumoraDown no internet in Milan since 6am, anyone else?", handle="a", minutes_ago=90,
                     language="en"),
        make_mention("2", "#LumoraDown here too, no internet in Monza", handle="b", minutes_ago=40, language="en",
                     channel="bluesky"),
        make_mention("3", "#LumoraDown ciao, anche a me niente internet a Monza da stamattina, tu sai qualcosa?",
                     handle="c", minutes_ago=30, language="it"),
        make_mention("4", "#LumoraDown raga niente internet a Como, ma che succede? mi dite qualcosa?", handle="d",
                     minutes_ago=20, language="it", channel="mastodon"),
        make_mention("5", "#LumoraDown Buongiorno, potrebbe dirmi quando torna internet a Lecco? Cordiali saluti",
                     handle="e", minutes_ago=10, language="it"),
    ]
    ingest(store, posts, fake_model, now=NOW, intent_model=fake_intent_model)
    incident = store.find("x", "1").incident_id
    assert incident is not None
    with store.session() as session:  # however the grouping read the questions among them: one outage
        for row in session.scalars(select(MentionRow)):
            row.incident_id = incident
    assert len(unanswered(Context(store), incident)) == 5
    return store


def incident_of(store) -> int:
    return store.find("x", "1").incident_id


def test_one_draft_per_language_and_register_with_how_many_posts_it_goes_to(mixed_outage):
    drafts = group_drafts(Context(mixed_outage), incident_of(mixed_outage), "^GB")
    parts = {(d.language, d.register): d for d in drafts}
    assert set(parts) == {("it", "informal"), ("en", "informal"), ("it", "formal")}
    assert [d.count for d in drafts] == [2, 2, 1]  # the largest part first
    tu, lei = parts["it", "informal"], parts["it", "formal"]
    assert detect_language(tu.text) == "it" and italian_register_markers(tu.text)[1] == []
    assert italian_register_markers(lei.text)[0] == []
    assert detect_language(parts["en", "informal"].text) == "en"
    assert parts["en", "informal"].channels == ("bluesky", "x") and parts["en", "informal"].limit == 280
    assert all(d.text.endswith("^GB") for d in drafts)
    assert all(measured_length(d.text, channel) <= limit for d in drafts for channel, limit in d.limits)
    assert "2 posts on mastodon, x" in tu.label() and "(tu)" in tu.label()


def test_nothing_is_sent_without_the_confirmation(mixed_outage):
    ctx = Context(mixed_outage)
    drafts = group_drafts(ctx, incident_of(mixed_outage), "^GB")
    with pytest.raises(GroupNotConfirmed, match="confirm to send to 5 posts"):
        send_group(ctx, "giulia", drafts, confirmed=False)
    assert mixed_outage.replies_for([m.id for m in mixed_outage.mentions()]) == {}


def test_confirmed_each_post_gets_its_languages_reply_through_the_single_reply_path(mixed_outage):
    ctx = Context(mixed_outage)  # no triage.toml: dry run, as for a single reply
    drafts = group_drafts(ctx, incident_of(mixed_outage), "^GB")
    workflow.claim(mixed_outage, mixed_outage.find("x", "5").id, "tom")  # tom holds the formal Italian post
    result = send_group(ctx, "giulia", drafts, confirmed=True)
    assert len(result.sent) == 4 and result.posted == 0
    assert [mixed_outage.get(mention_id).external_id for mention_id, _ in result.skipped] == ["5"]
    assert "tom" in result.skipped[0][1]
    by_part = {d.key: d for d in drafts}
    for external_id, part in (("1", "en-informal"), ("3", "it-informal"), ("4", "it-informal")):
        channel = {"4": "mastodon"}.get(external_id, "x")
        row = mixed_outage.find(channel, external_id)
        [reply] = mixed_outage.replies_for([row.id])[row.id]
        assert reply.text == by_part[part].text and not reply.posted and row.status == "replied"
        assert reply.suggestion_source == by_part[part].source
    assert "4 post(s) answered (0 posted, 4 recorded); 1 skipped" in result.summary()


def test_a_live_group_reply_posts_once_per_member(mixed_outage, fake_kind):  # noqa: F811
    feed = FakeFeed([])
    config = Config(path=None, dry_run=False, sources=(SourceConfig("feed", "fake", True,
                                                                    {"feed": feed, "channel": "x"}),))
    ctx = Context(mixed_outage, config, load_secrets("/nonexistent.toml", environ={"FAKE_TOKEN": "t"}))
    drafts = [d for d in group_drafts(ctx, incident_of(mixed_outage), "^GB") if d.key == "it-informal"]
    result = send_group(ctx, "giulia", drafts, confirmed=True)
    assert result.posted == 1 and len(feed.replies) == 1  # the X post went out; mastodon has no source: recorded
    assert len(result.sent) == 2


def test_an_edited_draft_over_the_strictest_limit_is_refused_before_anything_is_sent(mixed_outage):
    ctx = Context(mixed_outage)
    drafts = group_drafts(ctx, incident_of(mixed_outage), "^GB")
    long = [replace(d, text="Sorry. " * 50 + "^GB") if d.key == "en-informal" else d for d in drafts]
    with pytest.raises(ReplyTooLong, match="English draft is 353 characters on bluesky, which allows 300"):
        send_group(ctx, "giulia", long, confirmed=True)
    assert mixed_outage.replies_for([m.id for m in mixed_outage.mentions()]) == {}



def test_answering_the_group_replies_to_each_open_post(mixed_outage):
    ctx = Context(mixed_outage)
    drafts = group_drafts(ctx, incident_of(mixed_outage), "^GB")
    result = send_group(ctx, "giulia", drafts, confirmed=True)
    assert len(result.sent) == 5 and result.skipped == []
    assert {m.status for m in mixed_outage.mentions()} == {"replied"}


def test_a_group_reply_that_reaches_no_post_is_a_conflict_naming_why(mixed_outage):
    ctx = Context(mixed_outage)
    drafts = group_drafts(ctx, incident_of(mixed_outage), "^GB")
    for mention in mixed_outage.mentions():
        workflow.claim(mixed_outage, mention.id, "tom")
    with pytest.raises(WorkflowConflict, match="no post in this incident could be answered; .*tom"):
        send_group(ctx, "giulia", drafts, confirmed=True)
    assert {m.status for m in mixed_outage.mentions()} == {"in_progress"}
