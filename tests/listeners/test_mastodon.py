"""The Mastodon listener runs Mastodon.py's real request code against recorded Mastodon API answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from recorded import drain, form, payload, query
from responses import matchers

from listeners.base import ListenerError, MissingCredentials, PostingError, RateLimited, ReplyTarget, TransientError
from listeners.mastodon import plain_text
from listeners.registry import create

BASE = "https://mastodon.example"
TAG = f"{BASE}/api/v1/timelines/tag/lumora"
NOTIFICATIONS = f"{BASE}/api/v1/notifications"
SEARCH = f"{BASE}/api/v2/search"
STATUSES = f"{BASE}/api/v1/statuses"
SECRETS = {"MASTODON_ACCESS_TOKEN": "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"}
SINCE = "113510000000000000"


def link(endpoint: str, older: str, newer: str) -> dict[str, str]:
    """The ``Link`` header Mastodon sends with a page of a timeline."""
    return {"Link": f'<{endpoint}?max_id={older}>; rel="next", <{endpoint}?min_id={newer}>; rel="prev"'}


def listener(streams=("hashtags",), **config):
    config = {"api_base_url": BASE, "hashtags": ["#lumora"], "keywords": ["lumora"], **config}
    return create("mastodon", "mastodon-lumora", {**config, "streams": list(streams)}, SECRETS)


@pytest.fixture
def instance(http):
    """Mastodon.py reads the instance's description once, to know whether hashtag timelines are public."""
    http.get(f"{BASE}/api/v2/instance/", json=payload("mastodon", "instance"))
    return http


def test_a_hashtag_timeline_is_read_page_by_page_back_to_the_cursor(instance):
    http = instance
    def asks(**params):
        return [matchers.query_param_matcher({"since_id": SINCE, "limit": "40", **params})]

    http.get(TAG, json=payload("mastodon", "tag_page1"), headers=link(TAG, "113520000000000003", "113520000000000004"),
             match=asks())
    http.get(TAG, json=payload("mastodon", "tag_page2"), headers=link(TAG, "113520000000000001", "113520000000000002"),
             match=asks(max_id="113520000000000003"))
    http.get(TAG, json=[], match=asks(max_id="113520000000000001"))
    batches, cursor = drain(listener(), json.dumps({"tag:lumora": {"since_id": SINCE}}))

    assert http.calls[1].request.headers["Authorization"] == f"Bearer {SECRETS['MASTODON_ACCESS_TOKEN']}"
    assert [[m.external_id for m in b.mentions] for b in batches] == [
        ["113520000000000004", "113520000000000003"],
        ["113520000000000002"],
    ]
    assert json.loads(batches[0].cursor) == {
        "tag:lumora": {"since_id": SINCE, "max_id": "113520000000000003", "newest_id": "113520000000000004"}
    }
    assert json.loads(cursor) == {"tag:lumora": {"since_id": "113520000000000004"}}
    assert batches[1].skipped == ["mastodon tag:lumora: 113520000000000001: status without an account"]

    anna, luca = batches[0].mentions
    assert anna.text == (
        "Day 3 without my #lumora order & support is silent.\n"
        "Ticket https://lumora.example/t/88213\n\n"
        "Anyone else? <script>alert(1)</script>"  # decoded to text, never rendered
    )
    assert (anna.author.handle, anna.author.display_name, anna.author.followers) == (
        "anna@fosstodon.example", "Anna B. ☕", 842,
    )
    assert anna.url == "https://fosstodon.example/@anna/113520000000000004"
    assert anna.created_at == datetime(2026, 11, 20, 10, 41, 7, tzinfo=timezone.utc)
    assert anna.kind == "post" and anna.raw["visibility"] == "public"
    assert luca.text == "kettle talk\n\nThe new #Lumora kettle is lovely"  # the content warning comes first
    assert (luca.kind, luca.parent_id, luca.language) == ("reply", "113510000000000099", "it")


def test_a_first_run_reads_one_page_not_the_whole_past(instance):
    page1 = link(TAG, "113520000000000003", "113520000000000004")
    instance.get(TAG, json=payload("mastodon", "tag_page1"), headers=page1)
    batches, cursor = drain(listener(), None)
    assert "since_id" not in query(instance.calls[1])
    assert len(batches) == 1 and len(batches[0].mentions) == 2
    assert json.loads(cursor) == {"tag:lumora": {"since_id": "113520000000000004"}}


def test_nothing_new_asks_only_for_newer_statuses_and_keeps_the_cursor(instance):
    instance.get(TAG, json=[])
    cursor = json.dumps({"tag:lumora": {"since_id": "113520000000000004"}})
    assert drain(listener(), cursor) == ([], cursor)
    assert query(instance.calls[1])["since_id"] == "113520000000000004"


def test_a_walk_stopped_half_way_resumes_below_what_is_stored(instance):
    page2 = link(TAG, "113520000000000001", "113520000000000002")
    instance.get(TAG, json=payload("mastodon", "tag_page2"), headers=page2)
    instance.get(TAG, json=[])
    walking = {"since_id": SINCE, "max_id": "113520000000000003", "newest_id": "113520000000000004"}
    batches, cursor = drain(listener(), json.dumps({"tag:lumora": walking}))
    sent = query(instance.calls[1])
    assert (sent["since_id"], sent["max_id"]) == (SINCE, "113520000000000003")
    assert json.loads(cursor) == {"tag:lumora": {"since_id": "113520000000000004"}}


def test_mentions_come_from_notifications_of_type_mention(http):
    http.get(NOTIFICATIONS, json=payload("mastodon", "notifications"),
             headers=link(NOTIFICATIONS, "3400011", "3400012"))
    http.get(NOTIFICATIONS, json=[])
    batches, cursor = drain(listener(streams=["mentions"]), json.dumps({"mentions": {"since_id": "3400001"}}))
    assert query(http.calls[0])["types[]"] == "mention"
    (marta,) = batches[0].mentions
    assert marta.external_id == "113530000000000007" and marta.raw["notification_id"] == "3400012"
    assert marta.text == "@lumora can I change my delivery address?"
    assert batches[0].skipped == ["mastodon mentions: 3400011: notification without a status"]
    assert json.loads(cursor) == {"mentions": {"since_id": "3400012"}}


def test_search_asks_for_statuses_newer_than_the_cursor(http):
    asked = {"q": "lumora", "type": "statuses", "min_id": SINCE}
    http.get(SEARCH, json=payload("mastodon", "search"),
             match=[matchers.query_param_matcher(asked, strict_match=False)])
    batches, cursor = drain(listener(streams=["search"]), json.dumps({"search:lumora": {"since_id": SINCE}}))
    assert [m.external_id for m in batches[0].mentions] == ["113520000000000005"]
    assert json.loads(cursor) == {"search:lumora": {"since_id": "113520000000000005"}}


def test_an_empty_search_keeps_the_cursor(http):
    http.get(SEARCH, json=payload("mastodon", "search_empty"))
    cursor = json.dumps({"search:lumora": {"since_id": SINCE}})
    assert drain(listener(streams=["search"]), cursor) == ([], cursor)


def test_a_429_waits_until_the_announced_reset(instance):
    now = datetime.now(timezone.utc)
    reset = (now + timedelta(minutes=5)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset,
               "Date": format_datetime(now, usegmt=True)}
    instance.get(TAG, status=429, json=payload("mastodon", "too_many_requests"), headers=headers)
    with pytest.raises(RateLimited) as caught:
        list(listener().fetch(None))
    assert caught.value.retry_after == pytest.approx(300, abs=5)


def test_a_5xx_is_transient(instance):
    instance.get(TAG, status=503, body="<html><body>503 Service Unavailable</body></html>")
    with pytest.raises(TransientError, match="503"):
        list(listener().fetch(None))


def test_a_rejected_token_says_which_variable_to_check(instance):
    instance.get(TAG, status=401, json=payload("mastodon", "unauthorized"))
    with pytest.raises(ListenerError, match="check MASTODON_ACCESS_TOKEN"):
        list(listener().fetch(None))


def test_a_missing_token_is_named():
    with pytest.raises(MissingCredentials, match="set MASTODON_ACCESS_TOKEN"):
        list(create("mastodon", "m", {"api_base_url": BASE, "hashtags": ["lumora"]}, {}).fetch(None))


def marta_dm() -> ReplyTarget:
    return ReplyTarget("mastodon", "113530000000000007", "marta@social.example", None,
                       "https://social.example/@marta/113530000000000007", {"visibility": "direct"})


def test_a_reply_mentions_the_author_and_answers_in_reply_to_the_status(http):
    http.post(STATUSES, json=payload("mastodon", "status_posted"))
    new_id = listener().post_reply(marta_dm(), "Yes, send us a DM with your order number.")
    assert new_id == "113540000000000001"
    sent = form(http.calls[0])
    assert sent["status"] == "@marta@social.example Yes, send us a DM with your order number."
    assert sent["in_reply_to_id"] == "113530000000000007"
    assert sent["visibility"] == "direct"  # a reply to a direct message stays direct


def test_a_reply_sent_once_carries_its_idempotency_key(http):
    http.post(STATUSES, json=payload("mastodon", "status_posted"))
    assert listener().post_reply_once(marta_dm(), "Yes, DM us.", "0f3c9a") == "113540000000000001"
    assert http.calls[0].request.headers["Idempotency-Key"] == "0f3c9a"


def test_a_refused_reply_carries_the_instances_words(http):
    http.post(STATUSES, status=422, json=payload("mastodon", "unprocessable"))
    with pytest.raises(PostingError, match="character limit of 500 exceeded"):
        listener().post_reply(marta_dm(), "x" * 600)


def test_status_html_becomes_plain_text_with_its_line_breaks():
    html = "<p>Hi &amp; welcome<br />line two</p><p>&lt;b&gt;not bold&lt;/b&gt; <b>bold</b></p>"
    assert plain_text(html) == "Hi & welcome\nline two\n\n<b>not bold</b> bold"


def test_max_pages_stops_the_run_where_the_next_run_resumes(instance):
    page1 = link(TAG, "113520000000000003", "113520000000000004")
    instance.get(TAG, json=payload("mastodon", "tag_page1"), headers=page1)
    batches, cursor = drain(listener(max_pages=1), json.dumps({"tag:lumora": {"since_id": SINCE}}))
    assert len(batches[0].mentions) == 2
    assert json.loads(cursor) == {
        "tag:lumora": {"since_id": SINCE, "max_id": "113520000000000003", "newest_id": "113520000000000004"}
    }


def test_each_mention_carries_the_instances_length_limit(http):
    """The reply box holds a reply to the instance's own limit: from the instance description Mastodon.py read,
    or from the source's ``max_characters``."""
    described = payload("mastodon", "instance")
    described["configuration"]["statuses"]["max_characters"] = 1000
    http.get(f"{BASE}/api/v2/instance/", json=described)
    http.get(TAG, json=payload("mastodon", "tag_page1"))
    [batch] = drain(listener(), None)[0][:1]
    assert {m.raw["max_characters"] for m in batch.mentions} == {1000}

    http.get(TAG, json=payload("mastodon", "tag_page1"))
    [batch] = drain(listener(max_characters=640), None)[0][:1]
    assert {m.raw["max_characters"] for m in batch.mentions} == {640}
