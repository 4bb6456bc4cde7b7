"""How long a reply may be on each channel, in one table, and how the channel counts it.

Used where a reply is written and where it leaves: the suggestions fit it (``drafts.fit``
drops whole sentences and keeps the signature), the tone rules check it, the send path
refuses a reply over it (``check_length``), and the reply box shows ``n / limit``.

=============  ======  =====================================================================
channel        limit   source
=============  ======  =====================================================================
x              280     X counts a link as 23 characters and an emoji as 2
bluesky        300     Bluesky's post limit (graphemes)
mastodon       500     the instance's own value where the source says it (``max_characters``
                       in the source's options, carried on each mention), else Mastodon's 500
googleplay     350     Google Play's limit on a developer reply to a review
appstore       5970    the App Store's limit on a developer response
reddit         10000   Reddit's limit on a comment
others         1500    RSS, files, e-mail and anything else: what an agent should post at most
=============  ======  =====================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from triage.errors import ReplyTooLong
from triage.replies.tone import EMOJI

LENGTH_LIMITS: dict[str, int] = {
    "x": 280, "bluesky": 300, "mastodon": 500, "googleplay": 350, "appstore": 5970, "reddit": 10000,
}
DEFAULT_LIMIT = 1500
INSTANCE_LIMIT_KEY = "max_characters"  # a Mastodon source's option, copied into each mention's raw
_LINK = re.compile(r"https?://\S+")


def length_limit(channel: str, raw: Mapping[str, Any] | None = None) -> int:
    """The channel's limit; on Mastodon the instance's own ``max_characters`` when the mention carries it."""
    if channel == "mastodon" and raw:
        value = raw.get(INSTANCE_LIMIT_KEY)
        if isinstance(value, (int, str)) and str(value).isdigit() and int(value) > 0:
            return int(value)
    return LENGTH_LIMITS.get(channel, DEFAULT_LIMIT)


def measured_length(text: str, channel: str) -> int:
    """Length as the channel counts it: on X a link is 23 characters and an emoji 2."""
    if channel != "x":
        return len(text)
    links = _LINK.findall(text)
    rest = _LINK.sub("", text)
    return sum(2 if EMOJI.match(ch) else 1 for ch in rest) + 23 * len(links)


def counter(text: str, channel: str, raw: Mapping[str, Any] | None = None) -> str:
    """``n / limit`` for the reply box."""
    return f"{measured_length(text, channel)} / {length_limit(channel, raw)}"


def over_limit(text: str, channel: str, raw: Mapping[str, Any] | None = None) -> str | None:
    """One line saying the reply is too long for the channel, or ``None`` when it fits."""
    length, limit = measured_length(text, channel), length_limit(channel, raw)
    if length <= limit:
        return None
    return f"the reply is {length} characters and {channel} allows {limit}; shorten it by {length - limit}"


def check_length(text: str, channel: str, raw: Mapping[str, Any] | None = None) -> None:
    """Raise ``ReplyTooLong`` when ``text`` is over the channel's limit."""
    problem = over_limit(text, channel, raw)
    if problem:
        raise ReplyTooLong(problem)
