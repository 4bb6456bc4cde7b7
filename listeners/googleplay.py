"""Google Play reviews, newest first, with ``google-play-scraper`` (Google's batchexecute endpoint).

Configuration: ``app_id`` (the package name, e.g. ``com.lumora.app``, required), ``lang``
(default ``en``), ``country`` (default ``us``), ``count`` (reviews per page, default 100),
``max_pages`` (per run, default 10). No credentials.

Cursor: JSON ``{"id": reviewId, "at": ISO time}``, the newest review seen. Pages follow the
library's continuation token until a page reaches that review (or an older one). Batches
before the last keep the cursor as it was, so a run that stops half-way reads the same
reviews again next time instead of skipping any.

The library's ``reviews()`` turns every failure (429, 5xx, no network) into an empty result,
which would read as "no new reviews", and its HTTP (``urlopen``) has no timeout and reads an
answer of any size. So this listener builds each page's request with the library's
``Formats.Reviews`` (pinned with google-play-scraper 1.2.7), sends it through
``listeners.webget`` (``listeners.limits``: timeout, size limit; failures keep their meaning),
reads the answer as the library's ``_fetch_review_items`` does, and extracts fields with the
library's own ``ElementSpecs.Review``.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
from google_play_scraper import Sort
from google_play_scraper.constants.element import ElementSpecs
from google_play_scraper.constants.regex import Regex
from google_play_scraper.constants.request import Formats

from listeners import webget
from listeners.base import Batch, Listener, ListenerError, RateLimited
from listeners.webget import DEFAULT_RETRY_AFTER
from triage.records import Author, Mention

# Importing google_play_scraper switches off certificate checks for every urllib request in
# the process (ssl._create_default_https_context = ssl._create_unverified_context); put the
# verifying default back. play.google.com has a valid certificate.
ssl._create_default_https_context = ssl.create_default_context

GATEWAY_ERROR = "com.google.play.gateway.proto.PlayGatewayError"
FORM = {"content-type": "application/x-www-form-urlencoded"}


class GooglePlayListener(Listener):
    kind = "googleplay"
    required_keys = ("app_id",)
    requires = "google-play-scraper==1.2.7"

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        app_id = str(self.config.get("app_id") or "").strip()
        if not app_id or "." not in app_id:
            raise ListenerError(
                f"source '{self.name}' (googleplay): set app_id to the package name, e.g. com.example.app"
            )
        lang, country = str(self.config.get("lang", "en")), str(self.config.get("country", "us"))
        count, max_pages = int(self.config.get("count", 100)), int(self.config.get("max_pages", 10))
        since: dict[str, str] | None = json.loads(cursor) if cursor else None
        url = Formats.Reviews.build(lang=lang, country=country)
        with webget.new_client() as client:
            yield from self._pages(client, url, app_id, count, max_pages, since, lang, country, cursor)

    def _pages(
        self, client: httpx.Client, url: str, app_id: str, count: int, max_pages: int,
        since: dict[str, str] | None, lang: str, country: str, cursor: str | None,
    ) -> Iterator[Batch]:
        newest: dict[str, str] | None = None
        token: str | None = None
        for page in range(1, max_pages + 1):
            items, token = self._page(client, url, app_id, count, token)
            mentions, skipped, reached = [], [], False
            for number, item in enumerate(items, start=1):
                review = {key: spec.extract_content(item) for key, spec in ElementSpecs.Review.items()}
                review_id, at = review.get("reviewId"), _timestamp(item)
                if not review_id or at is None:
                    skipped.append(f"page {page} review {number}: no {'reviewId' if not review_id else 'date'}")
                    continue
                if since and (review_id == since["id"] or at < datetime.fromisoformat(since["at"])):
                    reached = True
                    break
                if newest is None:
                    newest = {"id": str(review_id), "at": at.isoformat()}
                try:
                    mentions.append(_mention(review, at, app_id, lang, country))
                except (TypeError, ValueError) as exc:
                    skipped.append(f"page {page} review {review_id}: {exc}")
            last = reached or not isinstance(token, str) or not items or page == max_pages
            if last:
                yield Batch(mentions, json.dumps(newest) if newest else cursor, skipped)
                return
            if mentions or skipped:
                yield Batch(mentions, cursor, skipped)

    def _page(
        self, client: httpx.Client, url: str, app_id: str, count: int, token: str | None
    ) -> tuple[list[Any], str | None]:
        """One page of reviews: the library's request body and parsing, our bounded HTTP (``listeners.webget``).

        google-play-scraper's own request (``urlopen``) has no timeout and reads any size, and
        retries with sleeps of its own; the runner does the retrying here.
        """
        what = f"source '{self.name}' (googleplay)"
        body = Formats.Reviews.build_body(app_id, Sort.NEWEST.value, count, "null", "null", token)
        response = webget.request(client, "POST", url, what, FORM, content=body)
        if response.status_code == 404:
            raise ListenerError(f"{what}: Google Play has no app {app_id}; check app_id")
        if response.status_code >= 400:
            raise ListenerError(f"{what}: Google Play answered {response.status_code}; check app_id, lang and country")
        dom = response.text
        if GATEWAY_ERROR in dom:
            raise RateLimited(f"{what}: Google Play is throttling requests", DEFAULT_RETRY_AFTER)
        try:
            return _review_items(dom)
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise ListenerError(f"{what}: unexpected answer from Google Play ({type(exc).__name__}: {exc})") from None


def _review_items(dom: str) -> tuple[list[Any], str | None]:
    """The reviews and the next page's token in a batchexecute answer, read as google-play-scraper reads them."""
    match = json.loads(Regex.REVIEWS.findall(dom)[0])
    results = json.loads(match[0][2])
    try:
        token = results[-2][-1]
    except (IndexError, KeyError, TypeError):
        token = None
    if not results or not results[0]:
        return [], token if isinstance(token, str) else None
    return list(results[0]), token if isinstance(token, str) else None


def _timestamp(item: Any) -> datetime | None:
    """The review's time, in UTC (the library's ``at`` is a naive local time)."""
    try:
        return datetime.fromtimestamp(int(item[5][0]), tz=timezone.utc)
    except (IndexError, TypeError, ValueError):
        return None


def _mention(review: dict[str, Any], at: datetime, app_id: str, lang: str, country: str) -> Mention:
    if review.get("score") is None:
        raise ValueError("no star rating")
    version = review.get("reviewCreatedVersion") or review.get("appVersion")
    return Mention(
        channel="googleplay",
        external_id=str(review["reviewId"]),
        text=str(review.get("content") or ""),
        author=Author(handle=str(review.get("userName") or "A Google user")),
        created_at=at,
        url=f"https://play.google.com/store/apps/details?id={app_id}&hl={lang}&gl={country}"
        f"&reviewId={review['reviewId']}",
        language=lang,
        kind="review",
        rating=int(review["score"]),
        app_version=str(version) if version else None,
        raw={
            "reviewId": review["reviewId"],
            "app_id": app_id,
            "country": country,
            "thumbsUpCount": review.get("thumbsUpCount"),
            "replyContent": review.get("replyContent"),
            "repliedAt": review["repliedAt"].isoformat() if review.get("repliedAt") else None,
        },
    )
