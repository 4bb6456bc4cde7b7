"""Suggestion acceptance: how often agents send a suggested reply nearly as suggested.

A report for the manager (the Trends page), by the suggestion's source: history, FAQ,
template, generated, or none (written from scratch).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd

from triage.access.roles import Who, require
from triage.db.reply_facts import ACCEPTED_SHARE
from triage.db.reporting import reply_provenance
from triage.db.store import Store
from triage.records import as_utc, utcnow

ACCEPTED_EDIT_SHARE = ACCEPTED_SHARE  # a suggestion counts as accepted when at most 10% of it was edited
SOURCES_ORDER: tuple[str, ...] = ("history", "faq", "template", "generated", "none", "all")


def acceptance_figures(
    replies: Sequence[tuple[str | None, str | None, int | None]], threshold: float = ACCEPTED_EDIT_SHARE
) -> dict[str, dict[str, float]]:
    """Per suggestion source: replies started from it, how many were sent nearly as suggested
    (edit distance ≤ ``threshold`` × the suggestion's length), and that share. ``replies`` are
    ``(suggestion_source, suggestion_text, edit_distance)``; replies written from scratch
    count under ``"none"``. The ``"all"`` row covers every reply that started from a suggestion."""
    figures: dict[str, dict[str, float]] = {}
    for source, text, distance in replies:
        key = source or "none"
        row = figures.setdefault(key, {"replies": 0, "accepted": 0})
        row["replies"] += 1
        if source and text is not None and distance is not None and distance <= threshold * max(len(text), 1):
            row["accepted"] += 1
    started = [row for key, row in figures.items() if key != "none"]
    if started:
        figures["all"] = {"replies": sum(r["replies"] for r in started),
                          "accepted": sum(r["accepted"] for r in started)}
    for row in figures.values():
        row["share"] = row["accepted"] / row["replies"] if row["replies"] else 0.0
    return figures


def suggestion_acceptance(store: Store, now: datetime | None = None, days: int = 30, *,
                          who: Who | None = None) -> pd.DataFrame:
    """Replies sent in the last ``days`` days by the suggestion they started from: how many,
    how many were sent with at most 10% edited, and that share (rows: history, faq, template,
    generated, none = written from scratch, all = every reply that started from a suggestion).
    ``who``: the signed-in actor, who must be allowed to ``see_reports``; None: the local operator."""
    if who is not None:
        require(who, "see_reports")
    since = as_utc(now or utcnow()) - timedelta(days=days)
    figures = acceptance_figures(reply_provenance(store, since))
    order = [s for s in SOURCES_ORDER if s in figures]
    frame = pd.DataFrame([figures[s] for s in order], index=pd.Index(order, name="source"),
                         columns=["replies", "accepted", "share"])
    return frame.astype({"replies": int, "accepted": int})
