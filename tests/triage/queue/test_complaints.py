"""Complaints, defined once: open, unanswered, intent complaint or a named risk, whatever the sentiment.

The export, the Trends figures and the dashboard's download all read ``triage.queue.complaints``.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import timedelta

from conftest import NOW, make_mention
from fakes import KeywordSentimentModel
from triage.cli import main
from triage.ingest.pipeline import ingest
from triage.models.intent import IntentResult
from triage.queue import workflow
from triage.queue.complaints import unanswered_complaints
from triage.queue.reports import UNANSWERED_COLUMNS, trends, unanswered, unanswered_csv


class SaysIntent:
    """An intent model that says what each post was written to be read as (an intent model's guess)."""

    name = "says-intent"

    def __init__(self, intents: dict[str, str]) -> None:
        self.intents = intents

    def predict(self, texts: Sequence[str], batch_size: int = 64, progress=None) -> list[IntentResult]:
        return [IntentResult(self.intents[t], 0.9, "billing" if self.intents[t] == "complaint" else None,
                             {self.intents[t]: 0.9}, best_topic="product_quality") for t in texts]


THANKS_EN = "Huge thanks to the technician who came round today, fibre fixed in ten minutes, lovely guy"
THANKS_IT = "Grazie al tecnico che è passato stamattina, gentilissimo e velocissimo, ora la fibra va benissimo"
PAID_TWICE_EN = "Love the app, great design, but you charged me twice for November! Happy otherwise :)"
PAID_TWICE_IT = "Bravi per la nuova app, ottima davvero, però mi avete addebitato due volte la bolletta di ottobre"
OUTAGE_EN = "Router broken, no internet since this morning"
NEWS_EN = "Lumora posts its worst quarter in years, shares fall again"  # negative, not a complaint

POSTS = {  # text: (what the intent model says, minutes ago)
    THANKS_EN: ("praise", 30), THANKS_IT: ("praise", 40), PAID_TWICE_EN: ("praise", 50),
    PAID_TWICE_IT: ("praise", 60), OUTAGE_EN: ("complaint", 60 * 24 * 20), NEWS_EN: ("other", 70),
}


def _load(store) -> None:
    mentions = [make_mention(str(i), text, handle=f"author{i}", minutes_ago=minutes,
                             channel="rss" if text == NEWS_EN else "x")
                for i, (text, (_, minutes)) in enumerate(POSTS.items())]
    ingest(store, mentions, KeywordSentimentModel(), now=NOW,
           intent_model=SaysIntent({text: intent for text, (intent, _) in POSTS.items()}))


def test_thanks_are_not_complaints_and_a_positive_post_with_a_money_risk_is_one(store):
    _load(store)
    texts = [row.text for row in unanswered_complaints(store)]
    assert THANKS_EN not in texts and THANKS_IT not in texts
    assert PAID_TWICE_EN in texts and PAID_TWICE_IT in texts  # positive sentiment, praise guessed: still complaints
    assert store.find("x", "2").sentiment == "positive"
    assert OUTAGE_EN in texts and NEWS_EN not in texts


def test_an_answered_or_closed_complaint_leaves_the_report(store):
    _load(store)
    paid = store.find("x", "2")
    workflow.reply(store, paid.id, "tom", "Sorry, DM us ^TH", now=NOW)
    assert PAID_TWICE_EN not in [row["text"] for row in unanswered(store, NOW)]


def test_negative_posts_that_are_not_complaints_are_counted_apart(store):
    _load(store)
    figures = trends(store, NOW, days=7)
    assert int(figures.negative_not_complaints_by_age.sum()) == 1  # the news item
    assert int(figures.unanswered_by_age.sum()) == 2  # the two money risks; the outage is 20 days old


def test_the_trends_card_follows_the_period(store):
    _load(store)
    week, quarter = trends(store, NOW, days=7), trends(store, NOW, days=90)
    assert int(week.unanswered_by_age.sum()) == 2
    assert int(quarter.unanswered_by_age.sum()) == 3  # the 20-day-old outage too
    assert week.unanswered_by_age[">1 day"] == 0 and quarter.unanswered_by_age[">1 day"] == 1
    since = NOW - timedelta(days=7)
    assert len(unanswered_csv(store, NOW, since).splitlines()) == 1 + 2  # the download follows it too


def test_the_report_has_the_new_columns(store):
    _load(store)
    workflow.claim(store, store.find("x", "3").id, "giulia")
    rows = {row["text"]: row for row in unanswered(store, NOW)}
    italian = rows[PAID_TWICE_IT]
    assert (italian["intent"], italian["topic"], italian["language"], italian["assignee"]) == (
        "complaint", "product_quality", "it", "giulia")
    assert list(UNANSWERED_COLUMNS) == ["channel", "url", "author", "text", "created_at", "age_hours", "priority",
                                        "top_reason", "status", "id", "intent", "topic", "language", "assignee"]


def test_the_export_command_writes_the_complaints_with_the_new_columns(sqlite_url, tmp_path, capsys):
    from triage.db.store import open_store

    store = open_store(sqlite_url)
    _load(store)
    store.dispose()
    output = tmp_path / "complaints.csv"
    assert main(["export", "--unanswered", "--output", str(output), "--db", sqlite_url]) == 0
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(UNANSWERED_COLUMNS)
    assert [r["text"] for r in rows] == [OUTAGE_EN, PAID_TWICE_IT, PAID_TWICE_EN]  # oldest first
    assert {r["language"] for r in rows} == {"en", "it"} and all(r["intent"] == "complaint" for r in rows)
    assert "3 unanswered complaints" in capsys.readouterr().out


def test_the_report_reads_the_complaints_index(backend):
    from sqlalchemy import select

    from triage.db.complaints import complaint_condition
    from triage.db.schema import MentionRow

    query = select(MentionRow.id).where(complaint_condition(), MentionRow.created_at >= NOW - timedelta(days=7))
    compiled = query.compile(backend.engine)
    with backend.engine.connect() as connection:
        if backend.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")  # an empty table: show the index path
            rows = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        else:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values()))
        plan = " ".join(str(row[-1]) for row in rows)
    assert "ix_mentions_open_complaints" in plan, plan
