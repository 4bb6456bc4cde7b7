"""X (Twitter) API v2 through ``tweepy.Client``: recent search and the brand's mentions timeline.

Configuration (the source's table in ``triage.toml``):

- ``query``: a recent-search query; when absent it is built from ``keywords`` (and
  ``username``, the brand's handle without ``@``) as ``(kw OR "two words" OR @brand) -is:retweet``.
- ``user_id``: the brand account's numeric id; enables the mentions-timeline stream.
- ``streams``: which of ``["search", "mentions"]`` to read (default: each one configured).
- ``max_results``: tweets per page, 10-100 (default 100).
- ``max_pages``: pages per stream per run (default 10); the rest is read on the next run.

Credentials: ``X_BEARER_TOKEN`` for reading; ``X_CONSUMER_KEY``, ``X_CONSUMER_SECRET``,
``X_ACCESS_TOKEN`` and ``X_ACCESS_TOKEN_SECRET`` (user context) for replying.

Cursor: JSON ``{"search": STATE, "mentions": STATE}``. Both endpoints answer newest first
and page backwards in time, so a stream is "caught up" only once its last page is read.
A finished stream's state is ``{"since_id": N}`` (the newest tweet seen). While a walk
is under way each batch carries ``{"since_id": OLD, "until_id": OLDEST_READ, "newest_id":
NEWEST_SEEN}``: resuming from it (after a crash, a 429 or ``max_pages``) asks for
``since_id=OLD, until_id=OLDEST_READ``, exactly the older pages not yet stored, and when
that walk ends ``since_id`` jumps to ``newest_id``. So a run that stops half way neither
skips the unread older tweets (as advancing to ``newest_id`` early would) nor rereads the
pages already stored (as keeping the old cursor until the end would); ``next_token`` is
only used within one run, as it is not meant to outlive the query that produced it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import requests
import tweepy

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
from listeners.sessions import BoundedSession
from triage.records import Author, Mention

# tweepy logs each request's headers (the bearer token) at DEBUG; credentials must never reach a log
logging.getLogger("tweepy.client").setLevel(logging.INFO)

STREAMS = ("search", "mentions")
TWEET_FIELDS = [
    "author_id",
    "created_at",
    "lang",
    "conversation_id",
    "public_metrics",
    "referenced_tweets",
    "in_reply_to_user_id",
    "note_tweet",
]
USER_FIELDS = ["public_metrics", "verified", "username", "name"]
DEFAULT_RETRY_AFTER = 60.0
READ_SECRET = "X_BEARER_TOKEN"
WRITE_SECRETS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")


def build_query(keywords: list[str], username: str | None = None) -> str:
    """A recent-search query matching any keyword (or the brand's handle), without retweets."""
    terms = [f'"{k}"' if any(c.isspace() for c in k) else k for k in keywords if k.strip()]
    if username:
        terms.append("@" + username.lstrip("@"))
    if not terms:
        return ""
    return f"({' OR '.join(terms)}) -is:retweet"


class XListener(Listener):
    """Tweets that mention the brand: recent search and the account's mentions timeline."""

    kind = "x"
    required_keys = (("query", "user_id", "keywords"),)
    requires = "tweepy==4.17.0"
    can_reply = True

    def streams(self) -> list[str]:
        available = []
        if self.query():
            available.append("search")
        if self.config.get("user_id"):
            available.append("mentions")
        wanted = self.config.get("streams")
        chosen = [s for s in available if wanted is None or s in wanted]
        if not chosen:
            raise ListenerError(
                f"source '{self.name}' (x) has nothing to read: set 'query' or 'keywords', or 'user_id'"
            )
        return chosen

    def query(self) -> str:
        return str(self.config.get("query") or build_query(self.keywords(), self.config.get("username")))

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        client = tweepy.Client(bearer_token=self.secret(READ_SECRET), return_type=dict, wait_on_rate_limit=False)
        client.session = BoundedSession()  # tweepy's own session has no timeout and reads any size
        streams = self.streams()
        state: dict[str, dict[str, str]] = json.loads(cursor) if cursor else {}
        for stream in streams:
            for mentions, skipped, stream_state in self._walk(client, stream, state.get(stream, {})):
                if stream_state == state.get(stream, {}) and not mentions and not skipped:
                    continue
                state = {**state, stream: stream_state}
                yield Batch(mentions, json.dumps(state, sort_keys=True), skipped)

    def _walk(
        self, client: tweepy.Client, stream: str, start: dict[str, str]
    ) -> Iterator[tuple[list[Mention], list[str], dict[str, str]]]:
        """Pages of one stream, each with the stream's state once that page is stored."""
        since, until, newest = start.get("since_id"), start.get("until_id"), start.get("newest_id")
        page_size = int(self.config.get("max_results", 100))
        params: dict[str, Any] = {
            "expansions": ["author_id"],
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "max_results": page_size,
            "since_id": since,
            "until_id": until,
        }
        token: str | None = None
        for _ in range(int(self.config.get("max_pages", 10))):
            try:
                body = self._page_body(client, stream, token, params)
            except _StaleSinceId:
                # X keeps 7 days of search (800 mentions): an older since_id is refused; read what is left
                since = until = newest = token = params["since_id"] = params["until_id"] = None
                body = self._page_body(client, stream, token, params)
            meta = body.get("meta", {})
            newest = newest or meta.get("newest_id")
            mentions, skipped = self._page(body, stream)
            token = meta.get("next_token")
            if token and meta.get("oldest_id"):
                walking = {"since_id": since, "until_id": meta["oldest_id"], "newest_id": newest}
                yield mentions, skipped, _present(walking)
                continue
            yield mentions, skipped, _present({"since_id": newest or since})
            return

    def _page_body(
        self, client: tweepy.Client, stream: str, token: str | None, params: dict[str, Any]
    ) -> dict[str, Any]:
        if stream == "search":
            return self._call(client.search_recent_tweets, self.query(), next_token=token, **_present(params))
        user_id = self.config["user_id"]
        return self._call(client.get_users_mentions, user_id, pagination_token=token, **_present(params))

    def _page(self, body: dict[str, Any], stream: str) -> tuple[list[Mention], list[str]]:
        users = {u.get("id"): u for u in body.get("includes", {}).get("users", []) if isinstance(u, dict)}
        mentions: list[Mention] = []
        skipped: list[str] = []
        for tweet in body.get("data") or []:
            try:
                mentions.append(self._mention(tweet, users, stream))
            except (KeyError, TypeError, ValueError) as exc:
                label = tweet.get("id", "without id") if isinstance(tweet, dict) else "without id"
                skipped.append(f"x {stream}: tweet {label}: {_reason(exc)}")
        return mentions, skipped

    def _mention(self, tweet: dict[str, Any], users: dict[Any, dict[str, Any]], stream: str) -> Mention:
        tweet_id = str(tweet["id"])
        user = users.get(tweet.get("author_id"))
        if user is None:
            raise ValueError(f"author {tweet.get('author_id')} not in includes.users")
        username = user["username"]
        parent = next(
            (str(r["id"]) for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"), None
        )
        note = tweet.get("note_tweet") or {}
        return Mention(
            channel="x",
            external_id=tweet_id,
            text=note.get("text") or tweet["text"],
            author=Author(
                handle=username,
                display_name=user.get("name", ""),
                followers=int((user.get("public_metrics") or {}).get("followers_count", 0)),
                verified=bool(user.get("verified", False)),
            ),
            created_at=datetime.fromisoformat(tweet["created_at"]),
            url=f"https://x.com/{username}/status/{tweet_id}",
            language=tweet.get("lang"),
            kind="reply" if parent else "post",
            parent_id=parent,
            raw={
                "stream": stream,
                "conversation_id": tweet.get("conversation_id"),
                "public_metrics": tweet.get("public_metrics", {}),
                "author_id": tweet.get("author_id"),
                "in_reply_to_user_id": tweet.get("in_reply_to_user_id"),
            },
        )

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return method(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            wait = exc.reset_time - time.time() if exc.reset_time else DEFAULT_RETRY_AFTER
            raise RateLimited(f"X rate limit reached for source '{self.name}'; waiting for the reset", wait) from None
        except tweepy.TwitterServerError as exc:
            raise TransientError(f"X answered {_status(exc)} for source '{self.name}'; will retry") from None
        except tweepy.BadRequest as exc:
            if any("since_id" in str(m) for m in exc.api_messages):
                raise _StaleSinceId() from None
            raise ListenerError(
                f"X refused the request of source '{self.name}': {_api_message(exc)}; check 'query'"
            ) from None
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise ListenerError(
                f"X refused source '{self.name}' ({_status(exc)}): check {READ_SECRET} and the app's access level"
            ) from None
        except tweepy.HTTPException as exc:
            raise ListenerError(f"X answered {_status(exc)} for source '{self.name}': {_api_message(exc)}") from None
        except requests.Timeout as exc:
            raise TransientError(f"X did not answer in time for source '{self.name}' ({type(exc).__name__}); "
                                 "will retry") from None
        except requests.RequestException as exc:
            raise TransientError(f"X could not be reached for source '{self.name}': {type(exc).__name__}") from None
        except ResponseTooLarge as exc:
            raise ResponseTooLarge(f"source '{self.name}' (x): {exc}") from None

    def post_reply(self, target: ReplyTarget, text: str) -> str:
        """Post ``text`` in reply to the tweet ``target.external_id``; returns the new tweet's id.

        Failures of any kind become ``PostingError`` (never retried: a post that timed out
        may have been published, and a second try would answer twice).
        """
        keys = {name: self.secret(name) for name in WRITE_SECRETS}
        client = tweepy.Client(
            consumer_key=keys["X_CONSUMER_KEY"],
            consumer_secret=keys["X_CONSUMER_SECRET"],
            access_token=keys["X_ACCESS_TOKEN"],
            access_token_secret=keys["X_ACCESS_TOKEN_SECRET"],
            return_type=dict,
            wait_on_rate_limit=False,
        )
        client.session = BoundedSession()
        try:
            body = client.create_tweet(text=text, in_reply_to_tweet_id=target.external_id, user_auth=True)
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise PostingError(
                f"X refused the reply ({_status(exc)}: {_api_message(exc)}); "
                "check X_ACCESS_TOKEN and its write permission"
            ) from None
        except tweepy.HTTPException as exc:
            raise PostingError(f"X refused the reply ({_status(exc)}: {_api_message(exc)})") from None
        except requests.RequestException as exc:
            raise PostingError(f"X could not be reached to post the reply ({type(exc).__name__}); try again") from None
        except ResponseTooLarge as exc:
            raise PostingError(f"X answered the reply with {exc}") from None
        return str(body["data"]["id"])


class _StaleSinceId(Exception):
    """X refused a ``since_id`` older than what the endpoint keeps."""


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _status(exc: tweepy.HTTPException) -> str:
    return f"{exc.response.status_code} {exc.response.reason}"


def _api_message(exc: tweepy.HTTPException) -> str:
    """The platform's own words: v1-style ``errors`` or the v2 problem's ``detail``."""
    if exc.api_messages:
        return "; ".join(str(m) for m in exc.api_messages)
    try:
        body = exc.response.json()
    except ValueError:
        return "no details"
    return str(body.get("detail") or body.get("title") or "no details") if isinstance(body, dict) else "no details"


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]}"
    return str(exc)
