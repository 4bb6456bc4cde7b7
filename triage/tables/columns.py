"""Column mappings: read exports of other tools (Sprout Social, Hootsuite, Brandwatch...) as mentions.

A mapping names, for each of our fields (``triage.tables.mentions.REQUIRED`` and ``OPTIONAL``),
the column of the other tool's export that holds it. Presets are best-effort guesses at
those tools' CSV headers (their exports change with plan, report type and language); any
preset entry can be overridden with ``columns``, and ``date_format`` reads dates that are
not ISO 8601.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from triage.errors import ColumnMappingError

FIELDS = ("id", "text", "author", "created_at", "channel", "url", "author_name", "followers", "verified",
          "lang", "kind", "parent_id", "rating", "app_version")

PRESETS: dict[str, dict[str, str]] = {
    # Sprout Social: Smart Inbox / Listening message exports
    "sprout": {
        "id": "Message ID", "text": "Message", "author": "From", "created_at": "Date", "channel": "Network",
        "url": "Link", "author_name": "Name", "followers": "Followers", "lang": "Language",
    },
    # Hootsuite: stream and Listening (Talkwalker) exports
    "hootsuite": {
        "id": "Post ID", "text": "Message", "author": "Author", "created_at": "Date (GMT)", "channel": "Network",
        "url": "Post URL", "author_name": "Author Name", "followers": "Followers", "lang": "Language",
    },
    # Brandwatch Consumer Research: mentions export (delete the report lines above the header)
    "brandwatch": {
        "id": "Resource Id", "text": "Full Text", "author": "Author", "created_at": "Date", "channel": "Page Type",
        "url": "Url", "author_name": "Full Name", "followers": "Twitter Followers", "lang": "Language",
    },
}

CHANNEL_ALIASES = {"twitter": "x", "x (twitter)": "x", "twitter/x": "x", "x/twitter": "x"}


@dataclass(frozen=True)
class ColumnMapping:
    """Our field -> the export's column; ``date_format`` (strptime) for non-ISO dates, read as UTC."""

    columns: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None

    def apply(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """``row`` with our field names added (the export's own columns are kept too)."""
        mapped = dict(row)
        for ours, theirs in self.columns.items():
            if theirs in row:
                mapped[ours] = row[theirs]
        if self.date_format and str(mapped.get("created_at") or "").strip():
            text = str(mapped["created_at"]).strip()
            try:
                parsed = datetime.strptime(text, self.date_format)
            except ValueError:
                raise ValueError(f"created_at '{text[:40]}' does not match date_format '{self.date_format}'") from None
            mapped["created_at"] = (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).isoformat()
        if self.columns.get("channel") and str(mapped.get("channel") or "").strip():
            channel = str(mapped["channel"]).strip().lower()
            mapped["channel"] = CHANNEL_ALIASES.get(channel, channel)
        return mapped


def column_mapping(
    preset: str | None = None, columns: Mapping[str, str] | None = None, date_format: str | None = None
) -> ColumnMapping | None:
    """The mapping of ``preset`` with ``columns`` on top, or ``None`` when nothing is set."""
    if not preset and not columns and not date_format:
        return None
    merged: dict[str, str] = {}
    if preset:
        try:
            merged.update(PRESETS[preset.lower()])
        except KeyError:
            raise ColumnMappingError(f"unknown column preset '{preset}'; use one of {', '.join(sorted(PRESETS))} "
                                     "or map columns yourself with 'columns'") from None
    unknown = sorted(set(columns or {}) - set(FIELDS))
    if unknown:
        raise ColumnMappingError(f"'columns' maps unknown field(s) {', '.join(unknown)}; "
                                 f"map our fields ({', '.join(FIELDS)}) to your export's column names")
    merged.update({str(k): str(v) for k, v in (columns or {}).items()})
    return ColumnMapping(merged, date_format or None)


def mapping_from_config(config: Mapping[str, Any]) -> ColumnMapping | None:
    """The mapping a source's configuration asks for (keys ``preset``, ``columns``, ``date_format``)."""
    columns = config.get("columns")
    if columns is not None and not isinstance(columns, Mapping):
        raise ColumnMappingError("'columns' must be a table: our field = \"their column\"")
    return column_mapping(config.get("preset"), columns, config.get("date_format"))
