"""Workers: storing and classifying are separate; whatever is stored and not classified is pending
until a worker (``python -m triage worker``, ``listen``, ``import`` or the dashboard on SQLite) takes it.

On PostgreSQL several worker processes share the pending mentions (``SELECT … FOR UPDATE SKIP
LOCKED``): every mention is classified exactly once. A process killed mid-way leaves its mentions
pending, never lost: the next worker classifies them.

The worker processes run ``tests/fake_models_cli.py``: ``python -m triage`` with the keyword fakes,
recording each text the sentiment fake classifies.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, make_mention, start_dashboard
from fakes import KeywordIntentModel, KeywordSentimentModel
from triage.cli import main
from triage.config.settings import Config
from triage.context import Context
from triage.db.claims import pending_count
from triage.db.store import QueueFilter, open_store
from triage.ingest.pipeline import store_mentions
from triage.ingest.stopping import StopFlag
from triage.ingest.worker import WorkerSettings, drain, run_worker

TEXTS = ["lumora internet down again", "thank you lumora, fast fix", "lumora charged me twice",
         "is lumora fibra any good?", "lumora app broken"]


def context(store) -> Context:
    return Context(store, Config(), {}, sentiment=KeywordSentimentModel(), intent=KeywordIntentModel())


def stored_only(store, count: int, prefix: str = "m"):
    return store_mentions(store, [make_mention(f"{prefix}{i}", f"{TEXTS[i % len(TEXTS)]} #{prefix}{i}",
                                               handle=f"user{i}") for i in range(count)])


# ---- one worker, in-process -----------------------------------------------------------------

def test_stored_mentions_wait_until_a_worker_classifies_and_ranks_them(store):
    stored_only(store, 5)
    assert pending_count(store) == 5 and store.queue(QueueFilter(classified_only=True)) == []

    assert drain(context(store)).classified == 5

    rows = store.mentions()
    assert pending_count(store) == 0
    assert all(r.sentiment and r.intent and r.tone and r.classified_by == "fake-keywords" for r in rows)
    assert all(r.priority > 0 for r in rows if r.sentiment == "negative")  # ranked, not just classified
    assert drain(context(store)).classified == 0  # nothing is classified twice


def test_a_polling_worker_takes_what_is_stored_while_it_waits(store):
    stored_only(store, 3)
    rounds: list[int] = []

    class StoreWhileWaiting(StopFlag):
        def sleep(self, seconds: float) -> None:  # the worker found nothing: a listener stores two more
            if len(rounds) == 1:
                stored_only(store, 2, prefix="later")
            else:
                self.request()

    total = run_worker(context(store), stop=StoreWhileWaiting(), settings=WorkerSettings(batch_size=2),
                       report=lambda done: rounds.append(done.classified))
    assert (total, rounds) == (5, [3, 2])
    assert pending_count(store) == 0


@pytest.mark.parametrize(("every", "rescored"), [(0.0, True), (3600.0, False)], ids=["a minute on", "too soon"])
def test_an_idle_worker_still_ranks_every_so_often(store, monkeypatch, every, rescored):
    from sqlalchemy import update

    from triage.db import rescoring
    from triage.db.schema import RESCORE_NOW, MentionRow
    from triage.ingest import worker
    from triage.records import utcnow

    stored_only(store, 2)
    monkeypatch.setattr(worker, "RANK_EVERY_SECONDS", every)

    class GoStaleWhileWaiting(StopFlag):
        polls = 0

        def sleep(self, seconds: float) -> None:  # idle: meanwhile the priorities go stale
            self.polls += 1
            if self.polls == 1:
                with store.session() as session:
                    session.execute(update(MentionRow).values(rescore_at=RESCORE_NOW))
            else:
                self.request()

    run_worker(context(store), stop=GoStaleWhileWaiting())
    assert (rescoring.due(store, utcnow()) == []) is rescored


def test_a_stop_request_ends_the_worker_after_the_current_batch(store):
    stored_only(store, 5)
    stop = StopFlag()

    class StopAfterFirstBatch(KeywordSentimentModel):
        def predict(self, texts, batch_size=64, progress=None):
            stop.request()
            return super().predict(texts, batch_size, progress)

    ctx = Context(store, Config(), {}, sentiment=StopAfterFirstBatch(), intent=KeywordIntentModel())
    assert run_worker(ctx, stop=stop, settings=WorkerSettings(batch_size=2)) == 2  # that batch is committed
    assert pending_count(store) == 3


# ---- the command line -----------------------------------------------------------------------

@pytest.fixture
def fake_models(monkeypatch):
    """The CLI's context loads the keyword fakes instead of the real models."""
    monkeypatch.setattr("triage.context.load_sentiment_model", lambda spec=None: KeywordSentimentModel())
    monkeypatch.setattr("triage.context.load_intent_model", lambda spec=None: KeywordIntentModel())


def write_csv(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text", "author", "created_at"])
        for i in range(count):
            writer.writerow([f"p{i}", f"{TEXTS[i % len(TEXTS)]} (post {i})", f"user{i % 17}",
                             f"2026-11-20T{9 + i // 60 % 10:02d}:{i % 60:02d}:00Z"])
    return path


def test_import_classifies_by_default_and_only_stores_with_no_classify(tmp_path, fake_models, capsys):
    db = f"sqlite:///{tmp_path / 'triage.db'}"
    assert main(["import", str(write_csv(tmp_path / "a.csv", 3)), "--db", db]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'a.csv'}: 3 new, 0 already stored, 0 bad rows skipped\n"
    assert pending_count(open_store(db)) == 0

    assert main(["import", str(write_csv(tmp_path / "b.csv", 4)), "--channel", "csv", "--no-classify",
                 "--db", db]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'b.csv'}: 4 new, 0 already stored, 0 bad rows skipped\n"
    assert pending_count(open_store(db)) == 4

    assert main(["worker", "--once", "--db", db]) == 0
    assert capsys.readouterr().out == "classified 4 mentions\n"
    assert pending_count(open_store(db)) == 0
    assert main(["worker", "--once", "--db", db]) == 0
    assert capsys.readouterr().out == "classified 0 mentions\n"


def test_worker_rejects_a_batch_below_one(tmp_path, capsys):
    assert main(["worker", "--once", "--batch", "0", "--db", f"sqlite:///{tmp_path / 't.db'}"]) == 2
    assert capsys.readouterr().err == "error: --batch needs a number of mentions above 0, e.g. --batch 64\n"


def test_the_dashboard_classifies_what_a_killed_process_left_pending_on_sqlite(tmp_path, monkeypatch):
    db = f"sqlite:///{tmp_path / 'triage.db'}"
    store = open_store(db)
    stored_only(store, 4)
    monkeypatch.setattr("triage.ui.common.load_sentiment_model", lambda spec=None: KeywordSentimentModel())
    monkeypatch.setattr("triage.context.load_intent_model", lambda spec=None: KeywordIntentModel())
    start_dashboard(monkeypatch, db)
    assert pending_count(store) == 0 and len(store.queue(QueueFilter(classified_only=True))) == 4
    store.dispose()


# ---- processes: several workers, and a kill -9 ----------------------------------------------

def fake_cli(*args: str, seen: Path | None = None, pause: float = 0.0, go: Path | None = None,
             kill_at_batch: int | None = None) -> list[str]:
    options = [*(["--seen", str(seen)] if seen else []), "--pause", str(pause), *(["--go", str(go)] if go else []),
               *(["--kill-at-batch", str(kill_at_batch)] if kill_at_batch else [])]
    return [sys.executable, "-m", "fake_models_cli", *options, "--", *args]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    return env


def seen_texts(path: Path) -> list[str]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.mark.postgres
def test_four_workers_on_postgresql_classify_every_mention_exactly_once(postgres_url, tmp_path):
    store = open_store(postgres_url)
    stored_only(store, 300)
    go = tmp_path / "go"
    seen = [tmp_path / f"seen-{n}.jsonl" for n in range(4)]
    workers = [subprocess.Popen(fake_cli("worker", "--once", "--batch", "10", "--db", postgres_url, seen=path,
                                         pause=0.02, go=go),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(),
                                cwd=tmp_path) for path in seen]
    try:
        deadline = time.monotonic() + 300
        while len(list(tmp_path.glob("go.ready-*"))) < 4:  # every worker is up: start them together
            assert time.monotonic() < deadline and all(w.poll() is None for w in workers), workers[0].stderr
            time.sleep(0.05)
        go.touch()
        outputs = [w.communicate(timeout=300) for w in workers]
    finally:
        for w in workers:
            w.kill()
    assert [w.returncode for w in workers] == [0, 0, 0, 0], [err for _, err in outputs]

    by_worker = [seen_texts(path) for path in seen]
    everything = Counter(text for texts in by_worker for text in texts)
    assert set(everything) == {m.text for m in store.mentions()}  # none skipped...
    assert set(everything.values()) == {1}  # ...none classified twice
    assert sum(1 for texts in by_worker if texts) >= 2  # the work was shared
    printed = [int(out.split()[1]) for out, _ in outputs]  # "classified N mentions"
    assert sorted(printed) == sorted(len(texts) for texts in by_worker) and sum(printed) == 300
    assert pending_count(store) == 0
    assert all(r.sentiment and r.intent and r.tone for r in store.mentions())
    store.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_import_killed_mid_way_leaves_nothing_in_limbo_for_the_next_worker(backend, tmp_path, request):
    db = f"sqlite:///{tmp_path / 'triage.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    source = write_csv(tmp_path / "posts.csv", 200)
    killed = subprocess.run(fake_cli("import", str(source), "--db", db, seen=tmp_path / "import.jsonl",
                                     kill_at_batch=3),
                            capture_output=True, text=True, env=environment(), cwd=tmp_path, timeout=300)
    assert killed.returncode == -9, killed.stderr  # kill -9 while classifying its third batch of 64
    store = open_store(db)
    assert store.count() == 200  # every mention was stored before classifying started...
    assert pending_count(store) == 200 - 2 * 64  # ...two batches were committed, the rest is in limbo
    limbo = {r.text for r in store.mentions() if r.sentiment is None}

    again = subprocess.run(fake_cli("worker", "--once", "--db", db, seen=tmp_path / "worker.jsonl"),
                           capture_output=True, text=True, env=environment(), cwd=tmp_path, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"classified {len(limbo)} mentions\n"
    classified = seen_texts(tmp_path / "worker.jsonl")
    assert sorted(classified) == sorted(limbo)  # exactly the mentions in limbo, each once
    assert pending_count(store) == 0
    store.dispose()


def test_a_polling_worker_stops_cleanly_on_ctrl_c(tmp_path):
    db = f"sqlite:///{tmp_path / 'triage.db'}"
    store = open_store(db)
    stored_only(store, 3)
    worker = subprocess.Popen(fake_cli("worker", "--poll", "3600", "--db", db), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=environment(), cwd=tmp_path)
    try:
        assert worker.stdout.readline() == "classified 3 mentions\n"  # then it waits for more
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=60)
    finally:
        worker.kill()
    assert worker.returncode == 0, err
    assert "stopping after the current batch is committed" in err and "Traceback" not in err
    assert pending_count(store) == 0
    store.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_mention_edited_while_its_batch_is_classified_is_classified_again_with_its_new_text(backend, tmp_path,
                                                                                             request):
    import threading

    db = f"sqlite:///{tmp_path / 'triage.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    store = open_store(db)
    store_mentions(store, [make_mention("1", "thank you lumora, great service")])
    seen: list[str] = []
    editors: list[threading.Thread] = []

    class EditedMeanwhile(KeywordSentimentModel):
        def predict(self, texts, batch_size=64, progress=None):
            seen.extend(texts)
            if len(seen) == 1:  # the platform's edit is stored while the batch is being classified
                editor = threading.Thread(target=store_mentions, args=(
                    store, [make_mention("1", "lumora internet down again, still broken")]))
                editor.start()
                editors.append(editor)
                editor.join(timeout=0.5)  # SQLite: it is done; PostgreSQL: it waits for the batch's lock
            return super().predict(texts, batch_size, progress)

    ctx = Context(store, Config(), {}, sentiment=EditedMeanwhile(), intent=KeywordIntentModel())
    drain(ctx)
    editors[0].join(timeout=60)  # PostgreSQL: the edit is stored once the first batch is committed
    drain(ctx)
    row = store.mentions()[0]
    assert seen[-1] == row.text == "lumora internet down again, still broken"
    assert row.sentiment == "negative" and pending_count(store) == 0
    store.dispose()
