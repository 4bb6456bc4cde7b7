"""The RSS/Atom listener fetches each feed conditionally and keeps entries that name the brand."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from listeners.base import ListenerError, RateLimited, TransientError
from listeners.registry import create
from listeners.rss import keyword_pattern, plain_text

PAYLOADS = Path(__file__).parent / "payloads" / "rss"
NEWS = "https://www.telcoreport.example/feed/"
BLOG = "https://blog.tecnoquotidiana.example/atom.xml"
QUIET = "https://quiet.example/rss"
MOVED = "https://old-blog.example/feed"
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=UTF-8"}


def feed(name: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=(PAYLOADS / name).read_bytes(), headers={**RSS_TYPE, **headers})


def listener(*feeds: str, keywords=("Lumora",)):
    return create("rss", "news", {"feeds": list(feeds), "keywords": list(keywords)})


def test_keeps_entries_naming_the_brand_as_plain_text(respx_mock):
    respx_mock.get(NEWS).mock(return_value=feed("telcoreport.xml", ETag='"v1"'))
    blog_headers = {"Last-Modified": "Fri, 20 Nov 2026 08:15:00 GMT"}
    respx_mock.get(BLOG).mock(return_value=feed("techblog.atom", **blog_headers))

    batches = list(listener(NEWS, BLOG).fetch(None))

    news, blog = batches
    assert [m.url for m in news.mentions] == [
        "https://www.telcoreport.example/2026/11/lumora-outage-lombardy/",
        "https://www.telcoreport.example/2026/11/price-rises-2027/",
    ]  # "Lumoravision" is another word; the spectrum story does not name the brand
    outage, prices = news.mentions
    assert outage.external_id == "https://www.telcoreport.example/?p=48213"
    assert outage.text == ("Lumora outage hits fibre customers in Lombardy\n"
                           "Thousands of households lost their connection on Friday morning.\n"
                           "The operator said engineers were & are working on it.")
    assert (outage.channel, outage.kind, outage.language) == ("rss", "post", "en")
    assert outage.author.handle == "Chiara Monti" and outage.author.display_name == "TelcoReport"
    assert outage.created_at.isoformat() == "2026-11-20T09:55:00+00:00"
    assert "<" not in prices.text and "pwned" not in prices.text and "€1.50" in prices.text
    [esim] = blog.mentions
    assert esim.language == "it" and esim.author.handle == "Davide Greco"
    assert esim.text == ("Abbiamo provato la nuova eSIM di Lumora\n"
                         "Attivazione in due minuti, ma il roaming costa ancora troppo.")


def test_an_entry_without_id_or_link_is_skipped_and_named(respx_mock):
    respx_mock.get(NEWS).mock(return_value=feed("telcoreport.xml"))

    [batch] = list(listener(NEWS).fetch(None))

    assert batch.skipped == [f"{NEWS}: entry 4 has no id or link"]
    assert len(batch.mentions) == 2


def test_the_next_run_asks_conditionally_and_stores_nothing_twice(respx_mock):
    route = respx_mock.get(NEWS)
    route.mock(return_value=feed("telcoreport.xml", ETag='"v1"', **{"Last-Modified": "Fri, 20 Nov 2026 10:30:00 GMT"}))
    [first] = list(listener(NEWS).fetch(None))
    state = json.loads(first.cursor)[NEWS]
    assert state["etag"] == '"v1"' and len(state["seen"]) == 4

    route.mock(return_value=httpx.Response(304))
    assert list(listener(NEWS).fetch(first.cursor)) == []  # 304: nothing new, cursor unchanged
    sent = route.calls.last.request.headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Fri, 20 Nov 2026 10:30:00 GMT"

    route.mock(return_value=feed("telcoreport.xml", ETag='"v2"'))  # a server that ignores the validators
    [again] = list(listener(NEWS).fetch(first.cursor))
    assert again.mentions == [] and json.loads(again.cursor)[NEWS]["etag"] == '"v2"'


def test_the_seen_list_is_bounded(respx_mock, monkeypatch):
    monkeypatch.setattr("listeners.rss.SEEN_LIMIT", 2)
    respx_mock.get(NEWS).mock(return_value=feed("telcoreport.xml"))

    [batch] = list(listener(NEWS).fetch(None))

    assert json.loads(batch.cursor)[NEWS]["seen"] == [
        "https://www.telcoreport.example/?p=48190", "https://www.telcoreport.example/?p=48150"]


def test_an_empty_feed_and_a_broken_one_do_not_stop_the_others(respx_mock):
    respx_mock.get(QUIET).mock(return_value=feed("empty_channel.xml"))
    respx_mock.get(MOVED).mock(return_value=feed("not_a_feed.html", **{"Content-Type": "text/html"}))
    respx_mock.get(NEWS).mock(return_value=feed("telcoreport.xml"))

    quiet, moved, news = list(listener(QUIET, MOVED, NEWS).fetch(None))

    assert quiet.mentions == [] and json.loads(quiet.cursor) == {QUIET: {"seen": []}}
    assert moved.mentions == [] and moved.skipped[0].startswith(f"{MOVED}: not a readable RSS/Atom feed (")
    assert len(news.mentions) == 2 and set(json.loads(news.cursor)) == {QUIET, NEWS}


def test_a_missing_feed_is_reported_and_the_others_go_on(respx_mock):
    respx_mock.get(MOVED).mock(return_value=httpx.Response(404))
    respx_mock.get(NEWS).mock(return_value=feed("telcoreport.xml"))

    moved, news = list(listener(MOVED, NEWS).fetch(None))

    assert moved.skipped == [f"{MOVED}: answered 404; check the feed URL"] and len(news.mentions) == 2


def test_429_waits_as_long_as_the_site_says(respx_mock):
    respx_mock.get(NEWS).mock(return_value=httpx.Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as caught:
        list(listener(NEWS).fetch(None))
    assert caught.value.retry_after == 120


def test_outages_are_transient(respx_mock):
    route = respx_mock.get(NEWS)
    route.mock(return_value=httpx.Response(502))
    with pytest.raises(TransientError):
        list(listener(NEWS).fetch(None))
    route.mock(side_effect=httpx.ConnectError("no route to host"))
    with pytest.raises(TransientError, match="network error"):
        list(listener(NEWS).fetch(None))


def test_configuration_mistakes_say_what_to_set():
    with pytest.raises(ListenerError, match="set feeds"):
        list(create("rss", "news", {"keywords": ["Lumora"]}).fetch(None))
    with pytest.raises(ListenerError, match="keywords"):
        list(listener(NEWS, keywords=()).fetch(None))


def test_keywords_match_whole_words_in_any_case():
    pattern = keyword_pattern(["Lumora", "@LumoraHelp", "fibra nova"])
    assert pattern.search("lumora is down") and pattern.search("ask @lumorahelp now")
    assert pattern.search("La FIBRA NOVA di casa")
    assert not pattern.search("Lumoravision") and not pattern.search("xLumora")


def test_html_becomes_text_without_running_or_rendering_anything():
    html = '<p>Hi &amp; <b>bye</b></p><script>alert(1)</script><style>p{}</style><ul><li>one</li><li>two</li></ul>'
    assert plain_text(html) == "Hi & bye\none\ntwo"
