"""The X listener runs tweepy's real request code against recorded X API v2 answers."""

from __future__ import annotations

import json
import time

import pytest
import responses
from recorded import drain, payload, query
from responses import matchers

from listeners.base import ListenerError, MissingCredentials, PostingError, RateLimited, ReplyTarget, TransientError
from listeners.registry import create

SEARCH = "https://api.twitter.com/2/tweets/search/recent"
MENTIONS = "https://api.twitter.com/2/users/1500000000000000001/mentions"
TWEETS = "https://api.twitter.com/2/tweets"
READ = {"X_BEARER_TOKEN": "bearer-for-tests"}
WRITE = {
    "X_CONSUMER_KEY": "ck",
    "X_CONSUMER_SECRET": "cs",
    "X_ACCESS_TOKEN": "at",
    "X_ACCESS_TOKEN_SECRET": "ats",
}


def search_listener(**config):
    return create("x", "x-search", {"keywords": ["lumora"], "username": "lumora", **config}, READ)


def test_two_pages_are_read_and_the_cursor_moves_to_the_newest_tweet_only_at_the_end(http):
    http.get(SEARCH, json=payload("x", "search_page1"), match=[matchers.query_param_matcher({}, strict_match=False)])
    page2 = matchers.query_param_matcher({"next_token": "b26v89c19zqg8o3fo7gesq314yb9l2l4ptqy"}, strict_match=False)
    http.get(SEARCH, json=payload("x", "search_page2"), match=[page2])
    batches, cursor = drain(search_listener(), None)

    first = query(http.calls[0])
    assert first["query"] == "(lumora OR @lumora) -is:retweet"
    assert first["expansions"] == "author_id"
    assert set(first["user.fields"].split(",")) >= {"public_metrics", "verified", "username", "name"}
    assert set(first["tweet.fields"].split(",")) >= {"created_at", "lang", "conversation_id", "public_metrics"}
    assert "since_id" not in first and "next_token" not in first
    assert http.calls[0].request.headers["Authorization"] == "Bearer bearer-for-tests"

    assert [[m.external_id for m in b.mentions] for b in batches] == [
        ["1861200000000000004", "1861200000000000003"],
        ["1861200000000000002"],
    ]
    # half way, the cursor remembers where the walk is; at the end, only the newest id
    assert json.loads(batches[0].cursor) == {
        "search": {"until_id": "1861200000000000003", "newest_id": "1861200000000000004"}
    }
    assert json.loads(cursor) == {"search": {"since_id": "1861200000000000004"}}
    assert batches[1].skipped == ["x search: tweet 1861200000000000001: author 404404404 not in includes.users"]

    reply, post = batches[0].mentions
    assert reply.channel == "x" and reply.kind == "reply"
    assert reply.parent_id == "1861100000000000001"
    assert reply.url == "https://x.com/marta_rm/status/1861200000000000004"
    assert (reply.author.handle, reply.author.display_name, reply.author.followers) == ("marta_rm", "Marta R.", 312)
    assert reply.raw["conversation_id"] == "1861100000000000001"
    assert reply.created_at.isoformat() == "2026-11-20T10:42:11+00:00"
    assert post.kind == "post" and post.parent_id is None
    assert post.author.verified and post.author.followers == 120500
    assert post.raw["public_metrics"]["like_count"] == 41
    assert batches[1].mentions[0].language == "it"


def test_a_stored_cursor_asks_only_for_newer_tweets_and_an_empty_answer_keeps_it(http):
    http.get(SEARCH, json=payload("x", "empty"))
    cursor = json.dumps({"search": {"since_id": "1861200000000000004"}})
    batches, after = drain(search_listener(), cursor)
    assert query(http.calls[0])["since_id"] == "1861200000000000004"
    assert batches == [] and after == cursor


def test_a_walk_stopped_half_way_resumes_with_the_older_pages_only(http):
    http.get(SEARCH, json=payload("x", "search_page2"))
    walking = {"since_id": "1861100000000000000", "until_id": "1861200000000000003", "newest_id": "1861200000000000004"}
    cursor = json.dumps({"search": walking})
    batches, after = drain(search_listener(), cursor)
    sent = query(http.calls[0])
    assert (sent["since_id"], sent["until_id"]) == ("1861100000000000000", "1861200000000000003")
    assert [m.external_id for m in batches[0].mentions] == ["1861200000000000002"]
    assert json.loads(after) == {"search": {"since_id": "1861200000000000004"}}


def test_max_pages_stops_the_run_where_the_next_run_resumes(http):
    http.get(SEARCH, json=payload("x", "search_page1"))
    _, cursor = drain(search_listener(max_pages=1), None)
    assert json.loads(cursor)["search"]["until_id"] == "1861200000000000003"


def test_the_mentions_timeline_is_a_second_stream_with_its_own_cursor(http):
    http.get(MENTIONS, json=payload("x", "mentions_page"))
    listener = create("x", "x-brand", {"user_id": "1500000000000000001"}, READ)
    cursor = json.dumps({"mentions": {"since_id": "1861300000000000001"}})
    batches, after = drain(listener, cursor)
    assert query(http.calls[0])["since_id"] == "1861300000000000001"
    assert [m.external_id for m in batches[0].mentions] == ["1861300000000000007"]
    assert batches[0].mentions[0].raw["stream"] == "mentions"
    assert json.loads(after) == {"mentions": {"since_id": "1861300000000000007"}}


def test_a_429_says_how_long_until_the_reset(http):
    reset = int(time.time()) + 600
    http.get(SEARCH, status=429, json=payload("x", "too_many_requests"), headers={"x-rate-limit-reset": str(reset)})
    with pytest.raises(RateLimited) as caught:
        list(search_listener().fetch(None))
    assert caught.value.retry_after == pytest.approx(600, abs=5)


def test_a_5xx_is_transient(http):
    http.get(SEARCH, status=503, json=payload("x", "service_unavailable"))
    with pytest.raises(TransientError, match="503"):
        list(search_listener().fetch(None))


def test_a_rejected_token_says_which_variable_to_check(http):
    http.get(SEARCH, status=401, json=payload("x", "unauthorized"))
    with pytest.raises(ListenerError, match="check X_BEARER_TOKEN"):
        list(search_listener().fetch(None))


def test_a_missing_bearer_token_is_named():
    listener = create("x", "x-search", {"keywords": ["lumora"]}, {})
    with pytest.raises(MissingCredentials, match="set X_BEARER_TOKEN"):
        list(listener.fetch(None))


def target(external_id: str = "1861200000000000004") -> ReplyTarget:
    return ReplyTarget("x", external_id, "marta_rm", None, f"https://x.com/marta_rm/status/{external_id}", {})


def test_a_reply_is_posted_in_reply_to_the_tweet_with_user_context(http):
    http.post(TWEETS, status=201, json=payload("x", "create_tweet"))
    listener = create("x", "x-search", {"keywords": ["lumora"]}, {**READ, **WRITE})
    reply_id = listener.post_reply(target(), "Sorry about the wait, Marta. We've sent you a DM to sort it out.")
    assert reply_id == "1861400000000000009"
    sent = http.calls[0].request
    assert json.loads(sent.body) == {
        "text": "Sorry about the wait, Marta. We've sent you a DM to sort it out.",
        "reply": {"in_reply_to_tweet_id": "1861200000000000004"},
    }
    assert sent.headers["Authorization"].startswith("OAuth ")
    assert 'oauth_consumer_key="ck"' in sent.headers["Authorization"]


def test_a_refused_reply_carries_the_platforms_words(http):
    http.post(TWEETS, status=403, json=payload("x", "forbidden_duplicate"))
    listener = create("x", "x-search", {"keywords": ["lumora"]}, {**READ, **WRITE})
    with pytest.raises(PostingError, match="duplicate content"):
        listener.post_reply(target(), "same again")


def test_replying_without_user_credentials_names_the_missing_one():
    listener = create("x", "x-search", {"keywords": ["lumora"]}, {**READ, **{**WRITE, "X_ACCESS_TOKEN_SECRET": ""}})
    with pytest.raises(MissingCredentials, match="set X_ACCESS_TOKEN_SECRET"):
        listener.post_reply(target(), "hello")


def test_a_source_with_nothing_to_read_says_what_to_set():
    with pytest.raises(ListenerError, match="set 'query' or 'keywords', or 'user_id'"):
        list(create("x", "x-empty", {}, READ).fetch(None))


def test_no_request_reaches_the_network():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(TransientError):
            list(search_listener().fetch(None))
        assert isinstance(mock.calls[0].response, Exception)


def test_a_since_id_older_than_the_search_window_restarts_from_what_x_still_keeps(http):
    stale = matchers.query_param_matcher({"since_id": "1850000000000000000"}, strict_match=False)
    http.get(SEARCH, status=400, json=payload("x", "stale_since_id"), match=[stale])
    http.get(SEARCH, json=payload("x", "search_page2"))
    batches, cursor = drain(search_listener(), json.dumps({"search": {"since_id": "1850000000000000000"}}))
    assert "since_id" not in query(http.calls[1])
    assert [m.external_id for m in batches[0].mentions] == ["1861200000000000002"]
    assert json.loads(cursor) == {"search": {"since_id": "1861200000000000002"}}


def test_the_bearer_token_never_reaches_the_log(http, caplog):
    http.get(SEARCH, json=payload("x", "empty"))
    with caplog.at_level("DEBUG"):
        list(search_listener().fetch(None))
    assert "bearer-for-tests" not in caplog.text
