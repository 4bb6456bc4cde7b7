"""``evaluate authored`` and ``evaluate risks`` on a small customer-posts file, with the fake models."""

from __future__ import annotations

import json
from pathlib import Path

from fakes import KeywordIntentModel, KeywordSentimentModel
from triage.evaluation.authored import risk_table, run
from triage.tables.customer_posts import CustomerPost, read_customer_posts


def post(text: str, lang: str, risks: tuple[str, ...], split: str = "validation") -> CustomerPost:
    return CustomerPost(id=text[:8], author="a", lang=lang, text=text, intent="complaint", topic="billing",
                        sentiment="negative", urgent=bool(risks), risks=risks, split=split)


def test_the_risk_table_counts_recall_and_precision_per_risk_and_language():
    posts = [post("you charged me twice", "en", ("money",)), post("my battery swelled up", "en", ("safety",)),
             post("all good thanks", "en", ()), post("mi avete addebitato due volte", "it", ("money",))]
    found = [("money",), ("money",), (), ("money",)]
    table = risk_table(posts, found)
    assert table["money (en)"]["recall"] == 1.0 and table["money (en)"]["precision"] == 0.5
    assert table["safety (en)"]["recall"] == 0.0 and table["safety (en)"]["precision"] is None
    assert table["money (it)"]["positives"] == 1 and table["money (it)"]["keywords_recall"] == 1.0
    assert table["money (en)"]["keywords_recall"] == 1.0  # "charged me twice" is a keyword phrase


def test_both_reports_read_the_validation_split_only(tmp_path: Path):
    path = tmp_path / "customer_posts.jsonl"
    rows = [("en", "you charged me twice, refund me", "validation", ["money"]),
            ("it", "grazie, tutto perfetto", "validation", []),
            ("en", "this one trains the models", "train", [])]
    path.write_text("".join(json.dumps({"id": str(i), "author": f"a{i}", "lang": lang, "text": text,
                                        "intent": "complaint" if risks else "praise", "topic": None,
                                        "sentiment": "negative" if risks else "positive", "urgent": False,
                                        "risks": risks, "split": split}) + "\n"
                            for i, (lang, text, split, risks) in enumerate(rows)), encoding="utf-8")
    assert len(read_customer_posts(path, "train")) == 1
    risks = run("risks", path, KeywordSentimentModel(), KeywordIntentModel())
    assert risks.figures["money (en)"] == {"n": 1, "positives": 1, "recall": 1.0, "precision": 1.0,
                                           "keywords_recall": 1.0, "keywords_precision": 1.0}
    assert any("money (en)" in line for line in risks.lines())
    authored = run("authored", path, KeywordSentimentModel(), KeywordIntentModel())
    assert set(authored.figures) == {"en", "it"} and authored.figures["en"]["n"] == 1
    assert json.loads(authored.to_json())["authored"]["it"]["sentiment_macro_recall"] >= 0
