"""``python -m triage evaluate authored`` and ``evaluate risks``: the shipped models on the authored
customer posts' validation split (``data/training/customer_posts.jsonl``, split by author, never
trained on), per language.

``authored``: intent macro-F1 (the model's intent, and the final intent after the spam rules),
complaint-topic accuracy and sentiment macro-recall per language. ``risks``: recall and
precision per named risk and language of what ``Analysis.risks`` says (the risk head joined
with the keyword signals), beside the keyword signals alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.evaluation.metrics import classification_report
from triage.models.analysis import Analysis, analyse
from triage.models.intent import INTENTS
from triage.models.risks import RISKS, keyword_risks
from triage.ranking.intent import final_result
from triage.records import SENTIMENTS
from triage.tables.customer_posts import CUSTOMER_POSTS, PROJECT_ROOT, CustomerPost, read_customer_posts


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def risk_table(posts: list[CustomerPost], found: list[tuple[str, ...]]) -> dict[str, dict[str, Any]]:
    """Per "risk (lang)": positives, recall and precision of ``found``, and of the keyword signals alone."""
    table: dict[str, dict[str, Any]] = {}
    for lang in sorted({p.lang for p in posts}):
        chosen = [(p, set(f)) for p, f in zip(posts, found) if p.lang == lang]
        for risk in RISKS:
            gold = [risk in p.risks for p, _ in chosen]
            row: dict[str, Any] = {"n": len(chosen), "positives": sum(gold)}
            for name, predicted in (("", [risk in f for _, f in chosen]),
                                    ("keywords_", [risk in keyword_risks(p.text) for p, _ in chosen])):
                hits = sum(g and q for g, q in zip(gold, predicted))
                row[f"{name}recall"] = _ratio(hits, sum(gold))
                row[f"{name}precision"] = _ratio(hits, sum(predicted))
            table[f"{risk} ({lang})"] = row
    return table


def quality_table(posts: list[CustomerPost], analyses: list[Analysis]) -> dict[str, dict[str, Any]]:
    """Per language: intent macro-F1 (model and final), complaint-topic accuracy, sentiment macro-recall."""
    table: dict[str, dict[str, Any]] = {}
    for lang in sorted({p.lang for p in posts}):
        index = [i for i, p in enumerate(posts) if p.lang == lang]
        gold = [posts[i].intent for i in index]
        model = [analyses[i].intent.intent for i in index]
        final = [final_result(analyses[i].intent, posts[i].text).intent for i in index]
        complaints = [i for i in index if posts[i].intent == "complaint" and posts[i].topic]
        sentiment = [i for i in index if posts[i].sentiment in SENTIMENTS]
        table[lang] = {
            "n": len(index),
            "intent_macro_f1": round(classification_report(gold, model, INTENTS)["macro_f1"], 4),
            "final_intent_macro_f1": round(classification_report(gold, final, INTENTS)["macro_f1"], 4),
            "topic_accuracy": _ratio(sum(analyses[i].intent.best_topic == posts[i].topic for i in complaints),
                                     len(complaints)),
            "sentiment_macro_recall": round(classification_report(
                [posts[i].sentiment for i in sentiment], [analyses[i].sentiment.label for i in sentiment],
                SENTIMENTS)["macro_recall"], 4),
        }
    return table


@dataclass
class AuthoredEvaluation:
    what: str  # "authored" or "risks"
    source: str
    figures: dict[str, dict[str, Any]]

    def to_json(self) -> str:
        return json.dumps({"set": self.source, self.what: self.figures}, indent=2)

    def lines(self) -> list[str]:
        out = [f"{self.what} evaluation: {self.source}, validation split (never trained on)"]
        if self.what == "risks":
            out.append(f"  {'risk (language)':<26} {'n':>4} {'pos':>4}  {'recall':>6} {'precision':>9}"
                       f"  {'keywords: recall':>16} {'precision':>9}")
            for name, row in self.figures.items():
                out.append(f"  {name:<26} {row['n']:>4} {row['positives']:>4}  {_shown(row['recall']):>6} "
                           f"{_shown(row['precision']):>9}  {_shown(row['keywords_recall']):>16} "
                           f"{_shown(row['keywords_precision']):>9}")
            return out
        out.append(f"  {'language':<9} {'n':>4}  {'intent F1':>9} {'final F1':>8} {'topic acc':>9} "
                   f"{'sentiment MR':>12}")
        for lang, row in self.figures.items():
            out.append(f"  {lang:<9} {row['n']:>4}  {row['intent_macro_f1']:>9.3f} "
                       f"{row['final_intent_macro_f1']:>8.3f} {_shown(row['topic_accuracy']):>9} "
                       f"{row['sentiment_macro_recall']:>12.3f}")
        return out


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def run(what: str, path: Path = CUSTOMER_POSTS, sentiment_model: Any = None, intent_model: Any = None
        ) -> AuthoredEvaluation:
    """The validation split of ``path`` through ``analyse`` with the shipped models (or those given)."""
    posts = read_customer_posts(path, "validation")
    analyses = analyse([p.text for p in posts], sentiment_model, intent_model)
    source = str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
    if what == "risks":
        return AuthoredEvaluation(what, source, risk_table(posts, [a.risks for a in analyses]))
    return AuthoredEvaluation(what, source, quality_table(posts, analyses))
