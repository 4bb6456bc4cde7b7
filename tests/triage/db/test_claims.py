"""Claiming pending mentions: two claims never hold the same mention; the probe reads only pending rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from conftest import make_mention
from triage.db.claims import Classified, claim_pending, has_pending, pending_condition, pending_count
from triage.db.schema import MentionRow
from triage.db.store import open_store
from triage.records import SentimentScores


def stored(store, count: int) -> list[int]:
    return store.upsert_mentions([make_mention(str(i), f"post {i}") for i in range(count)]).ids


def done() -> Classified:
    return Classified(SentimentScores(0.1, 0.8, 0.1), "test", "en", "other", None, True, {"register": "neutral"})


def test_a_mention_stays_pending_until_sentiment_intent_and_tone_are_all_stored(backend):
    ids = stored(backend, 2)
    assert pending_count(backend) == 2 and has_pending(backend)
    with claim_pending(backend, 10) as batch:
        assert [row.id for row in batch.rows] == ids
        batch.save({ids[0]: done(), ids[1]: Classified(SentimentScores(0.1, 0.8, 0.1), "test")})
    assert pending_count(backend) == 1  # the second has no intent or tone yet
    with claim_pending(backend, 10) as batch:
        assert [row.id for row in batch.rows] == [ids[1]]
        batch.save({ids[1]: done()})
    assert not has_pending(backend)


def test_a_failed_batch_leaves_its_mentions_pending(backend):
    stored(backend, 3)
    with pytest.raises(RuntimeError), claim_pending(backend, 10) as batch:
        batch.save({row.id: done() for row in batch.rows[:1]})
        raise RuntimeError("the model crashed")
    expected = 3 if backend.engine.dialect.name == "postgresql" else 2  # PostgreSQL: nothing of the batch kept
    assert pending_count(backend) == expected


@pytest.mark.postgres
def test_two_claims_on_postgresql_never_hold_the_same_mention(postgres_url):
    store = open_store(postgres_url)
    ids = stored(store, 5)
    with claim_pending(store, 3) as first, claim_pending(store, 3) as second:
        assert [r.id for r in first.rows] == ids[:3]
        assert [r.id for r in second.rows] == ids[3:]  # the first batch's rows are skipped, not waited for
        with claim_pending(store, 3) as third:
            assert third.rows == []
    store.dispose()


def test_looking_for_pending_mentions_reads_the_partial_index(backend):
    stored(backend, 3)
    query = select(MentionRow.id).where(pending_condition()).order_by(MentionRow.id).limit(64)
    sql = str(query.compile(backend.engine, compile_kwargs={"literal_binds": True}))
    with backend.engine.connect() as connection:
        if backend.engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # a 3-row table is cheaper to scan otherwise
            plan = " ".join(str(row[0]) for row in connection.execute(text("EXPLAIN " + sql)))
        else:
            plan = " ".join(str(row[-1]) for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_mentions_pending" in plan
