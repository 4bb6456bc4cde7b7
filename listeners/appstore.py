"""Apple App Store customer reviews, from Apple's public per-country RSS feed (JSON flavour).

Configuration: ``app_id`` (the number in the app's App Store URL, required), ``countries``
(two-letter storefront codes, default ``["us"]``), ``app`` (the app's name, kept with each
review), ``max_pages`` (1-10, default 10; Apple serves at most 10 pages of 50 reviews).
No credentials.

Cursor: JSON ``{"country": {"id": review id, "updated": ISO time}}``, the newest review seen
per storefront. The feed is newest first; a run reads pages until it meets that review (or
an older one). Batches before a storefront's last keep the cursor as it was, so a run that
stops half-way reads the same reviews again next time instead of skipping any.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from datetime import datetime
from typing import Any

import httpx

from listeners import webget
from listeners.base import Batch, Listener, ListenerError
from triage.records import Author, Mention

FEED_URL = "https://itunes.apple.com/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
MAX_PAGES = 10


class AppStoreListener(Listener):
    kind = "appstore"
    required_keys = ("app_id",)

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        app_id = str(self.config.get("app_id") or "").strip()
        if not app_id.isdigit():
            raise ListenerError(f"source '{self.name}' (appstore): set app_id to the number in the app's App Store URL")
        state: dict[str, dict[str, str]] = json.loads(cursor) if cursor else {}
        max_pages = max(1, min(MAX_PAGES, int(self.config.get("max_pages", MAX_PAGES))))
        with webget.new_client() as client:
            for country in [str(c).lower() for c in self.config.get("countries", ["us"])]:
                state = yield from self._country(client, app_id, country, state, max_pages)

    def _country(
        self, client: httpx.Client, app_id: str, country: str, state: dict[str, dict[str, str]], max_pages: int
    ) -> Generator[Batch, None, dict[str, dict[str, str]]]:
        """Yield one storefront's batches; return the state with its newest review."""
        since = state.get(country)
        newest: dict[str, str] | None = None
        old_cursor = json.dumps(state, sort_keys=True) if state else None
        for page in range(1, max_pages + 1):
            url = FEED_URL.format(country=country, page=page, app_id=app_id)
            response = webget.get(client, url, f"source '{self.name}' (appstore)")
            if response.status_code >= 400:
                raise ListenerError(
                    f"source '{self.name}' (appstore): {country} feed answered {response.status_code}; "
                    "check app_id and countries"
                )
            mentions, skipped, reached = [], [], False
            entries = _entries(response)
            for number, entry in enumerate(entries, start=1):
                if "im:rating" not in entry and "im:name" in entry:
                    continue  # older feeds start with the app itself, not a review
                where = f"{country} page {page} entry {number}"
                try:
                    review_id, updated = _label(entry, "id"), _time(_label(entry, "updated"))
                except (KeyError, TypeError, ValueError) as exc:
                    skipped.append(f"{where}: {_reason(exc)}")
                    continue
                if since and (review_id == since["id"] or updated < _time(since["updated"])):
                    reached = True
                    break
                if newest is None:
                    newest = {"id": review_id, "updated": updated.isoformat()}
                try:
                    mentions.append(self._mention(entry, review_id, updated, country, app_id))
                except (KeyError, TypeError, ValueError) as exc:
                    skipped.append(f"{where} (review {review_id}): {_reason(exc)}")
            last = reached or not entries or page == max_pages
            if last:
                if newest is not None:
                    state = {**state, country: newest}
                yield Batch(mentions, json.dumps(state, sort_keys=True) if state else None, skipped)
                return state
            if mentions or skipped:
                yield Batch(mentions, old_cursor, skipped)
        return state

    def _mention(self, entry: dict[str, Any], review_id: str, updated: datetime, country: str, app_id: str) -> Mention:
        title = _label(entry, "title", "").strip()
        body = _label(entry, "content", "").strip()
        author = entry["author"]["name"]["label"]
        return Mention(
            channel="appstore",
            external_id=review_id,
            text="\n".join(part for part in (title, body) if part),
            author=Author(handle=str(author)),
            created_at=updated,
            url=_link(entry) or f"https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews",
            kind="review",
            rating=int(_label(entry, "im:rating")),
            app_version=_label(entry, "im:version", "") or None,
            raw={
                "id": review_id,
                "country": country,
                "app_id": app_id,
                "app": self.config.get("app", ""),
                "title": title,
                "vote_sum": _label(entry, "im:voteSum", None),
                "vote_count": _label(entry, "im:voteCount", None),
            },
        )


def _entries(response: httpx.Response) -> list[dict[str, Any]]:
    """The page's entries: a list, a single object, or none at all (an empty page)."""
    try:
        entry = response.json().get("feed", {}).get("entry", [])
    except (ValueError, AttributeError):
        return []
    entries = [entry] if isinstance(entry, dict) else list(entry or [])
    return [e for e in entries if isinstance(e, dict)]


_MISSING = object()


def _label(entry: dict[str, Any], key: str, default: Any = _MISSING) -> Any:
    value = entry.get(key)
    if isinstance(value, dict) and "label" in value:
        return value["label"]
    if default is _MISSING:
        raise KeyError(key)
    return default


def _link(entry: dict[str, Any]) -> str:
    links = entry.get("link") or []
    for link in [links] if isinstance(links, dict) else links:
        href = (link.get("attributes") or {}).get("href") if isinstance(link, dict) else None
        if href:
            return str(href)
    return ""


def _time(value: str) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _reason(exc: Exception) -> str:
    return f"missing {exc.args[0]}" if isinstance(exc, KeyError) else str(exc)
