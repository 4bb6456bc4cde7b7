"""Every listener kind, registered in one place."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from listeners.appstore import AppStoreListener
from listeners.base import Listener
from listeners.bluesky import BlueskyListener
from listeners.files import FolderListener
from listeners.googleplay import GooglePlayListener
from listeners.mastodon import MastodonListener
from listeners.reddit import RedditListener
from listeners.rss import RssListener
from listeners.x import XListener
from triage.errors import TriageError

LISTENERS: dict[str, type[Listener]] = {
    FolderListener.kind: FolderListener,
    XListener.kind: XListener,
    RedditListener.kind: RedditListener,
    MastodonListener.kind: MastodonListener,
    BlueskyListener.kind: BlueskyListener,
    AppStoreListener.kind: AppStoreListener,
    GooglePlayListener.kind: GooglePlayListener,
    RssListener.kind: RssListener,
}


def create(kind: str, name: str, config: Mapping[str, Any], secrets: Mapping[str, str] | None = None) -> Listener:
    """The listener of ``kind`` for the source ``name``."""
    try:
        cls = LISTENERS[kind]
    except KeyError:
        known = ", ".join(sorted(LISTENERS))
        raise TriageError(f"unknown listener '{kind}' for source '{name}'; known: {known}") from None
    return cls(name, config, secrets)


def register(cls: type[Listener]) -> type[Listener]:
    """Add a listener kind (usable as a class decorator); ``[listeners] modules`` in triage.toml uses it."""
    if not cls.kind:
        raise TriageError(f"{cls.__name__} has no kind; set the class attribute 'kind'")
    LISTENERS[cls.kind] = cls
    return cls


_KEPT: dict[tuple[str, str, str], Listener] = {}


def kept(kind: str, name: str, config: Mapping[str, Any], secrets: Mapping[str, str]) -> Listener:
    """Like ``create``, but the same listener for the life of the process.

    ``listen --every``, "Fetch now" and sending replies reuse it, so a platform session
    (Bluesky allows about 30 logins in 5 minutes) or a client's instance check happens
    once, not on every poll or reply. A change of the source's options or of any
    credential builds a new one.
    """
    options = json.dumps(config, sort_keys=True, default=lambda o: f"{type(o).__name__}@{id(o)}")
    credentials = json.dumps(sorted(secrets.items()))
    key = (name, kind, hashlib.sha256(f"{options}|{credentials}".encode()).hexdigest())
    if key not in _KEPT:
        for stale in [k for k in _KEPT if k[0] == name]:
            del _KEPT[stale]
        _KEPT[key] = create(kind, name, config, secrets)
    return _KEPT[key]
