"""Keyset pages: reading page N seeks past page N-1; a jump walks the keys, at most JUMP_BOUND lines at a time."""

from __future__ import annotations

import pytest

from conftest import make_mention
from triage.db import queue_view
from triage.db.store import QueueFilter, open_store
from triage.queue import paging
from triage.queue.paging import QueuePages
from triage.records import OPEN_STATUSES, Priority, SentimentScores

OPEN = QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def ranked(request: pytest.FixtureRequest, sqlite_url: str):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = open_store(url)
    ids = store.upsert_mentions([make_mention(str(i), f"post {i}", handle=f"u{i}", minutes_ago=i)
                                 for i in range(23)]).inserted
    store.save_classifications({i: (SentimentScores(0.8, 0.1, 0.1), "en") for i in ids}, "fake")
    store.save_priorities({i: Priority((i * 7) % 5, ()) for i in ids})  # many ties: the order's later keys matter
    yield store, [r.id for r in store.queue(OPEN)]
    store.dispose()


def test_paging_forward_and_back_reads_the_queue_in_order(ranked):
    store, order = ranked
    pages = QueuePages(size=5)
    assert [r.id for n in (1, 2, 3, 4, 5) for r in pages.read(store, OPEN, n).rows] == order
    assert [r.id for r in pages.read(store, OPEN, 2).rows] == order[5:10]
    assert pages.read(store, OPEN, 6).rows == []


def test_a_direct_jump_lands_on_the_page_and_remembers_it(ranked, monkeypatch):
    store, order = ranked
    pages = QueuePages(size=5)
    read = pages.read(store, OPEN, 4)
    assert read.number == 4 and [r.id for r in read.rows] == order[15:20]

    def no_walk(*args, **kwargs):
        raise AssertionError("page 4's start is known: no walk")

    monkeypatch.setattr(paging, "skip", no_walk)
    assert [r.id for r in pages.read(store, OPEN, 4).rows] == order[15:20]
    assert [r.id for r in pages.read(store, OPEN, 5).rows] == order[20:]


def test_a_far_jump_stops_at_the_jump_bound(ranked, monkeypatch):
    store, order = ranked
    monkeypatch.setattr(paging, "JUMP_BOUND", 10)  # two pages of five per read
    pages = QueuePages(size=5)
    read = pages.read(store, OPEN, 5)
    assert read.number == 3 and [r.id for r in read.rows] == order[10:15]
    read = pages.read(store, OPEN, 5)  # the next read goes on from there
    assert read.number == 5 and [r.id for r in read.rows] == order[20:]


def test_a_jump_past_the_end_is_an_empty_page(ranked):
    store, _ = ranked
    assert QueuePages(size=5).read(store, OPEN, 9).rows == []
    assert queue_view.skip(store, OPEN, None, 24) is None
