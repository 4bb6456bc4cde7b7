"""Plain HTTP GETs for listeners without a client library, with the base errors for failures.

Every request is bounded by ``listeners.limits``: a timeout is a ``TransientError``, an answer
over ``MAX_RESPONSE_BYTES`` a ``ResponseTooLarge`` naming the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.message import Message
from email.utils import parsedate_to_datetime

import httpx

from listeners import limits
from listeners.base import RateLimited, ResponseTooLarge, TransientError

DEFAULT_RETRY_AFTER = 60.0
USER_AGENT = "Ascolto/1.0 (social listening; +https://github.com/ascolto)"


def new_client(timeout: float | None = None) -> httpx.Client:
    """A client whose answers are bounded in time (default ``TIMEOUT_SECONDS``) and size (``listeners.limits``)."""
    return httpx.Client(timeout=limits.TIMEOUT_SECONDS if timeout is None else timeout, follow_redirects=True,
                        headers={"User-Agent": USER_AGENT}, transport=limits.LimitedTransport())


def retry_after(headers: Mapping[str, str] | Message, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), else ``default``."""
    value = headers.get("retry-after")
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def get(client: httpx.Client, url: str, what: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """GET ``url``; 429 raises ``RateLimited``, 5xx, network failures and timeouts ``TransientError``.

    Other answers (2xx, 304, 4xx) are returned for the caller to judge. ``what`` names the
    source in messages.
    """
    return request(client, "GET", url, what, headers)


def request(
    client: httpx.Client, method: str, url: str, what: str, headers: Mapping[str, str] | None = None,
    content: str | bytes | None = None,
) -> httpx.Response:
    """Send ``method`` to ``url`` (with ``content`` as body); errors as ``get``'s."""
    try:
        response = client.request(method, url, headers=dict(headers or {}), content=content)
    except httpx.TimeoutException as exc:
        raise TransientError(f"{what}: {url} did not answer in time ({type(exc).__name__}); will retry") from None
    except httpx.TransportError as exc:
        raise TransientError(f"{what}: network error reaching {url} ({type(exc).__name__}); will retry") from None
    except ResponseTooLarge as exc:
        raise ResponseTooLarge(f"{what}: {exc}") from None
    if response.status_code == 429:
        raise RateLimited(f"{what}: rate limited by {response.url.host}", retry_after(response.headers))
    if response.status_code >= 500:
        raise TransientError(f"{what}: {url} answered {response.status_code}; will retry")
    return response
