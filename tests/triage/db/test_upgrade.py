"""Upgrading never loses a row: a database at every revision, full of rows, upgraded to the newest one.

The revisions are read from the migrations folder, so a new revision is covered without
touching this file; ``tests/db_rows.py`` fills whatever tables a revision has.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from db_rows import dangling_references, fill_every_table, foreign_keys, read_every_table
from triage.db.store import create_db_engine, open_store
from triage.db.upgrade import MIGRATIONS_DIR, alembic_config, head_revision, upgrade_schema
from triage.errors import DatabaseUnavailable


def every_revision() -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    return sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.mark.parametrize("revision", every_revision())
def test_every_row_and_every_foreign_key_survives_the_upgrade_to_the_newest_revision(database_url, revision):
    engine = create_db_engine(database_url)
    upgrade_schema(engine, revision)
    counts = fill_every_table(engine)
    assert {"mentions", "meta"} <= set(counts) and all(counts.values())
    before, keys_before = read_every_table(engine), foreign_keys(engine)

    upgrade_schema(engine)

    after, keys_after = read_every_table(engine), foreign_keys(engine)
    for table, rows in before.items():
        assert set(after[table]) == set(rows), f"{table}: rows lost or added"
        for key, row in rows.items():
            assert {name: after[table][key][name] for name in row} == row, f"{table} {key} changed"
        assert keys_before[table] <= keys_after[table], f"{table}: a foreign key was dropped"
    assert dangling_references(engine) == []
    with engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == head_revision()
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the app
    engine.dispose()


def test_the_first_release_keeps_its_mention_reply_and_audit_row(sqlite_url):
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        from alembic import command

        command.upgrade(alembic_config(connection), "0001")
        connection.execute(text(
            "insert into mentions (id, channel, external_id, url, author_handle, author_name, author_followers,"
            " author_verified, text, created_at, fetched_at, kind, raw, priority, reasons, status, updated_at)"
            " values (1, 'x', '1', '', 'ann', '', 0, 0, 'still here', '2026-01-01', '2026-01-01', 'post', '{}',"
            " 0, '[]', 'replied', '2026-01-01')"))
        connection.execute(text("insert into replies (mention_id, text, agent, sent_at, posted)"
                                " values (1, 'Sorry! ^GB', 'giulia', '2026-01-01', 1)"))
        connection.execute(text("insert into audit (mention_id, actor, at, action, to_status, note)"
                                " values (1, 'giulia', '2026-01-01', 'reply', 'replied', '')"))
    engine.dispose()

    store = open_store(sqlite_url)
    assert [r.text for r in store.replies_for([1])[1]] == ["Sorry! ^GB"]
    with store.engine.connect() as connection:
        assert connection.execute(text("select count(*) from audit")).scalar() == 1
    store.dispose()


def test_an_upgrade_that_would_orphan_rows_is_refused_and_changes_nothing(tmp_path, sqlite_url):
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts,
                    ignore=shutil.ignore_patterns("__pycache__", "000[2-9]_*.py", "00[1-9][0-9]_*.py"))
    (scripts / "versions" / "0002_careless.py").write_text(
        '"""a careless migration"""\nfrom alembic import op\n\nrevision = "0002"\ndown_revision = "0001"\n'
        'branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n'
        '    op.create_table("scratch", __import__("sqlalchemy").Column("id", __import__("sqlalchemy").Integer,'
        ' primary_key=True))\n'
        '    op.execute("delete from mentions")\n\n\ndef downgrade():\n    pass\n', encoding="utf-8")
    engine = create_db_engine(sqlite_url)
    upgrade_schema(engine, "0001")
    fill_every_table(engine)
    before = read_every_table(engine)

    with pytest.raises(DatabaseUnavailable, match="would orphan rows: 2 in audit .*nothing was changed"):
        upgrade_schema(engine, script_location=scripts)

    assert read_every_table(engine) == before
    with engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == "0001"
        assert connection.exec_driver_sql("select name from sqlite_master where name = 'scratch'").all() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_migrations_refuse_a_sqlite_connection_that_enforces_foreign_keys(sqlite_url):
    from alembic import command

    engine = create_db_engine(sqlite_url)  # the app's engine: foreign keys on
    with engine.begin() as connection, pytest.raises(RuntimeError, match="PRAGMA foreign_keys=OFF"):
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()


def test_opening_a_database_at_the_newest_revision_runs_nothing(sqlite_url, monkeypatch):
    open_store(sqlite_url).dispose()
    from alembic import command

    monkeypatch.setattr(command, "upgrade", lambda *a, **k: pytest.fail("upgrade ran on a current database"))
    open_store(sqlite_url).dispose()


def test_the_migrations_folder_is_where_the_revisions_are():
    assert Path(MIGRATIONS_DIR, "env.py").is_file() and every_revision()[0] == "0001"


def test_the_newest_revision_has_every_index_the_schema_declares(database_url):
    from sqlalchemy import inspect

    from triage.db.schema import Base

    engine = create_db_engine(database_url)
    upgrade_schema(engine)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        declared = {index.name for index in table.indexes}
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        assert declared <= present, f"{table.name}: {declared - present} missing at the newest revision"
    engine.dispose()


def test_the_open_queue_index_covers_exactly_the_open_statuses():
    from triage.db.schema import OPEN_QUEUE_SQL
    from triage.records import OPEN_STATUSES

    assert OPEN_QUEUE_SQL == "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


def test_the_reply_facts_upgrade_fills_who_answered_the_outcome_and_the_days_from_earlier_rows(database_url):
    """Revision 0015 backfills what the reports read: a mention answered at 0014 gets its first responder,
    the customer's next message as its outcome, and a ``reply_days`` row, the same as a fresh rebuild gives."""
    from datetime import datetime, timedelta, timezone

    from triage.db.reply_facts import rebuild

    engine = create_db_engine(database_url)
    upgrade_schema(engine, "0014")
    fill_every_table(engine)
    posted = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)  # brand null: ours (the reports leave competitors out)
    with engine.begin() as connection:
        first, following = connection.execute(text("select id from mentions order by id")).scalars().all()[:2]
        connection.execute(text("update mentions set channel = 'x', author_handle = 'marta_rm', created_at = :at, "
                                "first_response_at = :answered, sentiment = 'negative', brand = null where id = :id"),
                           {"at": posted, "answered": posted + timedelta(hours=2), "id": first})
        connection.execute(text("update mentions set channel = 'x', author_handle = 'marta_rm', created_at = :at, "
                                "first_response_at = null, sentiment = 'positive' where id = :id"),
                           {"at": posted + timedelta(hours=5), "id": following})
        connection.execute(text("update replies set state = 'other' where mention_id = :id"), {"id": following})
        reply = connection.execute(text("select id from replies where mention_id = :id"), {"id": first}).scalar()
        if reply is None:
            reply = connection.execute(text("select min(id) from replies")).scalar()
        connection.execute(text("update replies set mention_id = :id, agent = 'giulia', state = 'posted', "
                                "sent_at = :sent where id = :reply"),
                           {"id": first, "sent": posted + timedelta(hours=2), "reply": reply})

    upgrade_schema(engine)

    read = ("select first_response_agent, outcome_id, outcome from mentions where id = :id")
    with engine.connect() as connection:
        assert tuple(connection.execute(text(read), {"id": first}).one()) == ("giulia", following, "positive")
        days = connection.execute(text("select day, agent, channel, first_responses from reply_days "
                                       "where agent = 'giulia' and first_responses > 0")).all()
        assert [(str(day), agent, channel, n) for day, agent, channel, n in days] == [("2026-11-02", "giulia", "x", 1)]
        backfilled = connection.execute(text("select id, first_response_agent, outcome_id, outcome from mentions "
                                             "order by id")).all()
        day_rows = sorted(tuple(r[1:]) for r in connection.execute(text("select * from reply_days")).all())
    with engine.begin() as connection:
        rebuild(connection)
    with engine.connect() as connection:
        assert connection.execute(text("select id, first_response_agent, outcome_id, outcome from mentions "
                                       "order by id")).all() == backfilled
        assert sorted(tuple(r[1:]) for r in connection.execute(text("select * from reply_days")).all()) == day_rows
    engine.dispose()
