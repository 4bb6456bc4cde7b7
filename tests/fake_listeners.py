"""A platform in memory and a listener for it, to test the listen runner and sending.

``FakeFeed`` behaves like a paged platform API: numbered posts, a cursor that is the
index of the next post, faults queued for upcoming requests (a 429, a 503), a malformed
post now and then, and a reply endpoint that returns the new post's id or refuses.
``FeedListener`` (kind ``fake``) is an ordinary ``Listener`` for it, registered through
the real registry by the ``fake_kind`` fixture; its source's config carries the feed.

``no_sdk_kind`` registers kind ``no_sdk`` by path to ``tests/missing_sdk_listener.py``, a
listener module whose platform SDK is missing (its import fails).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from listeners import registry
from listeners.base import Batch, Listener, PostingError, ReplyTarget
from listeners.registry import LISTENERS, register
from triage.records import Author, Mention

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@dataclass
class FakeFeed:
    texts: list[str]
    page_size: int = 2
    channel: str = "fake"
    malformed: set[int] = field(default_factory=set)  # posts whose payload lacks an author
    faults: list[Exception | None] = field(default_factory=list)  # for the next page requests: raise, or answer (None)
    requests: list[int] = field(default_factory=list)  # the offset each page request asked for
    replies: list[tuple[str, str]] = field(default_factory=list)  # (in reply to, text) posted
    refuse_replies: str | None = None  # the platform's error for every reply, when set
    on_request: Callable[[int], None] | None = None  # called with the offset before answering

    def __post_init__(self) -> None:
        self.texts = list(self.texts)  # the feed's own posts: adding one never changes the caller's list

    def page(self, offset: int) -> list[dict]:
        self.requests.append(offset)
        if self.on_request:
            self.on_request(offset)
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            raise fault
        return [
            {"id": f"p{i}", "text": text, "author": None if i in self.malformed else f"user{i}"}
            for i, text in enumerate(self.texts[offset : offset + self.page_size], start=offset)
        ]

    def post(self, in_reply_to: str, text: str) -> str:
        if self.refuse_replies:
            raise PostingError(self.refuse_replies)
        self.replies.append((in_reply_to, text))
        return f"r{len(self.replies)}"


FEEDS: dict[str, FakeFeed] = {}  # feeds a triage.toml names (``feed = "name"``), for tests that go through files


class FeedListener(Listener):
    """Pages through a ``FakeFeed`` from the cursor (the next offset); needs ``FAKE_TOKEN``."""

    kind = "fake"
    can_reply = True

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        self.secret(self.config.get("token_variable", "FAKE_TOKEN"))
        feed = self._feed()
        offset = int(cursor or 0)
        while True:
            items = feed.page(offset)
            if not items:
                return
            mentions, skipped = [], []
            for item in items:
                if not item["author"]:
                    skipped.append(f"post {item['id']}: no author")
                    continue
                index = int(item["id"][1:])
                mentions.append(Mention(channel=feed.channel, external_id=item["id"], text=item["text"],
                                        author=Author(item["author"]), created_at=T0 + timedelta(minutes=index)))
            offset += len(items)
            yield Batch(mentions, str(offset), skipped)

    def post_reply(self, target: ReplyTarget, text: str) -> str:
        self.secret(self.config.get("token_variable", "FAKE_TOKEN"))
        return self._feed().post(target.external_id, text)

    def _feed(self) -> FakeFeed:
        """The source's ``feed``: the object itself, or (from a triage.toml) a name in ``FEEDS``."""
        feed = self.config["feed"]
        return FEEDS[feed] if isinstance(feed, str) else feed


@pytest.fixture
def fake_kind(monkeypatch: pytest.MonkeyPatch) -> type[FeedListener]:
    """``FeedListener`` registered as kind ``fake`` through the real registry, for one test."""
    monkeypatch.setattr("listeners.registry.LISTENERS", dict(LISTENERS))
    return register(FeedListener)


NO_SDK_TARGET = "missing_sdk_listener:NoSdkListener"
NO_SDK_DISABLED = ("disabled: the ascolto_example_sdk package is missing; "
                   "pip install ascolto-example-sdk==1.0")  # after "source '<name>' (no_sdk) "


@pytest.fixture
def no_sdk_kind(monkeypatch: pytest.MonkeyPatch) -> str:
    """Kind ``no_sdk`` registered by path, like the built-in kinds, for one test; its module cannot be imported."""
    monkeypatch.setitem(registry.LISTENERS, "no_sdk", NO_SDK_TARGET)  # what register(NO_SDK_TARGET, "no_sdk") adds
    return "no_sdk"
