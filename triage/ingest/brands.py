"""Share of voice: which brand a stored mention is about.

A mention whose text names a competitor of ``[brand.competitors]`` (one of its keywords, as a
whole word, any case) and none of our own brand's keywords is tagged with that competitor
(``mentions.brand``); everything else stays ours (NULL). Tagged mentions count only in the
share-of-voice figures, never in our own reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from triage.config.settings import Brand
from triage.db.reporting import mention_texts, tag_brands
from triage.db.store import Store


def _pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    words = [re.escape(k.strip()) for k in keywords if k.strip()]
    return re.compile(r"(?<!\w)(" + "|".join(words) + r")(?!\w)", re.IGNORECASE) if words else None


def brand_of(text: str, brand: Brand) -> str | None:
    """The competitor ``text`` is about, or None when it is about us (or names nobody)."""
    own = _pattern(brand.keywords + ((brand.name,) if brand.name else ()))
    if own is not None and own.search(text):
        return None
    for competitor in brand.competitors:
        pattern = _pattern(competitor.keywords + (competitor.name,))
        if pattern is not None and pattern.search(text):
            return competitor.name
    return None


def tag_competitor_mentions(store: Store, brand: Brand, ids: Sequence[int]) -> int:
    """Tag the mentions ``ids`` that are about a competitor; returns how many were."""
    if not brand.competitors or not ids:
        return 0
    found = {i: name for i, text in mention_texts(store, ids) if (name := brand_of(text, brand)) is not None}
    tag_brands(store, found)
    return len(found)
