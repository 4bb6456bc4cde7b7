"""``export --all`` / ``import --all``: every row of every table, out and back in, ids and foreign keys kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import make_mention
from db_rows import dangling_references, fill_every_table, read_every_table
from triage.db.dump import export_all, import_all
from triage.db.store import Store, open_store
from triage.errors import BackupError
from triage.queue import workflow


@pytest.fixture
def full_store(sqlite_url: str) -> Store:
    """A SQLite database with rows in every table, plus a mention replied to through the workflow."""
    opened = open_store(sqlite_url)
    fill_every_table(opened.engine)
    [mention_id] = opened.upsert_mentions([make_mention("99", text="bolletta sbagliata, NUL-free ✓")]).inserted
    workflow.reply(opened, mention_id, "giulia", "Ci scusiamo, controlliamo subito ^GB")
    yield opened
    opened.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'restored.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")


def test_every_row_comes_back_with_its_id_and_foreign_keys(full_store, empty_url, tmp_path):
    dump = tmp_path / "all.jsonl"
    written = export_all(full_store.engine, dump)
    assert written.written["replies"] == 3 and written.written["audit"] >= 3

    target = open_store(empty_url)
    imported = import_all(target.engine, dump)

    assert imported.inserted == written.written and not any(imported.already_there.values())
    assert read_every_table(target.engine) == read_every_table(full_store.engine)
    assert dangling_references(target.engine) == []
    target.dispose()


def test_importing_the_same_file_again_doubles_nothing(full_store, empty_url, tmp_path):
    dump = tmp_path / "all.jsonl"
    export_all(full_store.engine, dump)
    target = open_store(empty_url)
    import_all(target.engine, dump)

    again = import_all(target.engine, dump)

    assert not any(again.inserted.values()) and sum(again.already_there.values()) == again.rows
    assert read_every_table(target.engine) == read_every_table(full_store.engine)
    target.dispose()


def test_new_mentions_after_an_import_get_new_ids(full_store, empty_url, tmp_path):
    dump = tmp_path / "all.jsonl"
    export_all(full_store.engine, dump)
    target = open_store(empty_url)
    import_all(target.engine, dump)

    [new_id] = target.upsert_mentions([make_mention("100")]).inserted  # PostgreSQL: the id sequence moved on

    assert new_id > max(read_every_table(full_store.engine)["mentions"])[0]
    target.dispose()


def test_the_same_database_can_take_its_own_export(full_store, tmp_path):
    dump = tmp_path / "all.jsonl"
    export_all(full_store.engine, dump)
    before = read_every_table(full_store.engine)

    assert not any(import_all(full_store.engine, dump).inserted.values())
    assert read_every_table(full_store.engine) == before


def test_each_line_is_a_table_and_a_row_with_iso_dates_and_json_as_json(full_store, tmp_path):
    dump = tmp_path / "all.jsonl"
    export_all(full_store.engine, dump)
    lines = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]

    assert lines[0] == {"table": "alembic_version", "row": {"version_num": lines[0]["row"]["version_num"]}}
    mention = next(line["row"] for line in lines if line["table"] == "mentions")
    assert mention["created_at"] == "2026-11-20T12:31:15+00:00"
    assert mention["raw"] == {"id": "1", "nested": {"list": [1, 2]}}
    tables = [line["table"] for line in lines]
    assert tables.index("incidents") < tables.index("mentions") < tables.index("replies")  # parents first


def test_a_row_whose_id_holds_another_row_is_refused_and_nothing_is_imported(full_store, tmp_path):
    dump = tmp_path / "all.jsonl"
    export_all(full_store.engine, dump)
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    other.upsert_mentions([make_mention("elsewhere", text="a different mention with id 1")])

    with pytest.raises(BackupError, match="mentions 1 conflicts with a different row .*nothing imported"):
        import_all(other.engine, dump)

    with other.engine.connect() as connection:
        assert connection.execute(text("select count(*) from incidents")).scalar() == 0
        assert connection.execute(text("select count(*) from mentions")).scalar() == 1
    other.dispose()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "line 1 is not a row of export --all"),
        ('{"table": "alembic_version", "row": {"version_num": "9999"}}\n', "revision 9999, which this Ascolto"),
        ('{"table": "nowhere", "row": {"id": 1}}\n', "line 1: this database has no table 'nowhere'"),
        ('{"table": "meta", "row": {"key": "k", "value": "v", "extra": 1}}\n', "table meta has no column extra"),
    ],
)
def test_a_file_that_is_not_an_export_is_one_line(store, tmp_path, content, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(BackupError, match=message):
        import_all(store.engine, bad)
