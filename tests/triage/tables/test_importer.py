"""Importing mentions from CSV and JSONL files: good rows stored, bad rows reported by line."""

from __future__ import annotations

import json

import pytest

from triage.errors import InputFileError
from triage.tables.mentions import read_mentions

GOOD_CSV = """id,text,author,created_at,channel,followers,rating
1,"My router, again, is down",marta_rm,2026-11-20T09:30:00Z,x,1200,
2,Ottimo servizio!,luca,2026-11-20T10:00:00+01:00,googleplay,0,5
"""


def test_a_csv_export_becomes_mentions(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    result = read_mentions(path)
    assert result.errors == []
    first, second = result.mentions
    assert (first.channel, first.external_id, first.author.handle, first.author.followers) == (
        "x", "1", "marta_rm", 1200)
    assert first.text == "My router, again, is down"
    assert first.created_at.isoformat() == "2026-11-20T09:30:00+00:00"
    assert (second.kind, second.rating) == ("review", 5)
    assert second.created_at.isoformat() == "2026-11-20T09:00:00+00:00"


def test_the_channel_option_overrides_the_file(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    assert {m.channel for m in read_mentions(path, channel="hootsuite").mentions} == {"hootsuite"}


def test_bad_rows_are_reported_with_their_line_and_the_rest_is_kept(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(
        "id,text,author,created_at\n"
        "1,fine,anna,2026-11-20T09:30:00Z\n"
        "2,,anna,2026-11-20T09:30:00Z\n"
        "3,no date,bob,yesterday\n"
        "4,too,many,fields,here\n"
        "5,also fine,carl,2026-11-21 08:00\n",
        encoding="utf-8",
    )
    result = read_mentions(path)
    assert [m.external_id for m in result.mentions] == ["1", "5"]
    assert [(e.line, e.message.split(" ")[0]) for e in result.errors] == [(3, "missing"), (4, "created_at"), (5, "has")]
    assert "missing text" in result.errors[0].message


def test_jsonl_with_nested_authors_and_broken_lines(tmp_path):
    path = tmp_path / "mentions.jsonl"
    lines = [
        json.dumps({"id": "a1", "text": "ciao 👋", "author": {"handle": "@sara", "followers": 10},
                    "created_at": "2026-11-20T09:30:00Z", "channel": "mastodon"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "a2", "text": "hi", "author": "tom", "created_at": "2026-11-20T09:31:00Z", "rating": 9}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_mentions(path)
    assert [(m.external_id, m.author.handle, m.channel) for m in result.mentions] == [("a1", "sara", "mastodon")]
    assert [e.line for e in result.errors] == [2, 3, 4]
    assert "rating must be 1-5" in result.errors[2].message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", "x", "use a .csv, .tsv or .jsonl file"),
        ("empty.csv", "", "needs a header row"),
        ("missing.csv", None, "no such file"),
    ],
)
def test_unreadable_files_are_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        read_mentions(path)


def test_a_non_utf8_file_says_how_to_fix_it(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,text,author,created_at\n1,perché,a,2026-11-20T09:00:00Z\n".encode("latin-1"))
    with pytest.raises(InputFileError, match="save it as UTF-8"):
        read_mentions(path)
