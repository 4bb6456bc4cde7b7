"""The watched-folder listener reads each new or changed export exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from listeners.registry import create
from triage.errors import InputFileError, TriageError

HEADER = "id,text,author,created_at\n"


def drain(listener, cursor):
    batches = list(listener.fetch(cursor))
    return batches, (batches[-1].cursor if batches else cursor)


def test_new_files_are_read_once_and_changed_files_again(tmp_path):
    (tmp_path / "a.csv").write_text(HEADER + "1,hello,anna,2026-11-20T09:00:00Z\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    listener = create("files", "exports", {"folder": str(tmp_path), "channel": "hootsuite"})
    batches, cursor = drain(listener, None)
    assert [[m.external_id for m in b.mentions] for b in batches] == [["1"]]
    assert batches[0].mentions[0].channel == "hootsuite"
    assert drain(listener, cursor)[0] == []  # nothing new
    (tmp_path / "a.csv").write_text(HEADER + "1,hello,anna,2026-11-20T09:00:00Z\n2,bad,,x\n", encoding="utf-8")
    batches, _ = drain(listener, cursor)
    assert [m.external_id for m in batches[0].mentions] == ["1"]
    assert batches[0].skipped == ["a.csv: line 3: missing author"]


def test_a_missing_folder_says_what_to_do(tmp_path):
    listener = create("files", "exports", {"folder": str(tmp_path / "nope")})
    with pytest.raises(InputFileError, match="does not exist; create it"):
        list(listener.fetch(None))


def test_unknown_kinds_are_named():
    with pytest.raises(TriageError, match="unknown listener 'myspace'"):
        create("myspace", "old", {})


def test_a_preset_reads_another_tools_export_dropped_in_the_folder(tmp_path):
    export = Path(__file__).parent / "payloads" / "files" / "brandwatch_mentions.csv"
    (tmp_path / "bw-2026-11-20.csv").write_bytes(export.read_bytes())
    listener = create("files", "brandwatch", {"folder": str(tmp_path), "preset": "brandwatch"})

    [batch] = list(listener.fetch(None))

    assert [m.external_id for m in batch.mentions] == ["t3_1gq2x7k", "news-88421"]
    assert batch.mentions[0].channel == "reddit" and batch.skipped == []


def test_files_without_a_channel_each_get_their_own(tmp_path):
    (tmp_path / "sprout.csv").write_text(HEADER + "1,from sprout,anna,2026-11-20T09:00:00Z\n", encoding="utf-8")
    (tmp_path / "survey.csv").write_text(HEADER + "1,from the survey,bob,2026-11-20T09:00:00Z\n", encoding="utf-8")
    batches, _ = drain(create("files", "exports", {"folder": str(tmp_path)}), None)
    assert [(m.channel, m.external_id) for b in batches for m in b.mentions] == [
        ("file:sprout.csv", "1"), ("file:survey.csv", "1")]
