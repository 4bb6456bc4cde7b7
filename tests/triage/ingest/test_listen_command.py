"""``python -m triage listen``: a run killed while storing a batch loses and duplicates nothing.

The listener (``tests/crash_listener.py``) is loaded through ``[listeners] modules`` in the
test's ``triage.toml`` and kills the process with ``os._exit`` inside the transaction that
stores a batch: before its commit, or right after it (before the cursor is saved).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import ROOT
from triage.db.source_state import get_state
from triage.db.store import open_store

TOTAL, PAGE = 7, 3


def write_config(tmp_path: Path, crash_when: str = "after_commit", crash_at_batch: int = 99) -> Path:
    path = tmp_path / "listen.toml"
    path.write_text(
        '[listeners]\nmodules = ["crash_listener"]\n\n'
        f'[sources.crashy]\nkind = "crash_test"\ntotal = {TOTAL}\npage_size = {PAGE}\n'
        f'crash_at_batch = {crash_at_batch}\ncrash_when = "{crash_when}"\nmarker = "{tmp_path / "crashed"}"\n',
        encoding="utf-8",
    )
    return path


def command(config: Path, db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "triage", "listen", *args, "--config", str(config), "--db", db]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    return env


def listen_once(config: Path, db: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command(config, db, "--once"), capture_output=True, text=True, env=environment(),
                          cwd=cwd, timeout=600)


def stored(db: str) -> list[tuple[str, int]]:
    store = open_store(db)
    with store.engine.connect() as connection:
        rows = connection.execute(text(
            "select external_id, count(*) from mentions where channel = 'crashtest' group by external_id "
            "order by external_id"
        )).all()
    store.dispose()
    return [tuple(r) for r in rows]


@pytest.mark.model
@pytest.mark.parametrize(
    ("crash_when", "crash_at_batch", "kept_after_crash", "cursor_after_crash"),
    [
        ("after_commit", 2, 6, "3"),  # batch 2's posts are committed, its cursor is not
        ("before_commit", 1, 0, None),  # the process dies inside batch 1's transaction
    ],
)
def test_a_run_killed_while_storing_a_batch_stores_every_mention_exactly_once_next_time(
    tmp_path, crash_when, crash_at_batch, kept_after_crash, cursor_after_crash
):
    db = f"sqlite:///{tmp_path / 'triage.db'}"
    config = write_config(tmp_path, crash_when, crash_at_batch)

    crashed = listen_once(config, db, tmp_path)
    assert crashed.returncode == 137, crashed.stderr
    assert (tmp_path / "crashed").exists() and "crashy" not in crashed.stdout  # it died mid-run
    assert len(stored(db)) == kept_after_crash
    store = open_store(db)
    assert get_state(store, "crashy").cursor == cursor_after_crash
    store.dispose()

    again = listen_once(config, db, tmp_path)
    assert again.returncode == 0, again.stderr
    refetched = TOTAL - (int(cursor_after_crash) if cursor_after_crash else 0)
    assert again.stdout.strip() == (f"crashy (crash_test): fetched {refetched}, new {TOTAL - kept_after_crash}, "
                                    "skipped 0, ok")
    assert stored(db) == [(f"post-{i}", 1) for i in range(TOTAL)]  # every mention, exactly once
    store = open_store(db)
    state = get_state(store, "crashy")
    assert (state.cursor, state.total_fetched, state.last_error) == (str(TOTAL), TOTAL, None)
    assert store.unclassified_ids() == []  # the new mentions were classified before the run ended
    store.dispose()


@pytest.mark.model
def test_ctrl_c_stops_polling_cleanly(tmp_path):
    db = f"sqlite:///{tmp_path / 'triage.db'}"
    process = subprocess.Popen(command(write_config(tmp_path), db, "--every", "3600"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment(), cwd=tmp_path)
    try:
        first_round = process.stdout.readline()  # printed once the round is stored
        assert first_round.startswith(f"crashy (crash_test): fetched {TOTAL}, new {TOTAL}"), process.stderr.read()
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "stopping after the current batch is stored" in err and "Traceback" not in err
    assert stored(db) == [(f"post-{i}", 1) for i in range(TOTAL)]


def test_without_sources_it_says_how_to_add_them(tmp_path):
    empty = tmp_path / "triage.toml"
    empty.write_text('[brand]\nname = "Lumora"\n', encoding="utf-8")
    result = listen_once(empty, f"sqlite:///{tmp_path / 't.db'}", tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: no sources in {empty}; copy triage.example.toml to triage.toml "
                                     "and enable some")


def test_a_listener_whose_sdk_is_missing_is_disabled_and_the_other_sources_run(tmp_path):
    config = tmp_path / "listen.toml"
    config.write_text(
        '[listeners]\nmodules = ["crash_listener", "missing_sdk_kind"]\n\n'  # missing_sdk_kind registers kind no_sdk
        '[sources.boards]\nkind = "no_sdk"\nboard = "general"\n\n'
        f'[sources.crashy]\nkind = "crash_test"\ntotal = {TOTAL}\npage_size = {PAGE}\n'
        f'crash_at_batch = 99\ncrash_when = "after_commit"\nmarker = "{tmp_path / "crashed"}"\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'triage.db'}"
    result = listen_once(config, db, tmp_path)
    disabled = ("source 'boards' (no_sdk) disabled: the ascolto_example_sdk package is missing; "
                "pip install ascolto-example-sdk==1.0")
    assert result.returncode == 1, result.stderr  # done, but a source did not run
    assert result.stdout.splitlines() == [
        f"boards (no_sdk): fetched 0, new 0, skipped 0, error: {disabled}",
        f"crashy (crash_test): fetched {TOTAL}, new {TOTAL}, skipped 0, ok",
    ]
    assert disabled in result.stderr and "Traceback" not in result.stderr
    assert stored(db) == [(f"post-{i}", 1) for i in range(TOTAL)]
