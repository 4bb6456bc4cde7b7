"""Plain HTTP GETs for listeners without a client library, with the base errors for failures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.message import Message
from email.utils import parsedate_to_datetime

import httpx

from listeners.base import RateLimited, TransientError

DEFAULT_RETRY_AFTER = 60.0
USER_AGENT = "Ascolto/1.0 (social listening; +https://github.com/ascolto)"


def new_client(timeout: float = 30.0) -> httpx.Client:
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})


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
    """GET ``url``; 429 raises ``RateLimited``, 5xx and network failures ``TransientError``.

    Other answers (2xx, 304, 4xx) are returned for the caller to judge. ``what`` names the
    source in messages.
    """
    try:
        response = client.get(url, headers=dict(headers or {}))
    except httpx.TransportError as exc:
        raise TransientError(f"{what}: network error reaching {url} ({type(exc).__name__}); will retry") from None
    if response.status_code == 429:
        raise RateLimited(f"{what}: rate limited by {response.url.host}", retry_after(response.headers))
    if response.status_code >= 500:
        raise TransientError(f"{what}: {url} answered {response.status_code}; will retry")
    return response
