"""The Reddit listener runs praw's real request code against recorded Reddit API listings."""

from __future__ import annotations

import json
import time

import pytest
from recorded import drain, form, payload, query
from responses import matchers

from listeners.base import ListenerError, MissingCredentials, PostingError, RateLimited, ReplyTarget, TransientError
from listeners.registry import create

TOKEN = "https://www.reddit.com/api/v1/access_token"
SEARCH = "https://oauth.reddit.com/r/BuyItForLife+Appliances/search/"
COMMENTS = "https://oauth.reddit.com/r/BuyItForLife+Appliances/comments/"
MENTIONS = "https://oauth.reddit.com/message/mentions"
REPLY = "https://oauth.reddit.com/api/comment/"
SECRETS = {
    "REDDIT_CLIENT_ID": "p-jcoLKBynTLew",
    "REDDIT_CLIENT_SECRET": "gko_LXELoV07ZBNUXrvWZfzE3aI",
    "REDDIT_USERNAME": "LumoraSupport",
    "REDDIT_PASSWORD": "correct horse battery staple",
}
# the rate-limit headers Reddit sends with every answer (plenty left: praw does not pause)
HEADERS = {"x-ratelimit-remaining": "995.0", "x-ratelimit-used": "5", "x-ratelimit-reset": "420"}
OLD = {"created_utc": 1795670000.0, "name": "t3_1h2t0aa"}


def listener(streams=("search",), **config):
    config = {"subreddits": ["BuyItForLife", "Appliances"], "keywords": ["Lumora"], "page_size": 2, **config}
    return create("reddit", "reddit-lumora", {**config, "streams": list(streams)}, SECRETS)


@pytest.fixture
def reddit(http):
    """Recorded Reddit with the script app's password-grant login answered."""
    http.post(TOKEN, json=payload("reddit", "access_token"))
    return http


def test_search_reads_newest_first_page_by_page_until_the_stored_cursor(reddit):
    reddit.get(SEARCH, json=payload("reddit", "search_page1"), headers=HEADERS,
               match=[matchers.query_param_matcher({"q": "Lumora", "sort": "new", "limit": "2"}, strict_match=False)])
    reddit.get(SEARCH, json=payload("reddit", "search_page2"), headers=HEADERS,
               match=[matchers.query_param_matcher({"after": "t3_1h2wq3a"}, strict_match=False)])
    batches, cursor = drain(listener(), json.dumps({"search": OLD}))

    login = form(reddit.calls[0])
    assert (login["grant_type"], login["username"]) == ("password", "LumoraSupport")
    assert query(reddit.calls[1])["restrict_sr"] == "True"
    assert [[m.external_id for m in b.mentions] for b in batches] == [["t3_1h2xk9p", "t3_1h2wq3a"], ["t3_1h2v7mm"]]
    # the first batch keeps the old cursor: only the end of the walk advances it
    assert json.loads(batches[0].cursor) == {"search": OLD}
    assert json.loads(cursor) == {"search": {"created_utc": 1795683600.0, "name": "t3_1h2xk9p"}}
    assert batches[1].skipped == ["reddit search: t3_1h2v1zz: no author (deleted)"]

    kettle = batches[0].mentions[0]
    title, body = "Lumora kettle died after 13 months", "Warranty is 12. Support says tough luck. Is that normal?"
    assert kettle.text == f"{title}\n\n{body}"
    assert kettle.author.handle == "kettle_woes" and kettle.kind == "post" and kettle.parent_id is None
    assert kettle.url == "https://www.reddit.com/r/BuyItForLife/comments/1h2xk9p/lumora_kettle_died_after_13_mo/"
    assert kettle.created_at.isoformat() == "2026-11-26T09:00:00+00:00"
    assert kettle.raw["subreddit"] == "BuyItForLife" and kettle.raw["num_comments"] == 14
    assert batches[0].mentions[1].raw["subreddit"] == "Appliances"


def test_a_first_run_reads_one_page_and_an_unchanged_listing_reads_nothing_new(reddit):
    reddit.get(SEARCH, json=payload("reddit", "search_page1"), headers=HEADERS)
    batches, cursor = drain(listener(), None)
    assert len(reddit.calls) == 2  # the login and one page, although the listing has more
    assert [m.external_id for m in batches[0].mentions] == ["t3_1h2xk9p", "t3_1h2wq3a"]

    batches, again = drain(listener(), cursor)  # the newest item is the cursor: stop there
    assert batches == [] and again == cursor


def test_an_empty_listing_keeps_the_cursor(reddit):
    reddit.get(MENTIONS, json=payload("reddit", "empty"), headers=HEADERS)
    cursor = json.dumps({"mentions": OLD})
    assert drain(listener(streams=["mentions"]), cursor) == ([], cursor)


def test_new_comments_are_kept_only_when_they_name_the_brand_but_the_cursor_passes_them_all(reddit):
    reddit.get(COMMENTS, json=payload("reddit", "comments_page"), headers=HEADERS)
    batches, cursor = drain(listener(streams=["comments"]), None)
    (comment,) = batches[0].mentions
    assert comment.external_id == "t1_m1x9k2q" and comment.kind == "reply"
    assert comment.parent_id == "t3_1h2abcd" and comment.raw["link_id"] == "t3_1h2abcd"
    assert json.loads(cursor) == {"comments": {"created_utc": 1795684000.0, "name": "t1_m1x9k2q"}}


def test_username_mentions_come_from_the_inbox(reddit):
    reddit.get(MENTIONS, json=payload("reddit", "inbox_mentions"), headers=HEADERS)
    batches, cursor = drain(listener(streams=["mentions"], subreddits=[]), None)
    (mention,) = batches[0].mentions
    assert mention.external_id == "t1_m1y0c3d" and mention.parent_id == "t3_1h2xk9p"
    assert mention.text == "u/LumoraSupport can you look at this? Order #A-88213."
    assert mention.url.startswith("https://www.reddit.com/r/BuyItForLife/comments/1h2xk9p/")
    assert json.loads(cursor)["mentions"]["name"] == "t1_m1y0c3d"


def test_a_429_waits_for_the_reset_reddit_announces(reddit):
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "1000", "x-ratelimit-reset": "217"}
    reddit.get(SEARCH, status=429, json=payload("reddit", "too_many_requests"), headers=limited)
    with pytest.raises(RateLimited) as caught:
        list(listener().fetch(None))
    assert caught.value.retry_after == 217


def test_a_5xx_is_transient_after_prawcores_own_two_retries(reddit, monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)
    reddit.get(SEARCH, status=503, body="<html>all our servers are busy</html>")
    with pytest.raises(TransientError, match="503"):
        list(listener().fetch(None))
    assert [c.response.status_code for c in reddit.calls[1:]] == [503, 503, 503]
    assert len(pauses) == 2


def test_a_refused_login_says_what_to_check(http):
    http.post(TOKEN, json=payload("reddit", "invalid_grant"))
    with pytest.raises(ListenerError, match="invalid_grant.*check REDDIT_USERNAME and REDDIT_PASSWORD"):
        list(listener().fetch(None))


def test_a_missing_credential_is_named():
    secrets = {**SECRETS, "REDDIT_PASSWORD": ""}
    with pytest.raises(MissingCredentials, match="set REDDIT_PASSWORD"):
        list(create("reddit", "reddit-lumora", {"subreddits": ["x"]}, secrets).fetch(None))


def target(fullname: str) -> ReplyTarget:
    return ReplyTarget("reddit", fullname, "kettle_woes", None, "", {"fullname": fullname})


def test_a_reply_is_posted_on_the_comment_and_returns_the_new_comment(reddit):
    reddit.post(REPLY, json=payload("reddit", "comment_reply"), headers=HEADERS)
    text = "Sorry about the kettle! We've sent you a chat message to arrange a replacement."
    new_id = listener().post_reply(target("t1_m1y0c3d"), text)
    assert new_id == "t1_m1y2zz7"
    sent = form(reddit.calls[1])
    assert (sent["thing_id"], sent["text"], sent["api_type"]) == ("t1_m1y0c3d", text, "json")


def test_a_reply_to_a_submission_uses_its_t3_fullname(reddit):
    reddit.post(REPLY, json=payload("reddit", "comment_reply"), headers=HEADERS)
    listener().post_reply(target("t3_1h2xk9p"), "Thanks for flagging this.")
    assert form(reddit.calls[1])["thing_id"] == "t3_1h2xk9p"


def test_a_refused_reply_carries_reddits_words(reddit):
    reddit.post(REPLY, json=payload("reddit", "ratelimit_reply"), headers=HEADERS)
    with pytest.raises(PostingError, match="RATELIMIT: Looks like you've been doing that a lot"):
        listener().post_reply(target("t1_m1y0c3d"), "hello again")
