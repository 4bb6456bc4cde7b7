"""On PostgreSQL the queue page's queries read indexes, not the table: the plans, on a small table with
sequential scans discouraged (as the planner chooses on a big one), name the index each query must use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conftest import make_mention
from triage.db.queue_view import QueueCursor, _after, _shown, choices_query, count_bound, distinct_values
from triage.db.schema import MentionRow
from triage.db.store import QUEUE_ORDER, QueueFilter, open_store, queue_conditions
from triage.records import OPEN_STATUSES, Priority, SentimentScores

pytestmark = pytest.mark.postgres

OPEN = QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True)


@pytest.fixture
def store(postgres_url):
    store = open_store(postgres_url)
    ids = store.upsert_mentions([make_mention(str(i), f"post {i}", channel=("x", "reddit")[i % 2])
                                 for i in range(30)]).inserted
    store.save_classifications({i: (SentimentScores(0.8, 0.1, 0.1), "it") for i in ids}, "fake")
    store.save_priorities({i: Priority(i % 7, ()) for i in ids})
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE mentions")  # the visibility map: index-only scans
    yield store
    store.dispose()


def plan(store, query) -> str:
    compiled = query.compile(store.engine, compile_kwargs={"render_postcompile": True})
    with store.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET enable_bitmapscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        return "\n".join(row[0] for row in rows)


def test_a_page_after_a_cursor_seeks_in_the_open_queue_index_reading_the_index_alone(store):
    cursor = QueueCursor(3, store.mentions()[0].created_at, 5)
    ids = select(MentionRow.id).where(*_shown(OPEN), *_after(cursor)).order_by(*QUEUE_ORDER).limit(10)
    text = plan(store, ids)
    assert "Index Only Scan using ix_mentions_open_queue" in text, text
    assert "Index Cond: (priority <= 3)" in text, text  # a seek, not a walk from the top
    assert "Index Cond: (incident_id = mentions.incident_id)" in text, text  # incidents: looked up per member


@pytest.mark.parametrize("flt", [OPEN, QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True,
                                                   channels=["reddit"], languages=["it"])], ids=["open", "filtered"])
def test_the_bounded_count_reads_the_open_queue_index_alone(store, flt):
    sample = select(MentionRow.incident_id).where(*queue_conditions(flt)).limit(count_bound(flt) + 1).subquery()
    text = plan(store, select(func.count()).select_from(sample))
    assert "Index Only Scan using ix_mentions_open_queue" in text, text


@pytest.mark.parametrize("column", ["channel", "language", "intent", "topic", "sentiment", "status"])
def test_filter_choices_hop_through_an_index(store, column):
    text = plan(store, choices_query(column))
    assert "Recursive Union" in text and "Index Only Scan" in text and "Seq Scan" not in text, text
    assert distinct_values(store, column) == {"channel": ["reddit", "x"], "language": ["it"],
                                              "sentiment": ["negative"], "status": ["new"]}.get(column, [])


def test_the_page_s_queries_are_planned_for_their_values_without_jit_and_only_they(store):
    from sqlalchemy import text

    from triage.db.queue_view import _reading

    with _reading(store) as session:
        assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"  # never a generic plan
        assert session.scalar(text("SHOW jit")) == "off"
    with store.session() as session:  # the settings were the transaction's own
        assert session.scalar(text("SHOW plan_cache_mode")) == "auto"
