"""``python -m triage import`` with hostile files: NUL bytes, files without a channel, bad database paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.cli import main
from triage.db.store import open_store
from triage.tables.mentions import file_channel, read_mentions


@pytest.fixture
def fake_models(monkeypatch, fake_model, fake_intent_model):
    """The import command with the keyword fakes instead of the packaged models."""
    monkeypatch.setattr("triage.cli._model", lambda: fake_model)
    monkeypatch.setattr("triage.ingest.pipeline.load_intent_model", lambda: fake_intent_model)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def rows(count: int, **overrides: dict) -> list[dict]:
    made = [{"id": str(n), "text": f"my router {n} is down", "author": f"user{n}",
             "created_at": "2026-11-20T09:00:00Z"} for n in range(1, count + 1)]
    for index, values in overrides.items():
        made[int(index) - 1].update(values)
    return made


def test_a_nul_byte_among_good_rows_is_removed_and_every_row_is_stored(tmp_path, db_url, fake_models, capsys):
    source = write_jsonl(tmp_path / "export.jsonl",
                         rows(450, **{"200": {"text": "app\x00 crashes\x07", "author": "nu\x00ll"}}))
    assert main(["import", str(source), "--db", db_url]) == 0
    assert "450 new, 0 already stored, 0 bad rows skipped" in capsys.readouterr().out
    store = open_store(db_url)
    row = store.find("file:export.jsonl", "200")
    assert row is not None and (row.text, row.author_handle) == ("app crashes", "null")
    assert row.raw["text"] == "app\x00 crashes\x07"
    assert store.count() == 450 and store.unclassified_ids() == []
    store.dispose()


def test_a_csv_with_a_nul_byte_stores_the_same_text(tmp_path, sqlite_url, fake_models):
    source = tmp_path / "export.csv"
    source.write_text("id,text,author,created_at\n1,wifi\x00 down,anna,2026-11-20T09:00:00Z\n", encoding="utf-8")
    assert main(["import", str(source), "--db", sqlite_url]) == 0
    row = open_store(sqlite_url).find("file:export.csv", "1")
    assert row is not None and row.text == "wifi down"


def test_a_row_the_database_refuses_is_one_line_with_its_id_and_exit_1(tmp_path, sqlite_url, fake_models, capsys):
    from sqlalchemy import text

    store = open_store(sqlite_url)
    with store.engine.begin() as connection:
        connection.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON mentions WHEN NEW.external_id = '7' "
                                "BEGIN SELECT RAISE(ABORT, 'refused by a rule'); END"))
    source = write_jsonl(tmp_path / "export.jsonl", rows(10))
    assert main(["import", str(source), "--db", sqlite_url]) == 1
    captured = capsys.readouterr()
    assert f"{source}: file:export.jsonl id 7: not stored (refused by a rule)\n" in captured.err
    assert "9 new, 0 already stored, 0 bad rows skipped, 1 refused by the database" in captured.out
    assert store.count() == 9


def test_files_without_a_channel_keep_their_own_ids_apart(tmp_path, sqlite_url, fake_models):
    one = write_jsonl(tmp_path / "sprout.jsonl", rows(2))
    other = write_jsonl(tmp_path / "survey.jsonl", rows(2, **{"1": {"text": "the survey answer"}}))
    assert main(["import", str(one), "--db", sqlite_url]) == 0
    assert main(["import", str(other), "--db", sqlite_url]) == 0
    store = open_store(sqlite_url)
    assert store.count() == 4
    assert store.find("file:sprout.jsonl", "1").text == "my router 1 is down"
    assert store.find("file:survey.jsonl", "1").text == "the survey answer"


def test_channel_flag_and_the_rows_own_channel_still_win(tmp_path):
    source = write_jsonl(tmp_path / "export.jsonl", rows(2, **{"2": {"channel": "reddit"}}))
    assert [m.channel for m in read_mentions(source).mentions] == ["file:export.jsonl", "reddit"]
    assert [m.channel for m in read_mentions(source, "inbox").mentions] == ["inbox", "inbox"]


def test_a_long_file_name_is_shortened_to_a_channel_that_still_tells_files_apart():
    first = file_channel(Path("hootsuite-export-2026-11-brand-team-one.csv"))
    second = file_channel(Path("hootsuite-export-2026-11-brand-team-two.csv"))
    assert first != second and len(first) == len(second) == 32
    assert first.startswith("file:hootsuite-export-2~")


def test_a_too_long_channel_flag_is_a_usage_error(tmp_path, capsys):
    source = write_jsonl(tmp_path / "export.jsonl", rows(1))
    assert main(["import", str(source), "--channel", "c" * 40, "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert capsys.readouterr().err == (
        "error: --channel needs a name of 1 to 32 characters, e.g. --channel support-inbox\n")


@pytest.mark.parametrize("case", ["folder", "missing parent"])
def test_a_folder_or_a_missing_parent_folder_as_sqlite_path_is_one_line(tmp_path, capsys, case):
    path = tmp_path if case == "folder" else tmp_path / "no" / "such" / "triage.db"
    source = write_jsonl(tmp_path / "export.jsonl", rows(1))
    assert main(["import", str(source), "--db", f"sqlite:///{path}"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    expected = "is a folder; give a file in it" if case == "folder" else "does not exist; create it (mkdir -p"
    assert err.startswith(f"error: SQLite path {path}") and expected in err
    assert not (tmp_path / "no").exists()


def test_the_default_database_path_works_on_a_fresh_clone(tmp_path, monkeypatch):
    from triage.db.store import DEFAULT_DB_URL, create_db_engine

    monkeypatch.chdir(tmp_path)
    create_db_engine(DEFAULT_DB_URL).dispose()
    assert (tmp_path / "data").is_dir()


def test_a_post_longer_than_the_limit_is_stored_cut_and_flagged(tmp_path, sqlite_url, fake_models):
    from triage.text.clean import MAX_TEXT_CHARS

    long_text = "the app crashes on login " * 200_000  # 5 MB
    source = write_jsonl(tmp_path / "export.jsonl", rows(2, **{"1": {"text": long_text}}))
    assert main(["import", str(source), "--db", sqlite_url]) == 0
    row = open_store(sqlite_url).find("file:export.jsonl", "1")
    assert row is not None and row.text == long_text[:MAX_TEXT_CHARS] and row.sentiment is not None
    assert row.raw["truncated_from"] == len(long_text) and len(row.raw["text"]) == MAX_TEXT_CHARS
