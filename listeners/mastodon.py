"""Mastodon through ``Mastodon.py``: hashtag timelines, status search and mention notifications.

Configuration (the source's table in ``triage.toml``):

- ``api_base_url`` (required): the instance the account lives on, e.g. ``https://mastodon.social``.
- ``hashtags``: tags to follow, with or without ``#`` (one stream each, ``tag:<name>``).
- ``keywords``: searched with ``/api/v2/search`` (one stream each, ``search:<keyword>``;
  Mastodon only searches statuses that opted into search, or the account's own).
- ``streams``: which of ``["hashtags", "search", "mentions"]`` to read (default: all that are
  configured; ``mentions`` are the account's notifications of type mention).
- ``limit``: statuses per page (default 40, Mastodon's maximum); ``max_pages`` per stream per
  run (default 10); ``local``: hashtag timelines of this instance only (default false).
- ``mastodon_version``: the server's version, so that no request is spent asking (default 4.3.0).
- ``max_characters``: the instance's post length limit; without it, the value in the instance's
  description when Mastodon.py has read it (hashtag timelines do), else Mastodon's 500. Carried on
  each mention, so the reply box and the send path use it (``triage.replies.limits``).

Credentials: ``MASTODON_ACCESS_TOKEN`` (scopes ``read:statuses read:notifications read:search
write:statuses``).

Cursor: JSON ``{stream: STATE}``. Hashtag timelines and notifications answer newest first
and page backwards through the ``Link`` header's ``max_id``; they keep a resumable state
like the X listener: ``{"since_id": N}`` once caught up, and while a walk is under way
``{"since_id": OLD, "max_id": OLDEST_READ, "newest_id": NEWEST_SEEN}``, so that a run
stopped half way asks next time only for ``since_id=OLD, max_id=OLDEST_READ`` (the older
pages it has not stored) and then jumps to ``newest_id``. Notification streams hold
notification ids; ``external_id`` is always the status id. Search has no ``since_id``: it
pages with ``offset`` above ``min_id`` = the stream's ``since_id``, batches keep the old
state until the last page, and if ``max_pages`` cuts it short the state still advances and
the batch says so in ``skipped``. A stream's first run reads one page, not the whole past.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)
from mastodon.utility import parse_version_string

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
from listeners.limits import TIMEOUT_SECONDS
from listeners.sessions import BoundedSession
from triage.records import Author, Mention

STREAM_KINDS = ("hashtags", "search", "mentions")
SECRET = "MASTODON_ACCESS_TOKEN"
DEFAULT_RETRY_AFTER = 60.0
USER_AGENT = "Ascolto/1.0 (social listening)"
BREAKS = {"br": "\n", "p": "\n\n", "div": "\n", "li": "\n", "blockquote": "\n\n"}


class _PlainText(HTMLParser):
    """Text of a status's HTML: line breaks kept, entities decoded, tags dropped, nothing rendered."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BREAKS:
            self.parts.append(BREAKS[tag] if tag == "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in BREAKS and tag != "br":
            self.parts.append(BREAKS[tag])

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """``<p>Hi &amp; bye<br>x</p><p>y</p>`` -> ``"Hi & bye\\nx\\n\\ny"``."""
    parser = _PlainText()
    parser.feed(html or "")
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def _id_key(value: Any) -> tuple[int, str]:
    """Mastodon ids are strings that sort by length, then by text (numeric or flake ids)."""
    text = str(value)
    return len(text), text


def _newer(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return a if _id_key(a) >= _id_key(b) else b


class MastodonListener(Listener):
    """Statuses about the brand on one Mastodon instance, and mentions of the brand's account."""

    kind = "mastodon"
    required_keys = ("api_base_url",)
    requires = "Mastodon.py==2.3.3"
    can_reply = True

    def __init__(self, name: str, config: Any, secrets: Any = None) -> None:
        super().__init__(name, config, secrets)
        self._api: Mastodon | None = None

    def api(self) -> Mastodon:
        """One client per listener (Mastodon.py caches the instance's description on it)."""
        if self._api is None:
            token = self.secret(SECRET)
            base = self.config.get("api_base_url")
            if not base:
                raise ListenerError(
                    f"source '{self.name}' (mastodon): set 'api_base_url' (e.g. https://mastodon.social)"
                )
            version = str(self.config.get("mastodon_version", "4.3.0"))
            api = Mastodon(
                access_token=token,
                api_base_url=str(base),
                version_check_mode="none",
                ratelimit_method="throw",
                mastodon_version=version,
                request_timeout=TIMEOUT_SECONDS,
                session=BoundedSession(),  # answers bounded in size (listeners.limits)
                user_agent=USER_AGENT,
            )
            # version_check_mode "none" leaves the version at 1.0.0; set it so no call is made to ask
            api.mastodon_major, api.mastodon_minor, api.mastodon_patch = parse_version_string(version)
            self._api = api
        return self._api

    def streams(self) -> list[str]:
        wanted = self.config.get("streams") or STREAM_KINDS
        chosen: list[str] = []
        if "hashtags" in wanted:
            chosen += [f"tag:{str(t).lstrip('#')}" for t in self.config.get("hashtags", []) if str(t).strip("# ")]
        if "search" in wanted:
            chosen += [f"search:{k}" for k in self.keywords() if k.strip()]
        if "mentions" in wanted:
            chosen.append("mentions")
        return chosen

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        api = self.api()
        state: dict[str, dict[str, str]] = json.loads(cursor) if cursor else {}
        for stream in self.streams():
            walk = self._search if stream.startswith("search:") else self._timeline
            for mentions, skipped, stream_state in walk(api, stream, state.get(stream, {})):
                if stream_state == state.get(stream, {}) and not mentions and not skipped:
                    continue
                state = {**state, stream: stream_state}
                yield Batch(mentions, json.dumps(state, sort_keys=True), skipped)

    def _timeline(
        self, api: Mastodon, stream: str, start: dict[str, str]
    ) -> Iterator[tuple[list[Mention], list[str], dict[str, str]]]:
        since, max_id, newest = start.get("since_id"), start.get("max_id"), start.get("newest_id")
        first_run = not (since or max_id)
        held: tuple[list[Mention], list[str], dict[str, str]] | None = None  # a page not known to be the last
        for _ in range(1 if first_run else int(self.config.get("max_pages", 10))):
            page = self._call(self._reader(api, stream), since_id=since, max_id=max_id, limit=self._limit())
            if not page:
                break
            newest = _newer(newest, max((item["id"] for item in page if item.get("id")), key=_id_key, default=None))
            mentions, skipped = self._page(page, stream)
            if held is not None:
                yield held
            following = getattr(page, "_pagination_next", None) or {}
            if following.get("max_id") is None or first_run:
                yield mentions, skipped, _present({"since_id": str(newest) if newest else since})
                return
            max_id = str(following["max_id"])
            held = mentions, skipped, _present({"since_id": since, "max_id": max_id, "newest_id": str(newest)})
        else:
            if held is not None:
                yield held  # max_pages reached: the next run goes on from this state
            return
        mentions, skipped = held[:2] if held is not None else ([], [])
        yield mentions, skipped, _present({"since_id": str(newest) if newest else since})

    def _reader(self, api: Mastodon, stream: str) -> Callable[..., Any]:
        if stream == "mentions":
            return lambda **kw: api.notifications(types=["mention"], **_present(kw))
        tag = stream.removeprefix("tag:")
        local = bool(self.config.get("local", False))
        return lambda **kw: api.timeline_hashtag(tag, local=local, **_present(kw))

    def _search(
        self, api: Mastodon, stream: str, start: dict[str, str]
    ) -> Iterator[tuple[list[Mention], list[str], dict[str, str]]]:
        since = start.get("since_id")
        newest = since
        limit = self._limit()
        pages = int(self.config.get("max_pages", 10)) if since else 1
        term = stream.removeprefix("search:")
        offset = 0
        for number in range(1, pages + 1):
            found = self._call(
                api.search_v2, term, resolve=False, result_type="statuses", **_present({"min_id": since}),
                offset=offset or None, limit=limit,
            )
            page = list(found.get("statuses") or [])
            newest = _newer(newest, max((s["id"] for s in page if s.get("id")), key=_id_key, default=None))
            mentions, skipped = self._page(page, stream)
            offset += len(page)
            last = len(page) < limit
            if not last and number == pages and since:
                skipped.append(f"mastodon {stream}: more than {offset} results since the last run; the rest not read")
            done = last or number == pages
            yield mentions, skipped, _present({"since_id": str(newest) if done and newest else since})
            if done:
                return

    def _limit(self) -> int:
        return max(1, min(40, int(self.config.get("limit", 40))))

    def _page(self, page: list[Any], stream: str) -> tuple[list[Mention], list[str]]:
        mentions: list[Mention] = []
        skipped: list[str] = []
        for item in page:
            status, notification_id = (item.get("status"), item.get("id")) if stream == "mentions" else (item, None)
            try:
                if status is None:
                    raise ValueError("notification without a status")
                mentions.append(self._mention(status, stream, notification_id))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                label = (status or {}).get("id") or item.get("id") or "without id"
                reason = f"missing {exc.args[0]}" if isinstance(exc, KeyError) else str(exc)
                skipped.append(f"mastodon {stream}: {label}: {reason}")
        return mentions, skipped

    def _mention(self, status: Any, stream: str, notification_id: Any) -> Mention:
        status_id, account = status.get("id"), status.get("account")
        if not status_id:
            raise ValueError("status without an id")
        if not account or not account.get("acct"):
            raise ValueError("status without an account")
        if status.get("created_at") is None:
            raise ValueError("status without created_at")
        content = plain_text(status.get("content") or "")
        warning = (status.get("spoiler_text") or "").strip()
        parent = status.get("in_reply_to_id")
        return Mention(
            channel="mastodon",
            external_id=str(status_id),
            text=f"{warning}\n\n{content}" if warning else content,
            author=Author(
                handle=str(account["acct"]),
                display_name=str(account.get("display_name") or account.get("username") or ""),
                followers=int(account.get("followers_count") or 0),
            ),
            created_at=status["created_at"],
            url=str(status.get("url") or status.get("uri") or ""),
            language=status.get("language"),
            kind="reply" if parent else "post",
            parent_id=str(parent) if parent else None,
            raw={
                "stream": stream,
                "uri": status.get("uri"),
                "visibility": status.get("visibility"),
                "notification_id": str(notification_id) if notification_id else None,
                "replies_count": status.get("replies_count"),
                "reblogs_count": status.get("reblogs_count"),
                "favourites_count": status.get("favourites_count"),
                **self._instance_limit(),
            },
        )

    def _instance_limit(self) -> dict[str, int]:
        """The instance's post length limit: the source's ``max_characters``, else the instance description
        Mastodon.py already read (hashtag timelines ask for it once; no request is made for this)."""
        value = str(self.config.get("max_characters", ""))
        if not value and self._api is not None:
            described = getattr(self._api, "_Mastodon__instance_v2_cache", None)
            try:
                value = str(described["configuration"]["statuses"]["max_characters"]) if described else ""
            except (KeyError, TypeError):
                value = ""
        return {"max_characters": int(value)} if value.isdigit() and int(value) > 0 else {}

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        where = f"source '{self.name}' (mastodon)"
        try:
            return method(*args, **kwargs)
        except MastodonRatelimitError:
            raise RateLimited(f"{where}: Mastodon rate limit reached", self._retry_after()) from None
        except MastodonServerError as exc:
            raise TransientError(f"{where}: the instance answered {_status(exc)}; will retry") from None
        except MastodonNetworkError as exc:
            if isinstance(exc.__context__, ResponseTooLarge):  # Mastodon.py wraps whatever the session raised
                raise ResponseTooLarge(f"{where}: {exc.__context__}") from None
            raise TransientError(f"{where}: the instance could not be reached; will retry") from None
        except MastodonUnauthorizedError:
            raise ListenerError(f"{where}: the instance refused the token (401); check {SECRET}") from None
        except MastodonNotFoundError:
            raise ListenerError(f"{where}: not found (404); check 'api_base_url'") from None
        except MastodonAPIError as exc:
            if _status(exc).startswith("403"):
                raise ListenerError(f"{where}: forbidden (403); check {SECRET} and its scopes") from None
            raise ListenerError(f"{where}: the instance answered {_status(exc)}") from None
        except MastodonError as exc:
            raise ListenerError(f"{where}: {exc}") from None

    def _retry_after(self) -> float:
        """Seconds until ``X-RateLimit-Reset`` (Mastodon.py keeps it, adjusted to our clock)."""
        reset = self.api().ratelimit_reset
        if reset is None:
            return DEFAULT_RETRY_AFTER
        return max(0.0, float(reset) - time.time())

    def post_reply(self, target: ReplyTarget, text: str) -> str:
        """Post ``text`` in reply to status ``target.external_id``; returns the new status id.

        The author is mentioned at the start (Mastodon only notifies mentioned accounts), and a
        reply to a direct message stays direct. Failures are ``PostingError`` and not retried.
        """
        return self.post_reply_once(target, text, "")

    def post_reply_once(self, target: ReplyTarget, text: str, idempotency_key: str) -> str:
        """``post_reply`` with Mastodon's ``Idempotency-Key`` header: the instance answers a repeated
        request with the same key (for an hour) with the status it already made."""
        handle = f"@{target.author_handle.lstrip('@')}"
        body = text if handle.lower() in text.lower() else f"{handle} {text}"
        visibility = "direct" if target.raw.get("visibility") == "direct" else None
        try:
            status = self.api().status_post(body, in_reply_to_id=target.external_id, visibility=visibility,
                                            idempotency_key=idempotency_key or None)
        except MastodonRatelimitError:
            raise PostingError("Mastodon rate limit reached; try again later") from None
        except MastodonNetworkError:
            raise PostingError("the Mastodon instance could not be reached; try again") from None
        except MastodonUnauthorizedError:
            raise PostingError(f"the Mastodon instance refused the token (401); check {SECRET}") from None
        except MastodonError as exc:
            raise PostingError(f"Mastodon refused the reply ({_status(exc)})") from None
        return str(status["id"])


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _status(exc: Exception) -> str:
    """``"422 Unprocessable Entity: Validation failed: Text can't be blank"`` from Mastodon.py's error args."""
    args = exc.args
    if len(args) >= 4 and isinstance(args[1], int):
        detail = f": {args[3]}" if args[3] else ""
        return f"{args[1]} {args[2]}{detail}"
    return str(exc)
