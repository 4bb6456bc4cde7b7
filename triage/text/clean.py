"""What every stored mention's text goes through on the way in: control characters out, length bounded.

Post text is hostile. A NUL byte is refused by PostgreSQL and kept by SQLite, so it is removed
(with every other control character except newline and tab; ``\\r\\n`` and ``\\r`` become ``\\n``),
and so are unpaired surrogates, which neither database can encode. A post longer than
``MAX_TEXT_CHARS`` is cut there: nothing downstream (language detection, signals, the encoder)
ever sees more. ``triage.db.store.Store.upsert_mentions`` (the one way a mention is stored)
applies these to every field of every mention, so SQLite and PostgreSQL store the same text;
the original stays in ``raw`` (long strings in ``raw`` are cut too, and
``raw["truncated_from"]`` says how long the text was). ``triage.tables.mentions`` applies them
as a file is read too, so a file of megabyte posts is never held in memory, and the
``classify`` command to the texts it scores.
"""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT_CHARS = 10_000  # the longest text stored and classified (README: "Limits")
TRUNCATED_KEY = "truncated_from"  # raw[TRUNCATED_KEY]: the text's length before it was cut

_NEWLINES = re.compile("\r\n?")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without control characters (newline and tab kept) or unpaired surrogates."""
    if not text:
        return ""
    return _CONTROL.sub("", _NEWLINES.sub("\n", text))


def bounded_text(text: str, limit: int = MAX_TEXT_CHARS) -> tuple[str, int | None]:
    """``text`` cleaned and cut to ``limit`` characters, and its original length when it was cut."""
    cleaned = clean_text(text)
    if len(cleaned) <= limit:
        return cleaned, None
    return cleaned[:limit], len(text)


def bounded_raw(value: Any, limit: int = MAX_TEXT_CHARS) -> Any:
    """``value`` (a mention's ``raw``) with every string longer than ``limit`` cut; nothing else changes."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit]
    if isinstance(value, dict):
        return {key: bounded_raw(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [bounded_raw(item, limit) for item in value]
    return value
