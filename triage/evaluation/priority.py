"""``python -m triage evaluate priority``: how well the queue puts urgent posts first.

The set is ``bench/data/priority_eval.jsonl``: 300+ English and Italian posts about a
fictional brand (Fioro, not the demo's Lumora), authored for this evaluation and labeled
urgent / normal / no_reply, with intent and complaint topic. It is never used for
training; it covers every urgency signal in both languages and registers, seven channels,
follower counts, verified and VIP authors, star ratings, waiting times and repeat contact.

The posts are ingested into a temporary SQLite database exactly as listeners' posts are
(same classifiers, same incident grouping, same scoring), at a fixed "now". Printed:
precision@10 and @50 of "urgent" in the queue, recall of "urgent" in the top quarter,
intent macro-F1 (and per language), the cases where a named risk beats the intent and the
unanswered-complaints report's precision on the demo data (``triage.evaluation.complaints``).
The airline tweets in ``--data`` (never trained on)
give a second, real check: intent agreement with the airline sentiment and complaint-topic
accuracy against the airline's negative reasons (a validation figure, sampled).
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from triage.evaluation import complaints
from triage.evaluation.metrics import classification_report
from triage.models.intent import INTENTS, IntentModel
from triage.ranking.intent import final_result
from triage.ranking.priority import PriorityWeights, configured_weights
from triage.records import Author, Mention

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
EVAL_FILE = PROJECT_ROOT / "bench" / "data" / "priority_eval.jsonl"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
# The VIP list used in the evaluation (a brand configures its own in [priority] vip_handles).
EVAL_VIPS: tuple[str, ...] = ("sofia_dimarco", "avv_marchetti_studio")
URGENCY_LABELS: tuple[str, ...] = ("urgent", "normal", "no_reply")

# The airline's negative reasons mapped to our complaint topics ("Can't Tell" is left out).
AIRLINE_TOPICS: dict[str, str] = {
    "Customer Service Issue": "customer_service", "Flight Attendant Complaints": "customer_service",
    "longlines": "customer_service", "Late Flight": "outage", "Cancelled Flight": "outage",
    "Lost Luggage": "delivery", "Damaged Luggage": "delivery", "Bad Flight": "product_quality",
    "Flight Booking Problems": "billing",
}
# Which of our intents agree with each airline sentiment label.
AIRLINE_INTENTS: dict[str, tuple[str, ...]] = {
    "negative": ("complaint",), "positive": ("praise",), "neutral": ("question", "other", "feedback"),
}


def read_set(path: Path = EVAL_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def to_mention(item: dict[str, Any], now: datetime = NOW) -> Mention:
    author = item["author"]
    return Mention(
        channel=item["channel"], external_id=item["id"], text=item["text"],
        author=Author(author["handle"], author.get("display_name", ""), int(author.get("followers", 0)),
                      bool(author.get("verified", False))),
        created_at=now - timedelta(minutes=int(item["age_minutes"])), language=item.get("lang"),
        kind=item.get("kind", "post"), rating=item.get("rating"), fetched_at=now,
    )


def ranking_figures(ranked_labels: list[str]) -> dict[str, float]:
    """precision@10, precision@50 of 'urgent', and recall of 'urgent' in the top quarter of the queue."""
    urgent_total = sum(1 for label in ranked_labels if label == "urgent")
    quarter = max(1, len(ranked_labels) // 4)

    def precision(k: int) -> float:
        top = ranked_labels[:k]
        return sum(1 for label in top if label == "urgent") / len(top) if top else 0.0

    return {
        "precision_at_10": precision(10),
        "precision_at_50": precision(50),
        "urgent_recall_top_quarter": (sum(1 for label in ranked_labels[:quarter] if label == "urgent") / urgent_total
                                      if urgent_total else 0.0),
        "queue_size": len(ranked_labels),
        "urgent": urgent_total,
    }


def evaluate_set(
    items: list[dict[str, Any]], sentiment_model: Any, intent_model: IntentModel,
    weights: PriorityWeights | None = None, now: datetime = NOW,
) -> dict[str, Any]:
    """Ingest ``items`` into a fresh database and measure the queue and the intents."""
    from triage.db.store import open_store
    from triage.ingest.pipeline import ingest

    weights = weights or replace(configured_weights(), vip_handles=EVAL_VIPS)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            ingest(store, [to_mention(i, now) for i in items], sentiment_model, now=now, intent_model=intent_model)
            from triage.ranking.refresh import refresh_priorities

            refresh_priorities(store, now, weights)
            rows = store.mentions()
        finally:
            store.dispose()
    gold = {i["id"]: i["labels"] for i in items}
    lang = {i["id"]: i.get("lang", "") for i in items}
    ranked = sorted(rows, key=lambda r: (-r.priority, r.created_at, r.id))
    figures: dict[str, Any] = ranking_figures([gold[r.external_id]["urgency"] for r in ranked])
    predicted = {r.external_id: r.intent or "other" for r in rows}
    ids = [i["id"] for i in items]
    intent = classification_report([gold[i]["intent"] for i in ids], [predicted[i] for i in ids], INTENTS)
    figures["intent_macro_f1"] = intent["macro_f1"]
    figures["intent_accuracy"] = intent["accuracy"]
    for language in ("en", "it"):
        chosen = [i for i in ids if lang[i] == language]
        if chosen:
            report = classification_report([gold[i]["intent"] for i in chosen], [predicted[i] for i in chosen], INTENTS)
            figures[f"intent_macro_f1_{language}"] = report["macro_f1"]
    topics = [(gold[r.external_id]["topic"], r.topic) for r in rows
              if gold[r.external_id]["intent"] == "complaint" and r.intent == "complaint"]
    figures["topic_accuracy_on_complaints"] = sum(g == p for g, p in topics) / len(topics) if topics else 0.0
    figures.update(complaints.risk_figures(items, ranked, intent_model))
    figures["top_10"] = [f"{r.priority:3d} {gold[r.external_id]['urgency']:8s} {r.text[:70]!r}" for r in ranked[:10]]
    return figures


def airline_check(data: Path, intent_model: IntentModel, limit: int = 600, seed: int = 13) -> dict[str, Any]:
    """Intent/topic agreement on the airline tweets (CC BY-NC-SA, never trained on): a validation figure."""
    path = data / "airline" / "train.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r.get("text")]
    rng = random.Random(seed)
    sample = rng.sample(rows, min(limit, len(rows)))
    results = intent_model.predict([r["text"] for r in sample])
    results = [final_result(res, row["text"]) for res, row in zip(results, sample)]
    agree = {label: [0, 0] for label in AIRLINE_INTENTS}
    topic_hits = topic_total = 0
    for row, result in zip(sample, results):
        label = row["label"]
        if label in agree:
            agree[label][1] += 1
            agree[label][0] += result.intent in AIRLINE_INTENTS[label]
        expected = AIRLINE_TOPICS.get(row.get("reason", ""))
        if label == "negative" and expected:
            topic_total += 1
            topic_hits += (result.topic or result.best_topic) == expected
    figures: dict[str, Any] = {f"airline_{label}_agreement": hits / total if total else 0.0
                               for label, (hits, total) in agree.items()}
    total_hits = sum(h for h, _ in agree.values())
    total = sum(t for _, t in agree.values())
    figures["airline_intent_agreement"] = total_hits / total if total else 0.0
    figures["airline_topic_accuracy"] = topic_hits / topic_total if topic_total else 0.0
    figures["airline_n"] = len(sample)
    figures["airline_topic_n"] = topic_total
    return figures


@dataclass
class PriorityEvaluation:
    """The figures of ``evaluate_set`` (and ``airline_check`` when the airline tweets are there)."""

    figures: dict[str, Any]

    def to_json(self) -> str:
        """The figures as one JSON object (the top 10 of the queue left out)."""
        return json.dumps({k: v for k, v in self.figures.items() if k != "top_10"}, indent=2)

    def lines(self) -> list[str]:
        """The figures as the report ``evaluate priority`` prints."""
        figures = self.figures
        out = [
            (f"priority evaluation: {EVAL_FILE.relative_to(PROJECT_ROOT)} ({figures['queue_size']} posts, "
             f"{figures['urgent']} urgent), now={NOW.isoformat()}"),
            f"  precision@10 (urgent)          {figures['precision_at_10']:.3f}",
            f"  precision@50 (urgent)          {figures['precision_at_50']:.3f}",
            f"  urgent recall in top quarter   {figures['urgent_recall_top_quarter']:.3f}",
            (f"  intent macro-F1                {figures['intent_macro_f1']:.3f} "
             f"(en {figures.get('intent_macro_f1_en', 0):.3f}, "
             f"it {figures.get('intent_macro_f1_it', 0):.3f}; accuracy {figures['intent_accuracy']:.3f})"),
            f"  complaint topic accuracy       {figures['topic_accuracy_on_complaints']:.3f}",
        ]
        if "airline_n" in figures:
            out += [
                f"validation figure, airline tweets (never trained on; {figures['airline_n']} sampled):",
                (f"  intent agrees with sentiment   {figures['airline_intent_agreement']:.3f} "
                 f"(negative→complaint {figures['airline_negative_agreement']:.3f}, "
                 f"positive→praise {figures['airline_positive_agreement']:.3f}, "
                 f"neutral→question/other/feedback {figures['airline_neutral_agreement']:.3f})"),
                (f"  complaint topic vs reason      {figures['airline_topic_accuracy']:.3f} "
                 f"(n={figures['airline_topic_n']})"),
            ]
        out += complaints.lines(figures)
        out.append("top 10 of the queue:")
        out += ["  " + line for line in figures["top_10"]]
        return out


def run(data: Path, airline_limit: int = 600, sentiment_model: Any = None,
        intent_model: IntentModel | None = None) -> PriorityEvaluation:
    """The evaluation set through the shipped models (or those given), plus the airline check when ``data`` has it."""
    from triage.models.intent import load_intent_model
    from triage.models.sentiment import load_sentiment_model

    intent_model = intent_model or load_intent_model()
    sentiment_model = sentiment_model or load_sentiment_model()
    figures = evaluate_set(read_set(), sentiment_model, intent_model)
    figures.update(complaints.report_figures(sentiment_model, intent_model))
    if (data / "airline" / "train.tsv").is_file():
        figures.update(airline_check(data, intent_model, limit=airline_limit))
    return PriorityEvaluation(figures)
