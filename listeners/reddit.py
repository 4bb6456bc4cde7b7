"""Reddit through ``praw`` (a script app): subreddit search, new posts and comments, inbox mentions.

Configuration (the source's table in ``triage.toml``):

- ``subreddits``: names without ``r/`` (e.g. ``["lumora", "BuyItForLife"]``), read together.
- ``query``: the search query; when absent it is built from ``keywords`` (``lumora OR "lumora app"``).
- ``streams``: which of ``["search", "submissions", "comments", "mentions"]`` to read (default:
  all; the first three need ``subreddits``, ``submissions``/``comments`` keep only items whose
  text contains a keyword, ``mentions`` is the account's inbox of username mentions).
- ``page_size``: items per request (default 100, Reddit's maximum).
- ``max_items``: items per stream per run (default 1000, about what Reddit lists at all);
  a source's first run reads one page per stream.
- ``user_agent``: defaults to ``python:ascolto:1.0 (by /u/<REDDIT_USERNAME>)``.

Credentials: ``REDDIT_CLIENT_ID``, ``REDDIT_CLIENT_SECRET``, ``REDDIT_USERNAME``, ``REDDIT_PASSWORD``.

Mentions: ``external_id`` is the fullname (``t3_...`` for a submission, ``t1_...`` for a
comment), which is also what ``post_reply`` answers; ``parent_id`` is the comment's parent
fullname.

Cursor: JSON ``{stream: {"created_utc": T, "name": FULLNAME}}``, the newest item seen per
stream. Listings are newest first, so a stream is read until an item is older than ``T`` or
is ``FULLNAME`` itself (items from the same second are read again; the store's upsert keeps
one copy). Batches carry the previous cursor until the stream's walk is over and only the
last one advances it: a run stopped half way (crash, 429, 5xx) reads that stream again from
the top next time, so no older unread item is skipped. Reddit's ``after`` paging is not
stored, since an ``after`` item that was deleted meanwhile would end the listing early.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import praw
import praw.exceptions
import prawcore

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

STREAMS = ("search", "submissions", "comments", "mentions")
SECRETS = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USERNAME", "REDDIT_PASSWORD")
SITE = "https://www.reddit.com"
DEFAULT_RETRY_AFTER = 60.0


def keyword_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    """Any keyword as a whole word, ignoring case (``None`` when there are none)."""
    words = [re.escape(k.strip()) for k in keywords if k.strip()]
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


def build_query(keywords: list[str]) -> str:
    return " OR ".join(f'"{k}"' if any(c.isspace() for c in k) else k for k in keywords if k.strip())


class RedditListener(Listener):
    """Submissions and comments about the brand, and the brand account's username mentions."""

    kind = "reddit"
    requires = "praw==8.0.3"
    can_reply = True

    def client(self) -> praw.Reddit:
        creds = {name: self.secret(name) for name in SECRETS}
        agent = self.config.get("user_agent") or f"python:ascolto:1.0 (by /u/{creds['REDDIT_USERNAME']})"
        return praw.Reddit(
            client_id=creds["REDDIT_CLIENT_ID"],
            client_secret=creds["REDDIT_CLIENT_SECRET"],
            username=creds["REDDIT_USERNAME"],
            password=creds["REDDIT_PASSWORD"],
            user_agent=agent,
            check_for_updates=False,
            ratelimit_seconds=0,
            timeout=int(TIMEOUT_SECONDS),
            requestor_kwargs={"session": BoundedSession()},  # answers bounded in size (listeners.limits)
        )

    def streams(self) -> list[str]:
        subreddits = bool(self.config.get("subreddits"))
        available = {
            "search": subreddits and bool(self.query()),
            "submissions": subreddits and bool(self.keywords()),
            "comments": subreddits and bool(self.keywords()),
            "mentions": True,
        }
        wanted = self.config.get("streams") or STREAMS
        unknown = sorted(set(wanted) - set(STREAMS))
        if unknown:
            raise ListenerError(f"source '{self.name}' (reddit): unknown streams {unknown}; use {list(STREAMS)}")
        chosen = [s for s in STREAMS if s in wanted and available[s]]
        if not chosen:
            raise ListenerError(f"source '{self.name}' (reddit) has nothing to read: set 'subreddits' and 'keywords'")
        return chosen

    def query(self) -> str:
        return str(self.config.get("query") or build_query(self.keywords()))

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        reddit = self.client()
        state: dict[str, dict[str, Any]] = json.loads(cursor) if cursor else {}
        for stream in self.streams():
            since = state.get(stream)
            newest = since
            pending: list[Mention] = []
            skipped: list[str] = []
            held: Batch | None = None  # a full page, handed out once we know whether it is the last
            examined = 0
            for item in self._guarded(self._listing(reddit, stream, since)):
                data = vars(item)
                created, name = data.get("created_utc"), data.get("name")
                if since and (name == since["name"] or (created is not None and created < since["created_utc"])):
                    break
                examined += 1
                try:
                    mention = self._mention(item, stream)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    skipped.append(f"reddit {stream}: {name or 'item without id'}: {_reason(exc)}")
                else:
                    if mention is not None:
                        pending.append(mention)
                    if newest is None or mention_key(data) > (newest["created_utc"], newest["name"]):
                        newest = {"created_utc": float(data["created_utc"]), "name": str(data["name"])}
                if examined % self._page_size() == 0:
                    if held is not None:
                        yield held
                    held = Batch(pending, json.dumps(state, sort_keys=True), skipped)
                    pending, skipped = [], []
            state = {**state, stream: newest} if newest else state
            if held is not None and (pending or skipped):
                yield held
            elif held is not None:
                pending, skipped = held.mentions, held.skipped
            if pending or skipped or newest != since:
                yield Batch(pending, json.dumps(state, sort_keys=True), skipped)

    def _page_size(self) -> int:
        return max(1, min(100, int(self.config.get("page_size", 100))))

    def _listing(self, reddit: praw.Reddit, stream: str, since: dict[str, Any] | None) -> Iterable[Any]:
        limit = int(self.config.get("max_items", 1000)) if since else self._page_size()
        kwargs: dict[str, Any] = {"limit": limit, "request_limit": self._page_size()}
        if stream == "mentions":
            return reddit.inbox.mentions(**kwargs)
        subreddit = reddit.subreddit("+".join(str(s).removeprefix("r/") for s in self.config["subreddits"]))
        if stream == "search":
            return subreddit.search(self.query(), sort="new", time_filter="all", **kwargs)
        if stream == "submissions":
            return subreddit.new(**kwargs)
        return subreddit.comments(**kwargs)

    def _mention(self, item: Any, stream: str) -> Mention | None:
        """The item as a mention; ``None`` when a new post or comment does not name the brand."""
        data = vars(item)  # never attribute access: a missing attribute makes praw fetch it
        name = str(data["name"])
        author = data.get("author")
        if author is None:
            raise ValueError("no author (deleted)")
        is_post = name.startswith("t3_")
        text = f"{data['title']}\n\n{data.get('selftext') or ''}".strip() if is_post else str(data["body"])
        if stream in ("submissions", "comments"):
            pattern = keyword_pattern(self.keywords())
            if pattern is None or not pattern.search(text):
                return None
        link = data.get("permalink") or data.get("context") or ""
        subreddit = data.get("subreddit")
        return Mention(
            channel="reddit",
            external_id=name,
            text=text,
            author=Author(handle=str(author.name), display_name=str(author.name)),
            created_at=datetime.fromtimestamp(float(data["created_utc"]), tz=timezone.utc),
            url=SITE + link if link.startswith("/") else link,
            kind="post" if is_post else "reply",
            parent_id=None if is_post else data.get("parent_id"),
            raw={
                "stream": stream,
                "fullname": name,
                "subreddit": str(subreddit) if subreddit is not None else None,
                "score": data.get("score"),
                "num_comments": data.get("num_comments"),
                "link_id": data.get("link_id"),
            },
        )

    def _guarded(self, listing: Iterable[Any]) -> Iterator[Any]:
        """The listing's items, with praw's and prawcore's failures as the base errors."""
        iterator = iter(listing)  # lazy: no request until the first item is asked for
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                return
            except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as exc:
                raise self._mapped(exc) from None
            yield item

    def _mapped(self, exc: Exception) -> Exception:
        where = f"source '{self.name}' (reddit)"
        if isinstance(exc, prawcore.TooManyRequests):
            return RateLimited(f"{where}: Reddit rate limit reached", _retry_after(exc.response.headers))
        if isinstance(exc, prawcore.ServerError):
            return TransientError(f"{where}: Reddit answered {exc.response.status_code}; will retry")
        if isinstance(exc, prawcore.RequestException) and isinstance(exc.original_exception, ResponseTooLarge):
            return ResponseTooLarge(f"{where}: {exc.original_exception}")
        if isinstance(exc, prawcore.RequestException):
            return TransientError(f"{where}: Reddit could not be reached ({type(exc.original_exception).__name__})")
        if isinstance(exc, prawcore.OAuthException):
            return ListenerError(
                f"{where}: Reddit refused the login ({exc.error}); check REDDIT_USERNAME and REDDIT_PASSWORD"
            )
        if isinstance(exc, (prawcore.Redirect, prawcore.NotFound)):
            return ListenerError(f"{where}: a subreddit does not exist or is private; check 'subreddits'")
        if isinstance(exc, prawcore.ResponseException):
            status = exc.response.status_code
            if status >= 500:
                return TransientError(f"{where}: Reddit answered {status}; will retry")
            if status in (401, 403):
                return ListenerError(
                    f"{where}: Reddit refused access ({status}); check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
                )
            return ListenerError(f"{where}: Reddit answered {status}")
        return ListenerError(f"{where}: {exc}")

    def post_reply(self, target: ReplyTarget, text: str) -> str:
        """Reply to the submission (``t3_``) or comment (``t1_``) ``target.external_id``.

        Returns the new comment's fullname. Every failure is a ``PostingError`` carrying
        Reddit's words; nothing is retried, as a post that timed out may have gone through.
        """
        fullname = str(target.raw.get("fullname") or target.external_id)
        kind, _, base36 = fullname.partition("_")
        if kind not in ("t1", "t3") or not base36:
            raise PostingError(f"cannot reply on Reddit to '{fullname}': expected a t1_ or t3_ fullname")
        reddit = self.client()
        thing = reddit.submission(id=base36) if kind == "t3" else reddit.comment(id=base36)
        try:
            comment = thing.reply(text)
        except praw.exceptions.RedditAPIException as exc:
            words = "; ".join(f"{i.error_type}: {i.message}" for i in exc.items)
            raise PostingError(f"Reddit refused the reply ({words})") from None
        except prawcore.PrawcoreException as exc:
            raise PostingError(f"Reddit refused the reply ({self._mapped(exc)})") from None
        if comment is None:
            raise PostingError("Reddit accepted the reply but returned no comment; check the thread on Reddit")
        return str(comment.fullname)


def mention_key(data: dict[str, Any]) -> tuple[float, str]:
    return float(data["created_utc"]), str(data["name"])


def _retry_after(headers: Any) -> float:
    """Seconds to wait: ``Retry-After``, else Reddit's ``x-ratelimit-reset`` (seconds to reset)."""
    for header in ("retry-after", "x-ratelimit-reset"):
        value = headers.get(header)
        if value:
            try:
                return float(value)
            except ValueError:
                continue
    return DEFAULT_RETRY_AFTER


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]}"
    return str(exc)
