"""A ``requests`` session bounded in time and size, for the SDKs built on requests (tweepy, praw, Mastodon.py).

Every request gets ``listeners.limits.TIMEOUT_SECONDS`` unless the SDK sets its own, and its
answer is read here, in chunks, up to ``MAX_RESPONSE_BYTES`` (``ResponseTooLarge`` beyond);
the SDK then finds the body already read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from listeners.limits import MAX_RESPONSE_BYTES, TIMEOUT_SECONDS, check_declared_length, too_large

_CHUNK = 64 * 1024


class BoundedSession(requests.Session):
    """``requests.Session`` whose requests time out and whose answers stop at ``limit`` bytes."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS, limit: int = MAX_RESPONSE_BYTES) -> None:
        super().__init__()
        self.timeout, self.limit = timeout, limit

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        kwargs["stream"] = True  # read below, bounded; the SDK sees a response already read
        response = super().request(method, url, *args, **kwargs)
        try:
            read_bounded(response, self.limit)
        except BaseException:
            response.close()
            raise
        return response


def read_bounded(response: requests.Response, limit: int = MAX_RESPONSE_BYTES) -> None:
    """Read ``response``'s body into it, or raise ``ResponseTooLarge`` past ``limit`` (decoded) bytes."""
    host = urlsplit(response.url).hostname or "the platform"
    check_declared_length(dict(response.headers), host, limit)
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > limit:
            raise too_large(host, limit)
    response._content = bytes(body)  # what requests' own ``content`` property stores once read
