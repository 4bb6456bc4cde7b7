"""The complaint figures of ``evaluate priority``: named risk beats intent, and the complaints report.

``risk_figures`` reads the ranked evaluation set (``triage.evaluation.priority``): per language,
how many posts carry a money, safety or account-takeover risk, how many of those the intent
model read as praise, other or spam (the cases where the risk beats the intent), how many of
those cases the authors labelled a complaint or urgent, and where the risky urgent posts rank.

``report_figures`` loads the demo data set (``data/demo``, whose posts carry authored labels)
into a fresh database with the same models and checks the unanswered-complaints report
(``triage.queue.complaints``): of the rows it selects, the share the authors labelled a
complaint, or a complaint or urgent; and of the open, unanswered posts the authors labelled a
complaint, the share it selects. The old definition (negative sentiment) is measured on the
same database for comparison. The demo posts also train the intent heads: an in-domain figure.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.db.schema import MentionRow
from triage.models.intent import IntentModel
from triage.ranking.intent import overriding_risks
from triage.records import OPEN_STATUSES

LANGUAGES: tuple[str, ...] = ("en", "it")
OVERRULED = ("praise", "other", "spam")


def risk_figures(
    items: Sequence[dict[str, Any]], ranked: Sequence[MentionRow], intent_model: IntentModel
) -> dict[str, Any]:
    """Per language: risky posts, the model's praise/other/spam among them, how many of those the authors
    labelled complaint or urgent, and the share of risky urgent posts in the queue's top quarter."""
    by_id = {i["id"]: i for i in items}
    place = {row.external_id: n for n, row in enumerate(ranked)}
    quarter = max(1, len(ranked) // 4)
    risky = [row for row in ranked if overriding_risks(row)]
    said = dict(zip((row.external_id for row in risky), (r.intent for r in intent_model.predict(
        [row.text for row in risky]))))
    figures: dict[str, Any] = {}
    for language in LANGUAGES:
        mine = [row for row in risky if by_id[row.external_id].get("lang") == language]
        beaten = [row for row in mine if said[row.external_id] in OVERRULED]
        right = [row for row in beaten if by_id[row.external_id]["labels"]["intent"] == "complaint"
                 or by_id[row.external_id]["labels"]["urgency"] == "urgent"]
        urgent = [row for row in mine if by_id[row.external_id]["labels"]["urgency"] == "urgent"]
        figures[f"risk_posts_{language}"] = len(mine)
        figures[f"risk_beats_intent_{language}"] = len(beaten)
        figures[f"risk_beats_intent_right_{language}"] = len(right)
        figures[f"risk_urgent_{language}"] = len(urgent)
        figures[f"risk_urgent_top_quarter_{language}"] = (
            sum(1 for row in urgent if place[row.external_id] < quarter) / len(urgent) if urgent else 0.0)
    return figures


def _open_unanswered(row: MentionRow) -> bool:
    return row.status in OPEN_STATUSES and row.first_response_at is None


def _precision(rows: Sequence[MentionRow], language: str) -> dict[str, float]:
    chosen = [r for r in rows if (r.language or "") == language or language == "all"]
    labels = [(r.raw or {}).get("labels", {}) for r in chosen]
    complaints = sum(1 for label in labels if label.get("intent") == "complaint")
    risky = sum(1 for label in labels if label.get("intent") == "complaint" or label.get("urgency") == "urgent")
    return {"rows": len(chosen), "complaints": complaints, "complaints_or_urgent": risky}


def report_figures(sentiment_model: Any, intent_model: IntentModel, now: datetime | None = None) -> dict[str, Any]:
    """The unanswered-complaints report on the demo data, against its authored labels (see the module)."""
    from triage.db.store import open_store
    from triage.ingest.demo import load_demo
    from triage.queue.complaints import unanswered_complaints

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'demo.db'}")
        try:
            load_demo(store, sentiment_model, now=now, intent_model=intent_model)
            report = unanswered_complaints(store)
            every = [r for r in store.mentions() if _open_unanswered(r)]
        finally:
            store.dispose()
    negative = [r for r in every if r.sentiment == "negative"]
    selected = {r.id for r in report}
    figures: dict[str, Any] = {}
    for language in (*LANGUAGES, "all"):
        new, old = _precision(report, language), _precision(negative, language)
        wanted = [r for r in every if (r.raw or {}).get("labels", {}).get("intent") == "complaint"
                  and ((r.language or "") == language or language == "all")]
        figures[f"report_rows_{language}"] = new["rows"]
        figures[f"report_precision_{language}"] = new["complaints"] / new["rows"] if new["rows"] else 0.0
        figures[f"report_precision_with_urgent_{language}"] = (
            new["complaints_or_urgent"] / new["rows"] if new["rows"] else 0.0)
        figures[f"report_recall_{language}"] = (
            sum(1 for r in wanted if r.id in selected) / len(wanted) if wanted else 0.0)
        figures[f"negative_report_rows_{language}"] = old["rows"]
        figures[f"negative_report_precision_{language}"] = old["complaints"] / old["rows"] if old["rows"] else 0.0
        figures[f"negative_report_recall_{language}"] = (
            sum(1 for r in wanted if r.sentiment == "negative") / len(wanted) if wanted else 0.0)
    return figures


def lines(figures: dict[str, Any]) -> list[str]:
    """The figures as ``evaluate priority`` prints them (empty when they were not measured)."""
    out: list[str] = []
    if "risk_posts_en" in figures:
        out.append("named risk beats intent (money, safety, account takeover):")
        for language in LANGUAGES:
            out.append(
                f"  {language}: {figures[f'risk_posts_{language}']} risky posts; the model said praise/other/spam "
                f"for {figures[f'risk_beats_intent_{language}']} (now complaints; "
                f"{figures[f'risk_beats_intent_right_{language}']} labelled complaint or urgent); "
                f"{figures[f'risk_urgent_top_quarter_{language}']:.3f} of the "
                f"{figures[f'risk_urgent_{language}']} urgent ones in the top quarter")
    if "report_rows_all" in figures:
        out.append("unanswered-complaints report on the demo data (authored labels; in-domain):")
        for language in (*LANGUAGES, "all"):
            out.append(
                f"  {language:3s} {figures[f'report_rows_{language}']:3d} rows, precision "
                f"{figures[f'report_precision_{language}']:.3f} (complaint or urgent "
                f"{figures[f'report_precision_with_urgent_{language}']:.3f}), recall "
                f"{figures[f'report_recall_{language}']:.3f}; negative-sentiment report: "
                f"{figures[f'negative_report_rows_{language}']} rows, precision "
                f"{figures[f'negative_report_precision_{language}']:.3f}, recall "
                f"{figures[f'negative_report_recall_{language}']:.3f}")
    return out
