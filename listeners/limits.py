"""How long a listener waits for a platform and how much of its answer it reads.

Every listener's HTTP goes through these bounds (README: "Limits"):

- ``TIMEOUT_SECONDS`` to connect and between bytes of an answer; a timeout is a
  ``TransientError`` (retried later).
- ``MAX_RESPONSE_BYTES`` per answer; a larger one is refused unread with a one-line
  ``ResponseTooLarge``, never held in memory. An answer that declares its length is refused
  before its body is read; one that does not is cut off as soon as it passes the limit.

httpx-based clients (``listeners.webget``, Bluesky's ``atproto``) get ``LimitedTransport``;
requests-based SDKs (tweepy, praw, Mastodon.py) get ``listeners.sessions.BoundedSession``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from triage.errors import ResponseTooLarge

TIMEOUT_SECONDS = 30.0
MAX_RESPONSE_BYTES = 5 * 1024 * 1024  # the largest page a platform sends today is well under 1 MB


def too_large(host: str, limit: int = MAX_RESPONSE_BYTES) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"the answer from {host} is over the {limit // (1024 * 1024)} MB limit; refused unread "
        "(lower the source's page size, or check its URL points at the platform's API or feed)"
    )


def check_declared_length(headers: httpx.Headers | dict[str, str], host: str, limit: int = MAX_RESPONSE_BYTES) -> None:
    """Refuse an answer whose ``Content-Length`` is over ``limit`` before reading it."""
    declared = str(headers.get("content-length") or "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise too_large(host, limit)


class _LimitedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, host: str, limit: int) -> None:
        self._inner, self._host, self._limit = inner, host, limit

    def __iter__(self) -> Iterator[bytes]:
        read = 0
        for chunk in self._inner:
            read += len(chunk)
            if read > self._limit:
                self.close()
                raise too_large(self._host, self._limit)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class LimitedTransport(httpx.BaseTransport):
    """An httpx transport whose answers stop at ``limit`` bytes (``ResponseTooLarge`` beyond)."""

    def __init__(self, limit: int = MAX_RESPONSE_BYTES, inner: httpx.BaseTransport | None = None) -> None:
        self._limit = limit
        self._inner = inner if inner is not None else httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        host = request.url.host
        try:
            check_declared_length(response.headers, host, self._limit)
        except ResponseTooLarge:
            response.close()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_LimitedStream(response.stream, host, self._limit),
                              extensions=response.extensions, request=request)

    def close(self) -> None:
        self._inner.close()

