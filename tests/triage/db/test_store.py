"""The store, on SQLite and on a real PostgreSQL server started by the test session."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, text

from conftest import make_mention
from triage.db.store import QueueFilter, open_store
from triage.errors import DatabaseUnavailable
from triage.queue import workflow
from triage.records import SentimentScores


def test_a_new_database_gets_the_whole_schema(backend):
    tables = set(inspect(backend.engine).get_table_names())
    assert {"mentions", "replies", "audit", "meta", "incidents", "sources", "alembic_version"} <= tables
    with backend.engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == "0008"


def test_a_database_of_the_first_release_is_upgraded_without_losing_mentions(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine

    from triage.db.store import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(text(
            "insert into mentions (channel, external_id, url, author_handle, author_name, author_followers,"
            " author_verified, text, created_at, fetched_at, kind, raw, priority, reasons, status, updated_at)"
            " values ('x', '1', '', 'ann', '', 0, 0, 'still here', '2026-01-01', '2026-01-01', 'post', '{}',"
            " 0, '[]', 'new', '2026-01-01')"
        ))
    engine.dispose()
    store = open_store(url)
    assert [m.text for m in store.queue(QueueFilter())] == ["still here"]
    store.dispose()


def test_ingesting_the_same_mention_twice_stores_it_once(backend):
    first = backend.upsert_mentions([make_mention("42")])
    again = backend.upsert_mentions([make_mention("42")])
    assert len(first.inserted) == 1 and not first.updated
    assert again.updated == first.inserted and not again.inserted
    assert backend.count() == 1


def test_same_id_on_another_channel_is_another_mention(backend):
    backend.upsert_mentions([make_mention("42", channel="x"), make_mention("42", channel="reddit")])
    assert backend.count() == 2


def test_reingesting_never_resets_the_workflow(backend):
    [mention_id] = backend.upsert_mentions([make_mention("7")]).inserted
    workflow.reply(backend, mention_id, "giulia", "Sorry about that, DM us ^GB")
    backend.upsert_mentions([make_mention("7", followers=5000)])
    row = backend.get(mention_id)
    assert row.status == "replied"
    assert row.assignee == "giulia"
    assert row.first_response_at is not None
    assert row.author_followers == 5000  # content is refreshed
    assert len(backend.replies_for([mention_id])[mention_id]) == 1


def test_an_edited_post_is_classified_again(backend):
    [mention_id] = backend.upsert_mentions([make_mention("9", text="all fine")]).inserted
    backend.save_classifications({mention_id: (SentimentScores(0.1, 0.8, 0.1), "en")}, "m")
    backend.upsert_mentions([make_mention("9", text="all fine")])
    assert backend.get(mention_id).sentiment == "neutral"
    backend.upsert_mentions([make_mention("9", text="actually it broke again")])
    assert backend.get(mention_id).sentiment is None
    assert backend.unclassified_ids() == [mention_id]


def test_queue_is_ordered_by_priority_and_filters(backend):
    ids = backend.upsert_mentions(
        [make_mention("1", text="low"), make_mention("2", text="high", channel="reddit"), make_mention("3", text="mid")]
    ).inserted
    from triage.records import Priority

    backend.save_priorities({ids[0]: Priority(10, ()), ids[1]: Priority(90, ()), ids[2]: Priority(50, ())})
    assert [r.text for r in backend.queue()] == ["high", "mid", "low"]
    assert [r.text for r in backend.queue(QueueFilter(channels=["reddit"]))] == ["high"]
    assert [r.text for r in backend.queue(QueueFilter(text="MI"))] == ["mid"]


def test_free_text_search_is_data_not_sql(backend):
    backend.upsert_mentions([make_mention("1", text="100% broken_router")])
    assert backend.queue(QueueFilter(text="100%")) != []
    assert backend.queue(QueueFilter(text="'; drop table mentions; --")) == []
    assert backend.queue(QueueFilter(text="_")) != []
    assert backend.queue(QueueFilter(text="%%%")) == []
    assert backend.count() == 1


def test_meta_values_round_trip(backend):
    assert backend.get_meta("demo_loaded_at") is None
    backend.set_meta("demo_loaded_at", "2026-11-20T12:00:00+00:00")
    backend.set_meta("demo_loaded_at", "later")
    assert backend.get_meta("demo_loaded_at") == "later"


def test_times_come_back_as_utc(backend, now):
    [mention_id] = backend.upsert_mentions([make_mention("5", minutes_ago=90)]).inserted
    created = backend.get(mention_id).created_at
    assert created.utcoffset().total_seconds() == 0
    assert (now - created).total_seconds() == 90 * 60


def test_sqlite_runs_in_wal_mode(store, sqlite_url):
    store.upsert_mentions([make_mention("1")])
    path = sqlite_url.removeprefix("sqlite:///")
    assert sqlite3.connect(path).execute("pragma journal_mode").fetchone()[0] == "wal"


def test_reopening_an_existing_database_keeps_its_data(sqlite_url):
    first = open_store(sqlite_url)
    first.upsert_mentions([make_mention("1")])
    first.dispose()
    second = open_store(sqlite_url)
    assert second.count() == 1
    second.dispose()


def test_an_unreachable_database_is_one_clear_line():
    with pytest.raises(DatabaseUnavailable) as caught:
        open_store("postgresql+psycopg://ascolto:secret@127.0.0.1:1/nothing")
    message = str(caught.value)
    assert "\n" not in message
    assert "cannot open database" in message and "TRIAGE_DB_URL" in message
    assert "secret" not in message  # credentials never reach the user's terminal or logs


def test_a_malformed_url_says_what_a_url_looks_like():
    with pytest.raises(DatabaseUnavailable, match="sqlite:///data/triage.db"):
        open_store("not a url")


def test_a_move_is_one_conditional_update_and_a_refused_one_writes_nothing(backend, now):
    from triage.db.transitions import Move, NewReply
    from triage.errors import MoveRefused

    [mention_id] = backend.upsert_mentions([make_mention("7")]).inserted
    claim = Move(mention_id, "giulia", "claim", "in_progress", ("new",), now, assignee="giulia")
    assert backend.move(claim) is None
    with pytest.raises(MoveRefused) as refused:  # tom's claim finds the mention held by giulia
        backend.move(Move(mention_id, "tom", "claim", "in_progress", ("new", "in_progress"), now, assignee="tom"))
    assert (refused.value.status, refused.value.assignee) == ("in_progress", "giulia")
    reply = Move(mention_id, "giulia", "reply", "replied", ("in_progress",), now, note="on it", assignee="giulia",
                 first_response=True)
    reply_id = backend.move(reply, NewReply("Sorry! ^GB", posted=True, external_id="r1"))
    row = backend.get(mention_id)
    assert (row.status, row.assignee, row.first_response_at is not None) == ("replied", "giulia", True)
    assert [r.id for r in backend.replies_for([mention_id])[mention_id]] == [reply_id]
    assert [(a.actor, a.action, a.from_status, a.to_status) for a in backend.audit_for(mention_id)] == [
        ("giulia", "claim", "new", "in_progress"), ("giulia", "reply", "in_progress", "replied")]


def test_tone_profiles_are_stored_for_classified_mentions_only(backend):
    classified, waiting = backend.upsert_mentions([make_mention("1"), make_mention("2")]).inserted
    backend.save_classifications({classified: (SentimentScores(0.8, 0.1, 0.1), "en")}, "m")
    assert [r.id for r in backend.untoned_mentions()] == [classified]
    backend.save_tones({classified: {"language": "en"}})
    assert backend.untoned_mentions() == [] and backend.get(classified).tone == {"language": "en"}
    assert backend.reply_count() == 0 and backend.replies_after(0) == []
