"""The complaint figures of ``evaluate priority``: risk beats intent, and the report on the demo data."""

from __future__ import annotations

from fakes import KeywordSentimentModel
from triage.evaluation.complaints import lines, report_figures, risk_figures
from triage.evaluation.priority import NOW


class SaysOther:
    name = "says-other"

    def predict(self, texts, batch_size=64, progress=None):
        from triage.models.intent import IntentResult

        return [IntentResult("other", 0.9, None, {"other": 0.9}) for _ in texts]


class Row:
    def __init__(self, external_id: str, text: str) -> None:
        self.external_id, self.text, self.channel, self.risks = external_id, text, "x", None


def test_risk_figures_count_the_cases_where_a_risk_beats_the_intent_per_language():
    items = [
        {"id": "a", "lang": "en", "text": "My charger overheated and threw sparks", "labels": {
            "intent": "complaint", "urgency": "urgent"}},
        {"id": "b", "lang": "it", "text": "Il router ha fatto fumo stanotte", "labels": {
            "intent": "complaint", "urgency": "urgent"}},
        {"id": "c", "lang": "it", "text": "Grazie per il rimborso, velocissimi", "labels": {
            "intent": "praise", "urgency": "no_reply"}},
        {"id": "d", "lang": "en", "text": "Nice weather for the Lumora picnic", "labels": {
            "intent": "other", "urgency": "no_reply"}},
    ]
    ranked = [Row(i["id"], i["text"]) for i in items]
    figures = risk_figures(items, ranked, SaysOther())
    assert (figures["risk_posts_en"], figures["risk_beats_intent_en"], figures["risk_beats_intent_right_en"]) == (
        1, 1, 1)
    assert (figures["risk_posts_it"], figures["risk_beats_intent_it"], figures["risk_beats_intent_right_it"]) == (
        2, 2, 1)  # the thank-you for a refund is a keyword's false alarm
    assert figures["risk_urgent_top_quarter_en"] == 1.0 and figures["risk_urgent_top_quarter_it"] == 0.0
    assert any(line.startswith("  it: 2 risky posts") for line in lines(figures))


class ReadsTheLabels:
    """An intent model that answers the demo's authored intent: the report then misses no complaint."""

    name = "reads-the-labels"

    def __init__(self) -> None:
        import json

        from triage.ingest.demo import DEMO_DIR

        with (DEMO_DIR / "mentions.jsonl").open(encoding="utf-8") as handle:
            self.intents = {row["text"]: row["labels"]["intent"] for row in map(json.loads, handle)}

    def predict(self, texts, batch_size=64, progress=None):
        from triage.models.intent import IntentResult

        return [IntentResult(self.intents.get(t, "other"), 0.9, None, {}) for t in texts]


def test_with_the_authored_intents_the_report_finds_every_open_complaint():
    figures = report_figures(KeywordSentimentModel(), ReadsTheLabels(), NOW)
    for language in ("en", "it", "all"):
        assert figures[f"report_rows_{language}"] > 0
        assert figures[f"report_recall_{language}"] == 1.0
        assert 0.5 < figures[f"report_precision_{language}"] <= figures[f"report_precision_with_urgent_{language}"]
    assert figures["report_rows_all"] == figures["report_rows_en"] + figures["report_rows_it"]
    assert any(line.startswith("  all") for line in lines(figures))
