"""News and blog mentions from RSS/Atom feeds (``feedparser``), kept when they name the brand.

Configuration: ``feeds`` (feed URLs, required), ``keywords`` (the brand's by default; an
entry is kept when one appears, as a whole word and in any case, in its title or summary).
No credentials.

Cursor: JSON ``{"feed url": {"etag": ..., "modified": ..., "seen": [entry ids]}}``. Each
feed is fetched with a conditional GET (``If-None-Match`` / ``If-Modified-Since``); 304 means
nothing new. ``seen`` keeps the ids of the last ``SEEN_LIMIT`` entries so an entry is stored
once even when a feed republishes it. A feed that cannot be read is reported in
``Batch.skipped`` and the other feeds carry on.
"""

from __future__ import annotations

import calendar
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

import feedparser

from listeners import webget
from listeners.base import Batch, Listener, ListenerError
from triage.records import Author, Mention, utcnow

SEEN_LIMIT = 500
BLOCK_TAGS = {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre"}


class RssListener(Listener):
    kind = "rss"
    required_keys = ("feeds",)
    requires = "feedparser==6.0.14"

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        feeds = [str(f) for f in self.config.get("feeds", [])]
        if not feeds:
            raise ListenerError(f"source '{self.name}' (rss): set feeds to a list of RSS/Atom feed URLs")
        pattern = keyword_pattern(self.keywords())
        if pattern is None:
            raise ListenerError(f"source '{self.name}' (rss): set the brand's keywords (or keywords for this source)")
        state: dict[str, dict[str, Any]] = json.loads(cursor) if cursor else {}
        with webget.new_client() as client:
            for url in feeds:
                batch, feed_state = self._feed(client, url, state.get(url, {}), pattern)
                if feed_state is not None:
                    state = {**state, url: feed_state}
                if batch.mentions or batch.skipped or feed_state is not None:
                    batch.cursor = json.dumps(state, sort_keys=True)
                    yield batch

    def _feed(
        self, client: Any, url: str, known: dict[str, Any], pattern: re.Pattern[str]
    ) -> tuple[Batch, dict[str, Any] | None]:
        """One feed's new matching entries and its new state (``None``: unchanged)."""
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("modified"):
            headers["If-Modified-Since"] = known["modified"]
        response = webget.get(client, url, f"source '{self.name}' (rss)", headers)
        if response.status_code == 304:
            return Batch([], None), None
        if response.status_code >= 400:
            return Batch([], None, [f"{url}: answered {response.status_code}; check the feed URL"]), None
        # a stream, never bytes or str: given those, feedparser fetches a body that looks like a URL
        # and opens one that names a local file
        headers_seen = {k.lower(): v for k, v in response.headers.items()}
        parsed = feedparser.parse(io.BytesIO(response.content), response_headers=headers_seen)
        if parsed.bozo and not parsed.entries:
            reason = str(getattr(parsed, "bozo_exception", "") or "unreadable").splitlines()[0][:120]
            return Batch([], None, [f"{url}: not a readable RSS/Atom feed ({reason})"]), None
        seen = list(known.get("seen", []))
        seen_set = set(seen)
        feed_title = str(parsed.feed.get("title") or "")
        mentions, skipped = [], []
        for number, entry in enumerate(parsed.entries, start=1):
            entry_id = str(entry.get("id") or entry.get("link") or "")
            if not entry_id:
                skipped.append(f"{url}: entry {number} has no id or link")
                continue
            if entry_id in seen_set:
                continue
            seen.append(entry_id)
            seen_set.add(entry_id)
            title, summary = plain_text(entry.get("title", "")), plain_text(entry.get("summary", ""))
            if not pattern.search(f"{title}\n{summary}"):
                continue
            mentions.append(
                Mention(
                    channel="rss",
                    external_id=entry_id,
                    text="\n".join(part for part in (title, summary) if part),
                    author=Author(handle=str(entry.get("author") or feed_title or _host(url)),
                                  display_name=feed_title),
                    created_at=_entry_time(entry),
                    url=str(entry.get("link") or ""),
                    language=_language(entry, parsed),
                    kind="post",
                    raw={"feed": url, "feed_title": feed_title, "id": entry_id, "link": entry.get("link")},
                )
            )
        feed_state: dict[str, Any] = {"seen": seen[-SEEN_LIMIT:]}
        if response.headers.get("etag"):
            feed_state["etag"] = response.headers["etag"]
        if response.headers.get("last-modified"):
            feed_state["modified"] = response.headers["last-modified"]
        return Batch(mentions, None, skipped), feed_state


def keyword_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching any keyword as a whole word (``@brand`` and ``#brand`` too)."""
    words = [k.strip() for k in keywords if k.strip()]
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; scripts and styles are dropped, nothing is rendered."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The text of an HTML fragment, whitespace tidied, one line per block."""
    extractor = _TextExtractor()
    extractor.feed(str(html or ""))
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _entry_time(entry: Any) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    return utcnow()


def _language(entry: Any, parsed: Any) -> str | None:
    detail = entry.get("title_detail") or entry.get("summary_detail") or {}
    language = detail.get("language") or parsed.feed.get("language")
    return str(language).split("-")[0].lower() if language else None


def _host(url: str) -> str:
    return re.sub(r"^https?://([^/]+).*$", r"\1", url)
