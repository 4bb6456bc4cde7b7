"""Every listener's HTTP is bounded: an answer over the size limit is refused in one line, a timeout is transient.

The answers are recorded (``responses`` for the requests-based SDKs, ``respx`` for httpx);
the oversized ones come both with a ``Content-Length`` (refused before the body is read) and
without one (cut off once past the limit).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import requests
import responses
import respx
from recorded import payload

from listeners.base import ResponseTooLarge, TransientError
from listeners.limits import MAX_RESPONSE_BYTES
from listeners.registry import create

OVERSIZED = b'{"data": "' + b"x" * (MAX_RESPONSE_BYTES + 1) + b'"}'
SIZED = {"Content-Length": str(len(OVERSIZED)), "Content-Type": "application/json"}


def assert_refused_in_one_line(caught: pytest.ExceptionInfo, source: str) -> None:
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and len(message) < 300
    assert message.startswith(f"source '{source}'") and "over the 5 MB limit; refused unread" in message


@pytest.fixture
def recorded():
    """Recorded answers for requests-based SDKs; a request with no recording fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# ---- X (tweepy) ---------------------------------------------------------------------------
X_SEARCH = "https://api.twitter.com/2/tweets/search/recent"


def x_listener():
    return create("x", "x-search", {"keywords": ["lumora"]}, {"X_BEARER_TOKEN": "bearer-for-tests"})


@pytest.mark.parametrize("headers", [SIZED, {}], ids=["declared", "streamed"])
def test_x_refuses_an_oversized_answer(recorded, headers):
    recorded.get(X_SEARCH, body=OVERSIZED, headers=headers)
    with pytest.raises(ResponseTooLarge) as caught:
        list(x_listener().fetch(None))
    assert_refused_in_one_line(caught, "x-search")


def test_x_times_out_as_a_transient_error(recorded):
    recorded.get(X_SEARCH, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(TransientError, match="did not answer in time"):
        list(x_listener().fetch(None))


# ---- Reddit (praw) ------------------------------------------------------------------------
REDDIT_TOKEN = "https://www.reddit.com/api/v1/access_token"
REDDIT_SEARCH = "https://oauth.reddit.com/r/Appliances/search/"
REDDIT_SECRETS = {"REDDIT_CLIENT_ID": "id", "REDDIT_CLIENT_SECRET": "secret", "REDDIT_USERNAME": "LumoraSupport",
                  "REDDIT_PASSWORD": "pw"}


def reddit_listener():
    return create("reddit", "reddit-lumora", {"subreddits": ["Appliances"], "keywords": ["Lumora"],
                                              "streams": ["search"]}, REDDIT_SECRETS)


@pytest.mark.parametrize("headers", [SIZED, {}], ids=["declared", "streamed"])
def test_reddit_refuses_an_oversized_answer(recorded, headers):
    recorded.post(REDDIT_TOKEN, json=payload("reddit", "access_token"))
    recorded.get(REDDIT_SEARCH, body=OVERSIZED, headers=headers)
    with pytest.raises(ResponseTooLarge) as caught:
        list(reddit_listener().fetch(None))
    assert_refused_in_one_line(caught, "reddit-lumora")


def test_reddit_times_out_as_a_transient_error(recorded, monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)  # prawcore's own retries
    recorded.post(REDDIT_TOKEN, json=payload("reddit", "access_token"))
    recorded.get(REDDIT_SEARCH, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(TransientError, match="could not be reached"):
        list(reddit_listener().fetch(None))


# ---- Mastodon (Mastodon.py) ---------------------------------------------------------------
MASTODON = "https://mastodon.example"
MASTODON_TAG = f"{MASTODON}/api/v1/timelines/tag/lumora"


def mastodon_listener():
    return create("mastodon", "mastodon-lumora", {"api_base_url": MASTODON, "hashtags": ["#lumora"],
                                                  "streams": ["hashtags"]},
                  {"MASTODON_ACCESS_TOKEN": "token"})


@pytest.mark.parametrize("headers", [SIZED, {}], ids=["declared", "streamed"])
def test_mastodon_refuses_an_oversized_answer(recorded, headers):
    recorded.get(f"{MASTODON}/api/v2/instance/", json=payload("mastodon", "instance"))
    recorded.get(MASTODON_TAG, body=OVERSIZED, headers=headers)
    with pytest.raises(ResponseTooLarge) as caught:
        list(mastodon_listener().fetch(None))
    assert_refused_in_one_line(caught, "mastodon-lumora")


def test_mastodon_times_out_as_a_transient_error(recorded):
    recorded.get(f"{MASTODON}/api/v2/instance/", json=payload("mastodon", "instance"))
    recorded.get(MASTODON_TAG, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(TransientError):
        list(mastodon_listener().fetch(None))


def test_the_requests_based_sdks_get_a_timeout_on_every_request(recorded):
    recorded.get(X_SEARCH, json={"data": [], "meta": {"result_count": 0}})
    list(x_listener().fetch(None))
    assert recorded.calls[0].request.req_kwargs["timeout"] == 30.0


# ---- Bluesky (atproto over httpx) ---------------------------------------------------------
XRPC = "https://bsky.social/xrpc"
BLUESKY_SESSION = json.loads((Path(__file__).parent / "payloads" / "bluesky" / "create_session.json").read_text())


def bluesky_listener():
    return create("bluesky", "bsky", {"keywords": ["Lumora"]},
                  {"BLUESKY_HANDLE": "lumorahelp.bsky.social", "BLUESKY_APP_PASSWORD": "app-password"})


@pytest.fixture
def xrpc():
    with respx.mock(base_url=XRPC, assert_all_called=False) as mock:
        mock.post("/com.atproto.server.createSession").respond(json=BLUESKY_SESSION)
        yield mock


def chunked(body: bytes) -> httpx.Response:
    """An answer without ``Content-Length``, sent in 64 KB chunks."""
    return httpx.Response(200, stream=httpx.ByteStream(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("sized", [True, False], ids=["declared", "streamed"])
def test_bluesky_refuses_an_oversized_answer(xrpc, sized):
    answer = httpx.Response(200, content=OVERSIZED) if sized else chunked(OVERSIZED)
    xrpc.get("/app.bsky.feed.searchPosts").mock(return_value=answer)
    with pytest.raises(ResponseTooLarge) as caught:
        list(bluesky_listener().fetch(None))
    assert_refused_in_one_line(caught, "bsky")


def test_bluesky_times_out_as_a_transient_error(xrpc):
    xrpc.get("/app.bsky.feed.searchPosts").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(TransientError):
        list(bluesky_listener().fetch(None))


# ---- App Store and RSS (listeners.webget over httpx) ---------------------------------------
APPSTORE = "https://itunes.apple.com/us/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json"
FEED = "https://www.telcoreport.example/feed/"


def appstore_listener():
    return create("appstore", "ios", {"app_id": "1234567890", "max_pages": 1})


def rss_listener():
    return create("rss", "news", {"feeds": [FEED], "keywords": ["Lumora"]})


@pytest.mark.parametrize("sized", [True, False], ids=["declared", "streamed"])
@pytest.mark.parametrize(("make", "url", "source"),
                         [(appstore_listener, APPSTORE, "ios"), (rss_listener, FEED, "news")], ids=["appstore", "rss"])
def test_webget_refuses_an_oversized_answer(respx_mock, make, url, source, sized):
    respx_mock.get(url).mock(return_value=httpx.Response(200, content=OVERSIZED) if sized else chunked(OVERSIZED))
    with pytest.raises(ResponseTooLarge) as caught:
        list(make().fetch(None))
    assert_refused_in_one_line(caught, source)


@pytest.mark.parametrize(("make", "url"), [(appstore_listener, APPSTORE), (rss_listener, FEED)],
                         ids=["appstore", "rss"])
def test_webget_times_out_as_a_transient_error(respx_mock, make, url):
    respx_mock.get(url).mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(TransientError, match="did not answer in time"):
        list(make().fetch(None))


def test_webget_sets_the_timeout_on_its_client():
    from listeners.webget import new_client

    with new_client() as client:
        assert client.timeout == httpx.Timeout(30.0)


def test_bluesky_and_reddit_clients_use_the_same_timeout():
    from listeners.bluesky import bounded_request

    assert bounded_request()._client.timeout == httpx.Timeout(30.0)
    assert reddit_listener().client().config.timeout == 30
