"""The App Store listener reads Apple's customer-reviews JSON feed, page by page, per storefront."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from listeners.base import ListenerError, RateLimited, TransientError
from listeners.registry import create

PAYLOADS = Path(__file__).parent / "payloads" / "appstore"
APP = "1500000001"


def feed_url(country: str, page: int) -> str:
    return f"https://itunes.apple.com/{country}/rss/customerreviews/page={page}/id={APP}/sortby=mostrecent/json"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


@pytest.fixture
def itunes():
    """Only the recorded feed pages answer; any other URL fails the test."""
    with respx.mock(assert_all_called=False) as mock:
        mock.get(feed_url("us", 1)).respond(json=payload("us_page1.json"))
        mock.get(feed_url("us", 2)).respond(json=payload("us_page2.json"))
        mock.get(feed_url("us", 3)).respond(json=payload("us_page3_empty.json"))
        mock.get(feed_url("it", 1)).respond(json=payload("it_page1_empty.json"))
        yield mock


def listener(countries=("us",), **config):
    return create("appstore", "ios", {"app_id": APP, "countries": list(countries), "app": "Lumora", **config})


def test_reads_pages_until_an_empty_one_keeping_rating_and_version(itunes):
    batches = list(listener(countries=("us", "it")).fetch(None))

    reviews = [m for b in batches for m in b.mentions]
    assert [m.external_id for m in reviews] == ["12044519873", "12044402216", "12043970542"]
    first = reviews[0]
    assert (first.channel, first.kind, first.rating, first.app_version) == ("appstore", "review", 1, "7.4.1")
    assert first.text == ("App logs me out every day\n"
                          "Since the last update I have to log in again every single morning. Fix this Lumora.")
    assert first.author.handle == "dana_k_ohio"
    assert first.created_at.isoformat() == "2026-11-20T10:48:10+00:00"
    assert first.url == f"https://itunes.apple.com/us/review?id={APP}&type=Purple%20Software"
    assert first.raw["country"] == "us" and first.raw["app"] == "Lumora"
    # page 2 holds a single review as an object, not a list
    assert reviews[2].rating == 3 and reviews[2].app_version == "7.4.0"
    assert [str(c.request.url) for c in itunes.calls] == [
        feed_url("us", 1), feed_url("us", 2), feed_url("us", 3), feed_url("it", 1)]


def test_a_malformed_review_is_skipped_and_named_and_the_rest_kept(itunes):
    batches = list(listener().fetch(None))

    assert batches[0].skipped == ["us page 1 entry 3 (review 12044388001): missing im:rating"]
    assert len(batches[0].mentions) == 2


def test_the_cursor_moves_only_with_the_last_batch_of_a_storefront(itunes):
    batches = list(listener(countries=("us", "it")).fetch(None))

    assert [b.cursor for b in batches[:-2]] == [None] * (len(batches) - 2)
    newest_us = {"us": {"id": "12044519873", "updated": "2026-11-20T03:48:10-07:00"}}
    assert json.loads(batches[-2].cursor) == newest_us
    # the empty Italian storefront adds nothing and keeps the US position
    assert batches[-1].mentions == [] and json.loads(batches[-1].cursor) == newest_us


def test_a_cursor_from_an_earlier_run_limits_the_fetch_to_newer_reviews(itunes):
    earlier = json.dumps({"us": {"id": "12044402216", "updated": "2026-11-20T01:02:44-07:00"}})

    batches = list(listener().fetch(earlier))

    assert [m.external_id for b in batches for m in b.mentions] == ["12044519873"]
    assert len(itunes.calls) == 1  # the known review is on page 1: no further pages
    assert json.loads(batches[-1].cursor)["us"]["id"] == "12044519873"


def test_nothing_new_keeps_the_cursor():
    earlier = json.dumps({"us": {"id": "12044519873", "updated": "2026-11-20T03:48:10-07:00"}})
    with respx.mock() as mock:
        mock.get(feed_url("us", 1)).respond(json=payload("us_page1.json"))
        batches = list(listener().fetch(earlier))
    assert [(b.mentions, json.loads(b.cursor)) for b in batches] == [([], json.loads(earlier))]


def test_429_waits_as_long_as_apple_says():
    with respx.mock() as mock:
        mock.get(feed_url("us", 1)).respond(429, headers={"Retry-After": "45"})
        with pytest.raises(RateLimited) as caught:
            list(listener().fetch(None))
    assert caught.value.retry_after == 45


def test_outages_are_transient_and_a_bad_app_id_says_what_to_fix():
    with respx.mock() as mock:
        route = mock.get(feed_url("us", 1))
        route.respond(503)
        with pytest.raises(TransientError):
            list(listener().fetch(None))
        route.side_effect = httpx.ConnectTimeout("timed out")
        with pytest.raises(TransientError):
            list(listener().fetch(None))
        route.side_effect = None
        route.respond(400)
        with pytest.raises(ListenerError, match="check app_id"):
            list(listener().fetch(None))
    with pytest.raises(ListenerError, match="set app_id"):
        list(create("appstore", "ios", {"app_id": "com.lumora.app"}).fetch(None))
