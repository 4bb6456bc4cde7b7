"""``classify`` scores a file with the same code as ingestion: same priority both ways."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import NOW
from triage.ingest.pipeline import ingest
from triage.ingest.table_scoring import FileItem, file_item, score_items
from triage.tables.mentions import mention_from_row

ROWS = [
    {"id": "1", "text": "you charged me twice, I want a refund today", "author": "marta", "channel": "x",
     "followers": "54000", "created_at": (NOW - timedelta(hours=3)).isoformat()},
    {"id": "2", "text": "still charged twice and no refund, third message!!!", "author": "marta", "channel": "x",
     "followers": "54000", "created_at": (NOW - timedelta(hours=1)).isoformat()},
    {"id": "3", "text": "love the new app, thanks!", "author": "bob", "channel": "appstore", "rating": "5",
     "created_at": (NOW - timedelta(hours=30)).isoformat()},
    {"id": "4", "text": "crashes on launch, worst update", "author": "Kev", "channel": "googleplay", "rating": "1",
     "created_at": (NOW - timedelta(hours=30)).isoformat()},
    {"id": "5", "text": "GIVEAWAY free iPhone click here bit.ly/x", "author": "promo_1234567", "channel": "x",
     "followers": "10", "created_at": (NOW - timedelta(minutes=5)).isoformat()},
    {"id": "6", "text": "#LumoraDown no internet in Milan since 6am", "author": "luca", "channel": "x",
     "created_at": (NOW - timedelta(minutes=50)).isoformat()},
    {"id": "7", "text": "RT @luca: #LumoraDown no internet in Milan since 6am", "author": "sara", "channel": "x",
     "created_at": (NOW - timedelta(minutes=40)).isoformat()},
]


def test_a_file_scored_by_classify_ranks_as_it_does_once_ingested(store, fake_model, fake_intent_model):
    texts = [r["text"] for r in ROWS]
    items = [file_item(row, row["text"], NOW, i) for i, row in enumerate(ROWS)]
    columns = score_items(items, fake_model.predict(texts), fake_intent_model.predict(texts), NOW)

    ingest(store, [mention_from_row(row, None) for row in ROWS], fake_model, now=NOW, intent_model=fake_intent_model)
    stored = {m.external_id: m for m in store.mentions()}
    for row, added in zip(ROWS, columns):
        mention = stored[row["id"]]
        assert added["priority"] == mention.priority, row["text"]
        assert added["intent"] == mention.intent and added["topic"] == (mention.topic or "")
        assert added["urgency"] == mention.urgency
        assert added["reasons"] == "; ".join(r["phrase"] for r in mention.reasons if r["points"] >= 0)
    by_id = {row["id"]: added for row, added in zip(ROWS, columns)}
    assert "2nd message today" in by_id["2"]["reasons"]
    assert "54k followers" in by_id["1"]["reasons"]
    assert "1-star review" in by_id["4"]["reasons"]
    assert "incident: 2 similar posts" in by_id["6"]["reasons"]
    assert (by_id["5"]["priority"], by_id["5"]["reasons"]) == (0, "looks like spam")
    assert 0.0 <= by_id["1"]["urgency"] <= 1.0


def test_rows_without_optional_columns_are_scored_from_text_alone(fake_model, fake_intent_model):
    item = file_item({"text": "my router is smoking"}, "my router is smoking", NOW, 0)
    assert (item.channel, item.author_handle, item.created_at, item.rating) == ("file", "", NOW, None)
    (added,) = score_items([item], fake_model.predict([item.text]), fake_intent_model.predict([item.text]), NOW)
    assert "safety risk" in added["reasons"]


def test_a_bad_rating_names_the_column():
    with pytest.raises(ValueError, match="rating"):
        file_item({"text": "x", "rating": "nine"}, "x", NOW, 0)
    assert FileItem("x").status == "new"


def test_a_whole_file_is_read_and_scored_with_its_columns_first(tmp_path, fake_model, fake_intent_model):
    from triage.ingest.table_scoring import SCORE_COLUMNS, SENTIMENT_COLUMNS, read_table, score_table

    source = tmp_path / "posts.csv"
    source.write_text("id,body,rating\n1,my router is smoking,\n2,great app,9\n\"3,broken\n", encoding="utf-8")
    table = read_table(source, "body")
    assert table.texts == ["my router is smoking", "great app"] and table.lines == [2, 3]
    scored = score_table(table, fake_model, fake_intent_model, now=NOW)
    assert scored.columns == ["id", "body", "rating", *SENTIMENT_COLUMNS, *SCORE_COLUMNS]
    expected = fake_model.predict(table.texts)[0]
    assert (scored.rows[0]["sentiment"], scored.rows[0]["p_negative"]) == (expected.label, expected.p_negative)
    assert "safety risk" in scored.rows[0]["reasons"]
    assert scored.rows[1]["priority"] >= 0  # the bad rating is left out, the text still scored
    assert [(e.line, e.message) for e in scored.errors] == [
        (4, "has 1 fields, the header has 3"), (3, "rating must be 1-5, not 9; scored without its optional columns")]


def test_a_missing_text_column_names_the_columns_there_are(tmp_path):
    from triage.errors import InputFileError
    from triage.ingest.table_scoring import read_table

    source = tmp_path / "posts.csv"
    source.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no column 'text'; columns are: id, body \\(use --text-column\\)"):
        read_table(source)
