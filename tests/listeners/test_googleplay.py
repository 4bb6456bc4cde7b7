"""The Google Play listener runs google-play-scraper's real request and parsing code over urllib.

The library posts to Google's batchexecute endpoint with urllib; the tests point its URL at a
loopback server that answers with recorded batchexecute bodies (``payloads/googleplay``) and
records every request. A request the test did not expect gets a 404 and fails the test.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from google_play_scraper.constants.request import Formats

from listeners.base import ListenerError, RateLimited, ResponseTooLarge, TransientError
from listeners.limits import MAX_RESPONSE_BYTES
from listeners.registry import create

PAYLOADS = Path(__file__).parent / "payloads" / "googleplay"
APP = "com.lumora.app"
TOKEN = "CpEBCo4BAgAAAK0jEDzL_3Z2Kbc5QK9kz0lEr8xq7Hk3N-Lumora-page-2-token"
NEWEST = "7f3c2a9e-5b1d-4c8e-9a27-1e6b0d4f8c31"


def body(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


class PlayStore:
    """Answers batchexecute review requests by their pagination token, like Google does."""

    def __init__(self) -> None:
        self.pages: dict[str | None, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[dict] = []
        self.unexpected: list[str] = []
        self.delay = 0.0  # seconds before each answer

    def answer(self, token: str | None, payload: bytes, status: int = 200, headers: dict | None = None) -> None:
        self.pages[token] = (status, headers or {}, payload)

    def handle(self, path: str, form: bytes) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(path)
        envelope = json.loads(parse_qs(form.decode())["f.req"][0])
        rpc, args = envelope[0][0][0], json.loads(envelope[0][0][1])
        paging = args[1][2]
        request = {"path": url.path, "query": parse_qs(url.query), "rpc": rpc, "app_id": args[2][0],
                   "sort": args[1][1], "count": paging[0], "token": paging[2] if len(paging) > 2 else None}
        self.requests.append(request)
        if url.path != "/_/PlayStoreUi/data/batchexecute" or rpc != "oCPfdb" or request["token"] not in self.pages:
            self.unexpected.append(f"{path} {request}")
            return 404, {}, b"unexpected request"
        return self.pages[request["token"]]


@pytest.fixture
def play(monkeypatch) -> Iterator[PlayStore]:
    store = PlayStore()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            form = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, headers, payload = store.handle(self.path, form)
            time.sleep(store.delay)
            try:
                self.send_response(status)
                for name, value in {"Content-Type": "application/json; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: a refused oversized answer, or a timeout

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setattr(
        Formats.Reviews, "URL_FORMAT",
        f"http://127.0.0.1:{server.server_port}/_/PlayStoreUi/data/batchexecute?hl={{lang}}&gl={{country}}",
    )
    yield store
    server.shutdown()
    server.server_close()
    assert not store.unexpected, store.unexpected


def listener(**config):
    return create("googleplay", "android", {"app_id": APP, "lang": "it", "country": "it", "count": 3, **config})


def test_follows_the_continuation_token_and_keeps_rating_and_version(play):
    play.answer(None, body("page1.txt"))
    play.answer(TOKEN, body("page2.txt"))

    batches = list(listener().fetch(None))

    assert [(r["token"], r["app_id"], r["sort"], r["count"]) for r in play.requests] == [
        (None, APP, 2, 3), (TOKEN, APP, 2, 3)]
    assert play.requests[0]["query"] == {"hl": ["it"], "gl": ["it"]}
    reviews = [m for b in batches for m in b.mentions]
    assert [m.external_id for m in reviews] == [NEWEST, "0a9d7e61-3c2f-4b58-b1e4-6f8c2d9a7b13",
                                                "e5b4c3d2-1a09-4f87-9e6d-5c4b3a291807"]
    first = reviews[0]
    assert (first.channel, first.kind, first.rating, first.app_version) == ("googleplay", "review", 1, "7.4.1")
    assert first.author.handle == "Giorgio Valli" and first.text.startswith("Da quando ho aggiornato")
    assert first.created_at.isoformat() == "2025-11-20T11:40:00+00:00"
    assert first.url == f"https://play.google.com/store/apps/details?id={APP}&hl=it&gl=it&reviewId={NEWEST}"
    last = reviews[-1]
    assert last.app_version is None and last.raw["replyContent"].startswith("Hi Aisha")
    assert batches[0].cursor is None  # the first page does not move the cursor
    assert json.loads(batches[-1].cursor) == {"id": NEWEST, "at": "2025-11-20T11:40:00+00:00"}


def test_a_review_without_a_date_is_skipped_and_named_and_the_rest_kept(play):
    play.answer(None, body("page1.txt"))
    play.answer(TOKEN, body("page2.txt"))

    batches = list(listener().fetch(None))

    assert batches[0].skipped == ["page 1 review 2: no date"]
    assert len(batches[0].mentions) == 2


def test_a_cursor_from_an_earlier_run_stops_at_the_known_review(play):
    play.answer(None, body("page1.txt"))
    earlier = json.dumps({"id": "0a9d7e61-3c2f-4b58-b1e4-6f8c2d9a7b13", "at": "2025-11-20T10:00:00+00:00"})

    batches = list(listener().fetch(earlier))

    assert [r["token"] for r in play.requests] == [None]  # no second page needed
    assert [m.external_id for b in batches for m in b.mentions] == [NEWEST]
    assert json.loads(batches[-1].cursor)["id"] == NEWEST


def test_an_empty_answer_keeps_the_cursor(play):
    play.answer(None, body("empty.txt"))
    earlier = json.dumps({"id": NEWEST, "at": "2025-11-20T11:40:00+00:00"})

    assert [(b.mentions, b.cursor) for b in listener().fetch(earlier)] == [([], earlier)]


def test_429_is_rate_limited_for_as_long_as_google_says(play):
    play.answer(None, b"Too Many Requests", status=429, headers={"Retry-After": "90"})

    with pytest.raises(RateLimited) as caught:
        list(listener().fetch(None))

    assert caught.value.retry_after == 90


def test_the_play_gateway_throttle_is_rate_limited(play, monkeypatch):
    monkeypatch.setattr("google_play_scraper.utils.request.RATE_LIMIT_DELAY", 0)  # the library's own back-off
    play.answer(None, body("throttled.txt"))

    with pytest.raises(RateLimited):
        list(listener().fetch(None))


def test_server_errors_are_transient_and_an_unknown_app_says_what_to_fix(play):
    play.answer(None, b"<html>Server Error</html>", status=502)
    with pytest.raises(TransientError, match="answered 502"):
        list(listener().fetch(None))
    play.answer(None, b"Not Found", status=404)
    with pytest.raises(ListenerError, match="check app_id"):
        list(listener().fetch(None))


def test_no_network_is_transient(monkeypatch):
    closed_port = "http://127.0.0.1:9/_/PlayStoreUi/data/batchexecute?hl={lang}&gl={country}"
    monkeypatch.setattr(Formats.Reviews, "URL_FORMAT", closed_port)
    with pytest.raises(TransientError, match="network error"):
        list(listener().fetch(None))


def test_an_answer_over_the_size_limit_is_refused_in_one_line(play):
    play.answer(None, b")]}'\n\n" + b"x" * MAX_RESPONSE_BYTES)

    with pytest.raises(ResponseTooLarge) as caught:
        list(listener().fetch(None))

    assert str(caught.value) == ("source 'android' (googleplay): the answer from 127.0.0.1 is over the 5 MB limit; "
                                 "refused unread (lower the source's page size, or check its URL points at the "
                                 "platform's API or feed)")


def test_a_slow_answer_times_out_as_transient(play, monkeypatch):
    monkeypatch.setattr("listeners.limits.TIMEOUT_SECONDS", 0.2)  # google-play-scraper's own urlopen has none
    play.answer(None, body("page1.txt"))
    play.delay = 1.0

    with pytest.raises(TransientError, match="did not answer in time"):
        list(listener().fetch(None))
