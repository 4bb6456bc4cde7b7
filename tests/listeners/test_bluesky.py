"""The Bluesky listener runs the real ``atproto`` client against recorded XRPC answers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import respx

from listeners.base import ListenerError, MissingCredentials, RateLimited, ReplyTarget, TransientError
from listeners.registry import create

PAYLOADS = Path(__file__).parent / "payloads" / "bluesky"
XRPC = "https://bsky.social/xrpc"
SECRETS = {"BLUESKY_HANDLE": "lumorahelp.bsky.social", "BLUESKY_APP_PASSWORD": "k3vq-7xzp-m2nd-4wtr"}
GIULIA = "at://did:plc:giuliaferri7x2k/app.bsky.feed.post/3lbq4zx7kss2a"
SAM = "at://did:plc:samokafor3mtn/app.bsky.feed.post/3lbq4tq5cnc2e"
BROKEN = "at://did:plc:brokenclient9q/app.bsky.feed.post/3lbq4xq2lbk2d"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


class SearchPages:
    """Answers searchPosts by its ``cursor`` parameter, like the AppView does; records the queries."""

    def __init__(self, pages: dict[str | None, httpx.Response]) -> None:
        self.pages = pages
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.queries.append(params)
        return self.pages[params.get("cursor")]


@pytest.fixture
def xrpc():
    """Only the recorded endpoints answer; any other URL fails the test."""
    with respx.mock(base_url=XRPC, assert_all_called=False) as mock:
        mock.post("/com.atproto.server.createSession").respond(json=payload("create_session.json"))
        yield mock


def listener(**config):
    return create("bluesky", "bsky", {"keywords": ["Lumora"], "limit": 3, **config}, SECRETS)


def test_pages_back_until_the_api_has_no_more_and_skips_a_broken_record(xrpc):
    pages = SearchPages({None: httpx.Response(200, json=payload("search_page1.json")),
                         "75": httpx.Response(200, json=payload("search_page2.json"))})
    xrpc.get("/app.bsky.feed.searchPosts").mock(side_effect=pages)

    batches = list(listener().fetch(None))

    assert [q.get("cursor") for q in pages.queries] == [None, "75"]
    assert pages.queries[0] == {"q": "Lumora", "sort": "latest", "limit": "3"}
    ids = [m.external_id for b in batches for m in b.mentions]
    assert ids == [GIULIA, SAM, "at://did:plc:annabianchi5rt/app.bsky.feed.post/3lbq3kdxw7s2f",
                   "at://did:plc:marcorossi2pk/app.bsky.feed.post/3lbq2c7hyfk2g"]
    assert batches[0].skipped == [f"{BROKEN}: not a readable app.bsky.feed.post record (missing text or createdAt)"]
    # the first page's batch keeps the old cursor; only the last one records the newest post
    assert batches[0].cursor is None
    assert json.loads(batches[-1].cursor) == {"Lumora": {"indexed_at": "2026-11-20T11:41:04.102Z", "uri": GIULIA}}

    giulia = batches[0].mentions[0]
    assert giulia.channel == "bluesky" and giulia.kind == "reply" and giulia.language == "it"
    assert giulia.url == "https://bsky.app/profile/giuliaferri.bsky.social/post/3lbq4zx7kss2a"
    assert giulia.author.handle == "giuliaferri.bsky.social" and giulia.author.display_name == "Giulia Ferri"
    assert giulia.created_at.isoformat() == "2026-11-20T11:41:03.512000+00:00"
    assert giulia.parent_id == "at://did:plc:lumorahelp4k2x7q3mzv5n/app.bsky.feed.post/3lbq4v2mfks2b"
    assert giulia.raw["reply"]["root"]["uri"] == "at://did:plc:giuliaferri7x2k/app.bsky.feed.post/3lbq4rjz2cs2c"
    sam = batches[0].mentions[1]
    assert (sam.kind, sam.parent_id, sam.author.followers) == ("post", None, 1840)


def test_a_cursor_from_an_earlier_run_stops_at_the_posts_already_seen(xrpc):
    pages = SearchPages({None: httpx.Response(200, json=payload("search_page1.json"))})
    xrpc.get("/app.bsky.feed.searchPosts").mock(side_effect=pages)
    earlier = json.dumps({"Lumora": {"indexed_at": "2026-11-20T11:12:41.317Z", "uri": SAM}})

    batches = list(listener().fetch(earlier))

    assert len(pages.queries) == 1  # Sam's post is on page 1: no need to page further back
    assert [m.external_id for b in batches for m in b.mentions] == [GIULIA]
    assert json.loads(batches[-1].cursor)["Lumora"]["uri"] == GIULIA


def test_an_empty_search_keeps_the_cursor(xrpc):
    xrpc.get("/app.bsky.feed.searchPosts").respond(json=payload("search_empty.json"))
    earlier = json.dumps({"Lumora": {"indexed_at": "2026-11-20T11:12:41.317Z", "uri": SAM}})

    batches = list(listener().fetch(earlier))

    assert [(b.mentions, b.cursor) for b in batches] == [([], earlier)]


def test_429_says_how_long_until_the_window_resets(xrpc):
    reset = int(time.time()) + 120
    xrpc.get("/app.bsky.feed.searchPosts").respond(
        429, json=payload("rate_limited.json"),
        headers={"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
    )

    with pytest.raises(RateLimited) as caught:
        list(listener().fetch(None))

    assert 110 <= caught.value.retry_after <= 120


def test_server_errors_and_network_failures_are_transient(xrpc):
    route = xrpc.get("/app.bsky.feed.searchPosts")
    route.respond(503, json={"error": "InternalServerError", "message": "Internal Server Error"})
    with pytest.raises(TransientError):
        list(listener().fetch(None))
    route.side_effect = httpx.ConnectError("connection refused")
    with pytest.raises(TransientError):
        list(listener().fetch(None))


def test_missing_credentials_name_the_variable_before_any_request(xrpc):
    lone = create("bluesky", "bsky", {"keywords": ["Lumora"]}, {"BLUESKY_HANDLE": "lumorahelp.bsky.social"})
    with pytest.raises(MissingCredentials, match="set BLUESKY_APP_PASSWORD"):
        list(lone.fetch(None))
    assert not xrpc.calls


def test_a_refused_login_says_what_to_do_without_echoing_the_password():
    with respx.mock(base_url=XRPC) as mock:
        mock.post("/com.atproto.server.createSession").respond(401, json=payload("auth_failed.json"))
        with pytest.raises(ListenerError, match="app password") as caught:
            list(listener().fetch(None))
    assert SECRETS["BLUESKY_APP_PASSWORD"] not in str(caught.value)


def fetched(xrpc) -> dict:
    xrpc.get("/app.bsky.feed.searchPosts").respond(json=payload("search_page1.json") | {"cursor": None})
    return {m.external_id: m for b in listener().fetch(None) for m in b.mentions}


def target_for(mention) -> ReplyTarget:
    return ReplyTarget(mention.channel, mention.external_id, mention.author.handle, mention.parent_id,
                       mention.url, mention.raw)


def test_replying_to_a_reply_keeps_the_thread_root_and_answers_the_post(xrpc):
    giulia = fetched(xrpc)[GIULIA]
    created = xrpc.post("/com.atproto.repo.createRecord").respond(json=payload("create_record.json"))

    reply_id = listener().post_reply(target_for(giulia), "Ciao Giulia, ci scusiamo: scrivici in DM il codice cliente")

    assert reply_id == "at://did:plc:lumorahelp4k2x7q3mzv5n/app.bsky.feed.post/3lbq52hvb7k2h"
    body = json.loads(created.calls.last.request.content)
    assert body["repo"] == "lumorahelp.bsky.social" and body["collection"] == "app.bsky.feed.post"
    record = body["record"]
    assert record["text"].startswith("Ciao Giulia") and record["langs"] == ["it"]
    assert record["reply"]["root"] == {
        "$type": "com.atproto.repo.strongRef",
        "uri": "at://did:plc:giuliaferri7x2k/app.bsky.feed.post/3lbq4rjz2cs2c",
        "cid": "bafyreifx6sqjq3wlzkz3h5dcvqeb3dmp5x6t5u2z4k7mfz6x2qx3vqw4ma",
    }
    assert record["reply"]["parent"] == {
        "$type": "com.atproto.repo.strongRef",
        "uri": GIULIA, "cid": "bafyreihq3ylq2v6zsk7b3qqgkmq4ndm4kfz3aqwd6fcqx5h5t7qjv2m6ue",
    }
    assert created.calls.last.request.headers["authorization"].startswith("Bearer eyJ")


def test_replying_to_a_top_level_post_uses_it_as_root_and_parent(xrpc):
    sam = fetched(xrpc)[SAM]
    created = xrpc.post("/com.atproto.repo.createRecord").respond(json=payload("create_record.json"))

    listener().post_reply(target_for(sam), "Thanks Sam!")

    reply = json.loads(created.calls.last.request.content)["record"]["reply"]
    strong_ref = {"$type": "com.atproto.repo.strongRef", "uri": SAM, "cid": sam.raw["cid"]}
    assert reply["root"] == reply["parent"] == strong_ref


def test_later_runs_reuse_the_session_instead_of_logging_in_again(xrpc):
    xrpc.get("/app.bsky.feed.searchPosts").respond(json=payload("search_empty.json"))
    source = listener()

    list(source.fetch(None))
    list(source.fetch(None))

    paths = [c.request.url.path for c in xrpc.calls]
    assert paths.count("/xrpc/com.atproto.server.createSession") == 1
