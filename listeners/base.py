"""The one interface every listener implements, and the errors a listener may raise.

A listener turns a platform's API into ``Batch``es of ``Mention``s. It never touches the
database: the runner (``triage.ingest.listening``) stores each batch, then the batch's cursor, so
a crash between the two refetches the batch and the store's upsert makes that harmless.

Errors a listener raises, and what the runner does with them:

- ``SourceDisabled`` (``MissingCredentials``, or ``MissingPackage`` from ``listeners.registry``
  when the listener's SDK is not installed): the source is disabled for this run with the
  one-line message; the other sources run.
- ``RateLimited``: the runner waits until ``retry_after`` seconds have passed (bounded)
  and calls ``fetch`` again with the last committed cursor.
- ``TransientError`` (5xx, network, timeout): retried with exponential backoff, then the run
  gives up for this source with its cursor unchanged.
- ``ResponseTooLarge``: an answer over ``listeners.limits.MAX_RESPONSE_BYTES`` was refused
  unread; recorded as the source's last error like any other ``ListenerError``.
- Any other ``ListenerError``: recorded as the source's last error.

A malformed item is not an error: the listener skips it and names it in ``Batch.skipped``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# The errors a listener raises are defined with every other error in ``triage.errors``; listeners import them from here.
from triage.errors import (  # noqa: F401
    ListenerError,
    MissingCredentials,
    MissingPackage,
    PostingError,
    RateLimited,
    ResponseTooLarge,
    SourceDisabled,
    TransientError,
)
from triage.records import Mention


@dataclass
class Batch:
    """Mentions fetched together, and the cursor that is valid once they are stored."""

    mentions: list[Mention]
    cursor: str | None
    skipped: list[str] = field(default_factory=list)  # one line per malformed item


@dataclass(frozen=True)
class ReplyTarget:
    """What a listener needs to answer a stored mention on its platform."""

    channel: str
    external_id: str
    author_handle: str
    parent_id: str | None
    url: str
    raw: Mapping[str, Any]


class Listener(ABC):
    """Fetches mentions from one source, resuming from the cursor it returned last time.

    ``config`` is the source's table from ``triage.toml`` (with the brand's ``keywords``
    added when the source sets none); ``secrets`` maps credential names (environment
    variables or ``.streamlit/secrets.toml`` keys) to values and is never logged.
    """

    kind: str = ""
    can_reply: bool = False
    # Keys the source's table must set; a tuple inside means "at least one of these". Write them
    # (and ``requires``) as literals: ``listeners.registry`` reads them from the source text when
    # the listener's SDK is missing.
    required_keys: tuple[str | tuple[str, ...], ...] = ()
    requires: str = ""  # what to pip install for the listener's SDK, pinned as in requirements.txt

    def __init__(self, name: str, config: Mapping[str, Any], secrets: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.config = dict(config)
        self._secrets: Mapping[str, str] = secrets if secrets is not None else {}  # the Context's, when given

    def secret(self, variable: str) -> str:
        """The credential ``variable``, or ``MissingCredentials`` naming it."""
        value = self._secrets.get(variable)
        if not value:
            raise MissingCredentials(f"source '{self.name}' ({self.kind}) disabled: set {variable}")
        return value

    def keywords(self) -> list[str]:
        return [str(k) for k in self.config.get("keywords", [])]

    @abstractmethod
    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        """Yield batches of mentions newer than ``cursor``, each with the cursor after it."""

    def post_reply(self, target: ReplyTarget, text: str) -> str:
        """Post ``text`` as a reply to ``target`` on the platform; returns the reply's platform id."""
        raise PostingError(f"{self.kind} does not allow replying from Ascolto; answer on the platform itself")

    def post_reply_once(self, target: ReplyTarget, text: str, idempotency_key: str) -> str:
        """``post_reply``, for platforms that take an idempotency key (e.g. Mastodon's ``Idempotency-Key``
        header): override it to send ``idempotency_key`` along, so a repeated request cannot post twice.
        Optional; by default the key is not sent. Ascolto itself never posts the same reply twice."""
        return self.post_reply(target, text)

    def find_reply(self, target: ReplyTarget, idempotency_key: str, text: str) -> str | None:
        """The platform id of a reply Ascolto posted to ``target`` (with ``text``, under ``idempotency_key``),
        or ``None`` when it is not there or the platform cannot say.

        Optional: ``triage.replies.reconcile`` calls it for a reply whose post was interrupted (a crash
        between the platform's answer and the database). ``None`` flags the mention for a person to check;
        the reply is never posted again on a guess. Nothing is ever embedded in the post text to find it.
        """
        return None
