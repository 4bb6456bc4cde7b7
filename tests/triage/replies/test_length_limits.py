"""Channel length limits: one table, used by the suggestions (they fit), the send path (it refuses) and the box."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_mention
from triage.config.settings import Config
from triage.context import Context
from triage.errors import ReplyTooLong
from triage.replies.drafts import DraftRequest, suggest
from triage.replies.limits import DEFAULT_LIMIT, LENGTH_LIMITS, check_length, counter, length_limit, over_limit
from triage.replies.sending import send_reply


def test_the_table_has_every_channel_the_issue_names():
    assert LENGTH_LIMITS == {"x": 280, "bluesky": 300, "mastodon": 500, "googleplay": 350, "appstore": 5970,
                             "reddit": 10000}
    assert length_limit("rss") == length_limit("file") == DEFAULT_LIMIT


def test_a_mastodon_instance_limit_wins_where_the_mention_carries_it():
    assert length_limit("mastodon", {"max_characters": 1000}) == 1000
    assert length_limit("mastodon", {"max_characters": "bad"}) == length_limit("mastodon", {}) == 500
    assert length_limit("x", {"max_characters": 1000}) == 280  # only Mastodon instances set their own


def test_the_counter_and_the_one_line_refusal():
    text = "a" * 416
    assert counter(text, "x") == "416 / 280"
    assert over_limit(text, "x") == "the reply is 416 characters and x allows 280; shorten it by 136"
    assert over_limit(text, "reddit") is None
    with pytest.raises(ReplyTooLong, match="^the reply is 416 characters and x allows 280; shorten it by 136$"):
        check_length(text, "x")


def test_the_send_path_refuses_an_over_limit_reply_even_in_dry_run(store):
    [mention_id] = store.upsert_mentions([make_mention("t1", "my broadband keeps dropping")]).inserted
    ctx = Context(store, Config(path=Path("triage.toml"), dry_run=True))
    with pytest.raises(ReplyTooLong, match="416 characters and x allows 280"):
        send_reply(ctx, mention_id, "giulia", "Sorry! " * 59 + "^GB")
    assert store.replies_for([mention_id]) == {} and store.get(mention_id).status == "new"
    assert send_reply(ctx, mention_id, "giulia", "Sorry! DM us. ^GB").message.startswith("Dry run")


def test_a_reply_on_a_small_mastodon_instance_is_held_to_its_limit(store):
    [mention_id] = store.upsert_mentions([make_mention("m1", "my broadband keeps dropping", channel="mastodon",
                                                       raw={"max_characters": 100})]).inserted
    with pytest.raises(ReplyTooLong, match="mastodon allows 100"):
        send_reply(Context(store), mention_id, "giulia", "Sorry about this. " * 7 + "^GB")


@pytest.mark.parametrize("limit", [120, 160, 500])
def test_suggestions_already_fit_a_limit_and_keep_the_signature(limit):
    post = ("Dear Lumora, I am writing because my broadband has dropped every evening this week. I would be "
            "grateful if you could explain what is happening. Kind regards")
    _, drafts = suggest(DraftRequest(post, "mastodon", "Margaret Holt", sentiment="negative", p_negative=0.6,
                                     signature="^GB", limit=limit))
    assert drafts and all(len(d.text) <= limit and d.text.endswith("^GB") for d in drafts)
    assert all(d.text.rstrip(" ^GB")[-1] in ".!?:" for d in drafts)  # whole sentences, never cut mid-way
