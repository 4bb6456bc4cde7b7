"""Text normalisation as TweetEval does it: handles to ``@user``, links to ``http``."""

from __future__ import annotations

import html
import re

_HANDLE = re.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Decode HTML entities, replace user handles with ``@user`` and links with ``http``.

    Emoji and punctuation are kept: they carry sentiment.
    """
    text = html.unescape(html.unescape(text or ""))
    text = _LINK.sub("http", text)
    text = _HANDLE.sub("@user", text)
    return _SPACES.sub(" ", text).strip()
