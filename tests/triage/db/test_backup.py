"""``backup``: a consistent copy of the whole database, taken while the app keeps writing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from conftest import make_mention
from db_rows import fill_every_table, read_every_table
from triage.db.backup import backup
from triage.db.store import open_store
from triage.errors import BackupError
from triage.queue import workflow


def test_the_backup_opens_with_the_same_rows(store, tmp_path):
    fill_every_table(store.engine)
    [mention_id] = store.upsert_mentions([make_mention("7")]).inserted
    workflow.reply(store, mention_id, "giulia", "Sorry about that, DM us ^GB")

    made = backup(tmp_path / "copy.db", store.url)

    copy = open_store(f"sqlite:///{made.output}")
    assert read_every_table(copy.engine) == read_every_table(store.engine)
    copy.dispose()
    assert made.method == "sqlite backup" and made.size > 0


def test_a_write_in_progress_is_not_in_the_backup_and_does_not_block_it(store, tmp_path):
    store.upsert_mentions([make_mention("1")])
    writer = sqlite3.connect(make_url(store.url).database)
    writer.execute("begin immediate")
    writer.execute("delete from mentions")  # not committed yet

    made = backup(tmp_path / "copy.db", store.url)
    writer.rollback()
    writer.close()

    copy = open_store(f"sqlite:///{made.output}")
    assert copy.count() == 1
    copy.dispose()


def test_an_existing_file_is_never_overwritten(store, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(BackupError, match="copy.db already exists; choose a new file name"):
        backup(target, store.url)
    assert target.read_text(encoding="utf-8") == "precious"


def test_a_missing_database_is_one_line(tmp_path):
    with pytest.raises(BackupError, match="no database at .*nowhere.db; check --db"):
        backup(tmp_path / "copy.db", f"sqlite:///{tmp_path / 'nowhere.db'}")
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.postgres
def test_postgresql_is_backed_up_by_pg_dump(postgres_url, tmp_path):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not on PATH")
    opened = open_store(postgres_url)
    opened.upsert_mentions([make_mention("1")])
    opened.dispose()

    made = backup(tmp_path / "copy.dump", postgres_url)

    assert made.method == "pg_dump" and made.output.read_bytes().startswith(b"PGDMP")


def test_without_pg_dump_the_error_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    with pytest.raises(BackupError) as raised:
        backup(tmp_path / "copy.dump", "postgresql+psycopg://ascolto:s3cret@db.example:5433/triage")
    message = str(raised.value)
    assert "pg_dump --format=custom --file" in message and "postgresql://ascolto@db.example:5433/triage" in message
    assert "s3cret" not in message and "\n" not in message


def test_the_cli_prints_where_the_backup_went(store, tmp_path, capsys):
    from triage.cli import main

    assert main(["backup", "--output", str(tmp_path / "b.db"), "--db", store.url]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'b.db'}: ")
    assert Path(tmp_path / "b.db").is_file()
