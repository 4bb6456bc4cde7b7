"""Mentions from CSV/JSONL files (exports of other tools, spreadsheets).

Required columns: ``id``, ``text``, ``author``, ``created_at`` (ISO 8601; a time without
zone is taken as UTC). Optional: ``channel``, ``url``, ``author_name``, ``followers``,
``verified``, ``lang``, ``kind`` (post/reply/review), ``parent_id``, ``rating`` (1-5),
``app_version``. Good rows are stored; each bad row is reported with its line number.

A row without a channel gets the file's own channel, ``file:<name of the file>``
(``file_channel``), so two unrelated files that reuse ids never overwrite each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.records import MAX_CHANNEL_CHARS, Author, Mention
from triage.tables.columns import ColumnMapping
from triage.tables.formats import BadRow, read_rows
from triage.text.clean import TRUNCATED_KEY, bounded_raw, bounded_text

REQUIRED = ("id", "text", "author", "created_at")
OPTIONAL = ("channel", "url", "author_name", "followers", "verified", "lang", "kind", "parent_id", "rating",
            "app_version")


FILE_CHANNEL_PREFIX = "file:"


def file_channel(path: Path) -> str:
    """The channel of ``path``'s rows that name none: ``file:<name>``, a long name shortened with a hash of it."""
    name = path.name
    channel = FILE_CHANNEL_PREFIX + name
    if len(channel) <= MAX_CHANNEL_CHARS:
        return channel
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    keep = MAX_CHANNEL_CHARS - len(FILE_CHANNEL_PREFIX) - len(digest) - 1
    return f"{FILE_CHANNEL_PREFIX}{name[:keep]}~{digest}"


@dataclass
class FileMentions:
    mentions: list[Mention] = field(default_factory=list)
    errors: list[BadRow] = field(default_factory=list)


def parse_time(value: Any) -> datetime:
    text = str(value or "").strip()
    if not text:
        raise ValueError("created_at is empty")
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / (1000 if len(text) > 11 else 1)).astimezone()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"created_at '{text[:40]}' is not an ISO 8601 time like 2026-11-20T09:30:00Z") from None


def _int(value: Any, name: str, default: int | None = None) -> int | None:
    if value is None or str(value).strip() == "":
        return default
    try:
        return int(float(str(value).replace(",", "")))
    except ValueError:
        raise ValueError(f"{name} '{str(value)[:20]}' is not a number") from None


def _bool(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "y")


def mention_from_row(row: dict[str, Any], channel: str | None, default_channel: str = "file") -> Mention:
    """The mention in ``row``: its channel is ``channel``, else the row's own, else ``default_channel``."""
    missing = [c for c in REQUIRED if not str(row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    author = row["author"]
    if isinstance(author, dict):  # JSONL exports may nest the author
        handle = str(author.get("handle") or author.get("username") or "")
        name = str(author.get("display_name") or author.get("name") or "")
        followers = _int(author.get("followers"), "followers", 0) or 0
        verified = _bool(author.get("verified"))
    else:
        handle, name = str(author), str(row.get("author_name") or "")
        followers = _int(row.get("followers"), "followers", 0) or 0
        verified = _bool(row.get("verified"))
    text, truncated_from = bounded_text(str(row["text"]))  # a file's megabyte posts are not kept in memory
    raw = bounded_raw(dict(row))
    if truncated_from is not None:
        raw[TRUNCATED_KEY] = truncated_from
    return Mention(
        channel=channel or str(row.get("channel") or "").strip() or default_channel,
        external_id=str(row["id"]).strip(),
        text=text,
        author=Author(handle=handle.strip().lstrip("@"), display_name=name, followers=followers, verified=verified),
        created_at=parse_time(row["created_at"]),
        url=str(row.get("url") or ""),
        language=str(row.get("lang") or "").strip() or None,
        kind=str(row.get("kind") or "").strip() or ("review" if row.get("rating") not in (None, "") else "post"),
        parent_id=str(row.get("parent_id") or "").strip() or None,
        rating=_int(row.get("rating"), "rating"),
        app_version=str(row.get("app_version") or "").strip() or None,
        raw=raw,
    )


def iter_file(
    path: Path, channel: str | None = None, mapping: ColumnMapping | None = None
) -> Iterator[Mention | BadRow]:
    """Mentions and bad rows of ``path``; ``mapping`` renames another tool's columns (``triage.tables.columns``).

    ``channel`` overrides the rows' own; rows without one get ``file_channel(path)``.
    """
    default_channel = file_channel(path)
    for line, row in read_rows(path):
        if isinstance(row, BadRow):
            yield row
            continue
        try:
            yield mention_from_row(mapping.apply(row) if mapping else row, channel, default_channel)
        except (ValueError, TypeError) as exc:
            yield BadRow(line, str(exc))


def read_mentions(path: Path, channel: str | None = None, mapping: ColumnMapping | None = None) -> FileMentions:
    """All mentions in ``path``, and the rows that could not be read."""
    result = FileMentions()
    for item in iter_file(path, channel, mapping):
        if isinstance(item, BadRow):
            result.errors.append(item)
        else:
            result.mentions.append(item)
    return result
