"""The ``sources`` table's explicit state, and the 0003 migration that adds it to older databases."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from conftest import NOW
from triage.db.source_state import finish_run, get_state, start_run
from triage.db.store import alembic_config, open_store


def test_finishing_a_run_records_its_state(store):
    start_run(store, "x-search", "x", NOW)
    finish_run(store, "x-search", NOW, None)
    assert get_state(store, "x-search").state == "ok"
    finish_run(store, "x-search", NOW, "503 Service Unavailable")
    assert get_state(store, "x-search").state == "error"
    finish_run(store, "x-search", NOW, "rate limited for 3600 s", state="rate_limited")
    assert get_state(store, "x-search").state == "rate_limited"


def test_an_unknown_state_is_refused_with_the_known_ones(store):
    start_run(store, "x-search", "x", NOW)
    with pytest.raises(ValueError, match="unknown source state 'sleepy'; use one of ok, rate_limited, error"):
        finish_run(store, "x-search", NOW, None, state="sleepy")


def test_a_0002_database_gets_the_state_backfilled_from_each_last_error(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    rows = {  # name: (last_error, last_success_at)
        "inbox": (None, "2026-11-20 09:00:00"),
        "x-search": ("source 'x-search' (x) disabled: set X_BEARER_TOKEN", None),
        "reddit": ("rate limited for 3600 s, longer than [listen] max_wait_seconds (900); the next run resumes", None),
        "bluesky": ("still rate limited after 3 waits; the next run resumes from the last stored batch", None),
        "broken": ("folder /nowhere does not exist; create it or fix 'folder'", "2026-11-19 09:00:00"),
        "interrupted": (None, None),  # a run that never finished
    }
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
        for name, (error, success) in rows.items():
            connection.execute(text(
                "insert into sources (name, kind, cursor, last_run_at, last_success_at, last_fetched, last_skipped,"
                " total_fetched, last_error) values (:name, 'files', 'c1', '2026-11-20 09:00:00', :success, 2, 0, 7,"
                " :error)"), {"name": name, "success": success, "error": error})
    engine.dispose()

    store = open_store(url)
    states = {name: get_state(store, name) for name in rows}
    assert {name: s.state for name, s in states.items()} == {
        "inbox": "ok", "x-search": "missing_credentials", "reddit": "rate_limited", "bluesky": "rate_limited",
        "broken": "error", "interrupted": None,
    }
    assert states["x-search"].cursor == "c1" and states["x-search"].total_fetched == 7  # nothing else changed
    assert states["broken"].last_error == rows["broken"][0]
    with store.engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == "0008"
    store.dispose()
