"""A platform on localhost that takes replies over HTTP, and a listener kind that posts to it.

``FakePlatform`` is a tiny threaded HTTP server (127.0.0.1, a free port) that behaves like a
platform's reply API: ``POST /replies`` (JSON ``in_reply_to``, ``text``; an
``Idempotency-Key`` header) answers after ``latency`` seconds with the new post's id,
``GET /replies?in_reply_to=ID`` lists the replies to a post. It counts every post it
takes, so a test sees exactly how many replies went out publicly.

``HttpPlatformListener`` (kind ``fake_http``) is an ordinary listener for it, registered
through the real registry (``register_kind``; the ``fake_http_kind`` fixture, or an agent
script in its own process). Source keys: ``url`` (the platform), and ``crash_after_post``:
a marker file; while it does not exist, the listener creates it and kills its own process
with SIGKILL right after the platform answered a post (before Ascolto can record it).
``HttpPlatformListener`` implements the optional ``find_reply``; ``BlindHttpListener``
(kind ``fake_http_blind``) is the same platform without a lookup.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, quote, urlparse

import pytest

from listeners.base import Batch, Listener, PostingError, ReplyTarget
from listeners.registry import LISTENERS, register

LATENCY = 0.2  # seconds the platform takes to answer a post


@dataclass
class Post:
    id: str
    in_reply_to: str
    text: str
    idempotency_key: str


@dataclass
class FakePlatform:
    latency: float = LATENCY
    refuse: str | None = None  # the platform's error for every post, when set
    posts: list[Post] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the platform first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePlatform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(platform.latency)
                if platform.refuse:
                    self._answer(403, {"error": platform.refuse})
                    return
                with platform._lock:
                    post = Post(f"r{len(platform.posts) + 1}", body["in_reply_to"], body["text"],
                                self.headers.get("Idempotency-Key", ""))
                    platform.posts.append(post)
                self._answer(200, {"id": post.id})

            def do_GET(self) -> None:  # noqa: N802
                wanted = parse_qs(urlparse(self.path).query).get("in_reply_to", [""])[0]
                with platform._lock:
                    found = [p.__dict__ for p in platform.posts if p.in_reply_to == wanted]
                self._answer(200, found)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class HttpPlatformListener(Listener):
    """Posts replies to a ``FakePlatform`` over HTTP (with the idempotency key) and can look them up."""

    kind = "fake_http"
    can_reply = True
    required_keys = ("url",)

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        return iter(())

    def post_reply(self, target: ReplyTarget, text: str) -> str:
        return self.post_reply_once(target, text, "")

    def post_reply_once(self, target: ReplyTarget, text: str, idempotency_key: str) -> str:
        request = urllib.request.Request(
            f"{self.config['url']}/replies", method="POST",
            data=json.dumps({"in_reply_to": target.external_id, "text": text}).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read(65536))
        except HTTPError as exc:
            raise PostingError(f"{exc.code} {json.loads(exc.read(65536))['error']}") from None
        marker = self.config.get("crash_after_post")
        if marker and not Path(marker).exists():  # the platform answered; die before Ascolto records it
            Path(marker).write_text(f"killed after posting {answer['id']}\n", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
        return str(answer["id"])

    def find_reply(self, target: ReplyTarget, idempotency_key: str, text: str) -> str | None:
        url = f"{self.config['url']}/replies?in_reply_to={quote(target.external_id)}"
        with urllib.request.urlopen(url, timeout=10) as response:
            posts = json.loads(response.read(1 << 20))
        for post in posts:
            if post["idempotency_key"] == idempotency_key and post["text"] == text:
                return str(post["id"])
        return None


class BlindHttpListener(HttpPlatformListener):
    """The same platform, whose API cannot list replies: ``find_reply`` is the base class's (None)."""

    kind = "fake_http_blind"

    def find_reply(self, target: ReplyTarget, idempotency_key: str, text: str) -> str | None:
        return Listener.find_reply(self, target, idempotency_key, text)


def register_kinds() -> None:
    """Register ``fake_http`` and ``fake_http_blind`` in this process's registry."""
    register(HttpPlatformListener)
    register(BlindHttpListener)


@pytest.fixture
def fake_platform() -> Iterator[FakePlatform]:
    platform = FakePlatform().start()
    yield platform
    platform.stop()


@pytest.fixture
def fake_http_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """``fake_http`` and ``fake_http_blind`` registered through the real registry, for one test."""
    monkeypatch.setattr("listeners.registry.LISTENERS", dict(LISTENERS))
    register_kinds()
