"""Bluesky: posts matching the brand's keywords (``app.bsky.feed.searchPosts``), with ``atproto``.

Configuration: ``keywords`` (one search per keyword; the brand's by default), ``limit``
(posts per page, 1-100, default 50), ``max_pages`` (per keyword and run, default 10),
``lang`` (optional search filter), ``service`` (the account's server, default bsky.social).
Credentials: ``BLUESKY_HANDLE`` and ``BLUESKY_APP_PASSWORD`` (an app password, never the
account password).

Cursor: JSON ``{"keyword": {"indexed_at": ISO time, "uri": at-uri}}``, the newest post seen
for each keyword. The API's own ``cursor`` pages towards *older* posts, so a run reads pages
until it meets a post at or before the stored one. Every batch but a keyword's last carries
the cursor as it was: if the run stops half-way the next run reads the same posts again
(the store's upsert makes that harmless) rather than skipping the older ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from atproto import Client, models
from atproto_client import exceptions as at_errors
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError

from listeners.base import (
    Batch,
    Listener,
    ListenerError,
    PostingError,
    RateLimited,
    ReplyTarget,
    ResponseTooLarge,
    TransientError,
)
from listeners.limits import TIMEOUT_SECONDS, LimitedTransport
from triage.records import Author, Mention

DEFAULT_RETRY_AFTER = 60.0


class BlueskyListener(Listener):
    kind = "bluesky"
    required_keys = ("keywords",)
    requires = "atproto==0.0.73"
    can_reply = True

    _logged_in: Client | None = None

    def _client(self) -> Client:
        """A logged-in client, kept for this listener's later runs: Bluesky allows few logins
        (createSession: 30 per 5 minutes, 300 a day); the client refreshes its own session."""
        handle, password = self.secret("BLUESKY_HANDLE"), self.secret("BLUESKY_APP_PASSWORD")
        if self._logged_in is not None:
            return self._logged_in
        client = Client(self.config.get("service"), request=bounded_request())
        try:
            client.login(handle, password, fetch_bsky_profile=False)
        except at_errors.UnauthorizedError:
            raise ListenerError(
                f"source '{self.name}' (bluesky): login refused for BLUESKY_HANDLE; "
                "create an app password (Settings > App passwords) and set BLUESKY_APP_PASSWORD"
            ) from None
        except AtProtocolError as exc:
            raise _mapped(exc, self.name) from None
        except ResponseTooLarge as exc:
            raise ResponseTooLarge(f"source '{self.name}' (bluesky): {exc}") from None
        self._logged_in = client
        return client

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        client = self._client()
        state: dict[str, dict[str, str]] = json.loads(cursor) if cursor else {}
        limit = int(self.config.get("limit", 50))
        max_pages = int(self.config.get("max_pages", 10))
        seen_uris: set[str] = set()
        for keyword in self.keywords():
            since = state.get(keyword)
            newest: dict[str, str] | None = None
            page_cursor: str | None = None
            for page in range(max_pages):
                params: dict[str, Any] = {"q": keyword, "sort": "latest", "limit": limit}
                if page_cursor:
                    params["cursor"] = page_cursor
                if self.config.get("lang"):
                    params["lang"] = self.config["lang"]
                try:
                    response = client.app.bsky.feed.search_posts(params)
                except AtProtocolError as exc:
                    if isinstance(exc, at_errors.UnauthorizedError):
                        self._logged_in = None  # log in again next run
                    raise _mapped(exc, self.name) from None
                except ResponseTooLarge as exc:
                    raise ResponseTooLarge(f"source '{self.name}' (bluesky): {exc}") from None
                mentions, skipped = [], []
                reached = False
                for post in response.posts:
                    if since and (post.uri == since["uri"] or _time(post.indexed_at) <= _time(since["indexed_at"])):
                        reached = True
                        break
                    if newest is None:
                        newest = {"indexed_at": post.indexed_at, "uri": post.uri}
                    if post.uri in seen_uris:
                        continue
                    seen_uris.add(post.uri)
                    try:
                        mentions.append(mention_from_post(post))
                    except (ValueError, TypeError, AttributeError) as exc:
                        skipped.append(f"{post.uri}: {exc}")
                page_cursor = response.cursor
                last = reached or not page_cursor or not response.posts or page == max_pages - 1
                if last and newest is not None:
                    state = {**state, keyword: newest}
                if mentions or skipped or last:
                    yield Batch(mentions, json.dumps(state, sort_keys=True) if state else cursor, skipped)
                if last:
                    break

    def post_reply(self, target: ReplyTarget, text: str) -> str:
        raw = target.raw
        if not raw.get("uri") or not raw.get("cid"):
            raise PostingError(f"{target.external_id}: the stored post has no uri/cid; fetch it again to reply")
        parent = models.ComAtprotoRepoStrongRef.Main(uri=raw["uri"], cid=raw["cid"])
        thread_root = (raw.get("reply") or {}).get("root")
        root = models.ComAtprotoRepoStrongRef.Main(**thread_root) if thread_root else parent
        client = self._client()
        try:
            created = client.send_post(
                text,
                profile_identify=self.secret("BLUESKY_HANDLE"),
                reply_to=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent),
                langs=list(raw.get("langs") or [])[:1] or None,
            )
        except AtProtocolError as exc:
            raise PostingError(f"Bluesky refused the reply: {exc}") from None
        except ResponseTooLarge as exc:
            raise PostingError(f"Bluesky answered the reply with {exc}") from None
        return created.uri


def mention_from_post(post: models.AppBskyFeedDefs.PostView) -> Mention:
    """A ``Mention`` from one search result; ``ValueError`` when the record is not a readable post."""
    record = post.record
    if not isinstance(record, models.AppBskyFeedPost.Record):  # a post the models cannot read is a DotDict
        raise ValueError("not a readable app.bsky.feed.post record (missing text or createdAt)")
    created_at = _time(record.created_at)
    reply = None
    if record.reply is not None:
        reply = {
            "root": {"uri": record.reply.root.uri, "cid": record.reply.root.cid},
            "parent": {"uri": record.reply.parent.uri, "cid": record.reply.parent.cid},
        }
    author = post.author
    followers = (author.model_extra or {}).get("followersCount") or 0
    rkey = post.uri.rsplit("/", 1)[-1]
    return Mention(
        channel="bluesky",
        external_id=post.uri,
        text=record.text,
        author=Author(handle=author.handle, display_name=author.display_name or "", followers=int(followers)),
        created_at=created_at,
        url=f"https://bsky.app/profile/{author.handle}/post/{rkey}",
        language=(record.langs or [None])[0],
        kind="reply" if reply else "post",
        parent_id=reply["parent"]["uri"] if reply else None,
        raw={
            "uri": post.uri,
            "cid": post.cid,
            "reply": reply,
            "langs": list(record.langs or []),
            "indexed_at": post.indexed_at,
        },
    )


def bounded_request() -> Request:
    """atproto's HTTP layer with our timeout (its own is httpx's 5 s) and the answer size limit."""
    return Request(timeout=TIMEOUT_SECONDS, transport=LimitedTransport())


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _mapped(exc: AtProtocolError, name: str) -> ListenerError:
    """The base error for an ``atproto`` failure."""
    if isinstance(exc, at_errors.RateLimitExceededError):
        wait = exc.retry_after
        if wait is None and exc.reset_at is not None:
            wait = (exc.reset_at - datetime.now(timezone.utc)).total_seconds()
        return RateLimited(f"source '{name}' (bluesky): rate limited", DEFAULT_RETRY_AFTER if wait is None else wait)
    if isinstance(exc, at_errors.NetworkError):
        return TransientError(f"source '{name}' (bluesky): network error ({exc}); will retry")
    if isinstance(exc, at_errors.RequestErrorBase) and exc.response is not None and exc.response.status_code >= 500:
        return TransientError(f"source '{name}' (bluesky): server error {exc}; will retry")
    if isinstance(exc, at_errors.UnauthorizedError):
        return ListenerError(f"source '{name}' (bluesky): not authorised ({exc}); check BLUESKY_APP_PASSWORD")
    return ListenerError(f"source '{name}' (bluesky): {exc}")
