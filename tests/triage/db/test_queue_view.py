"""The queue page's SQL: pages of the collapsed queue and its line count agree with collapsing the whole list."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from conftest import NOW, make_mention
from triage.db import queue_view
from triage.db.queue_view import (
    COUNT_BOUND,
    TEXT_COUNT_BOUND,
    QueueCursor,
    count_bound,
    distinct_values,
    lines_text,
    queue_lines,
    queue_page,
    skip,
)
from triage.db.schema import IncidentRow, MentionRow
from triage.db.store import QueueFilter, open_store, search_terms
from triage.records import OPEN_STATUSES, Priority, SentimentScores


@pytest.fixture(params=["sqlite", "postgresql"])
def queue_store(request: pytest.FixtureRequest, sqlite_url: str):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = open_store(url)
    mentions = [make_mention(str(i), f"post {i}", channel=("x", "reddit")[i % 2], handle=f"u{i}",
                             minutes_ago=i * 7) for i in range(40)]
    ids = store.upsert_mentions(mentions).inserted
    store.save_classifications({i: (SentimentScores(0.8, 0.1, 0.1), "it" if i % 3 else "en") for i in ids}, "fake")
    store.save_priorities({i: Priority((i * 37) % 100, ()) for i in ids})
    with store.session() as session:
        incidents = [IncidentRow(key=f"inc-{n}", title=f"incident {n}", created_at=NOW, updated_at=NOW)
                     for n in range(3)]
        session.add_all(incidents)
        session.flush()
        for n, incident in enumerate(incidents):
            members = ids[n::5][:4]
            session.execute(update(MentionRow).where(MentionRow.id.in_(members)).values(incident_id=incident.id))
        session.execute(update(MentionRow).where(MentionRow.id.in_(ids[::4])).values(status="replied"))
    yield store
    store.dispose()


def collapsed(store, flt):
    """The queue's lines the slow way: every matching row, each incident kept at its first (best) place."""
    seen, lines = set(), []
    for row in store.queue(QueueFilter(**{**flt.__dict__, "limit": 10_000})):
        if row.incident_id is None or row.incident_id not in seen:
            seen.add(row.incident_id)
            lines.append(row.id)
    return lines


@pytest.mark.parametrize("flt", [
    QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True),
    QueueFilter(channels=["reddit"]),
    QueueFilter(languages=["it"], statuses=list(OPEN_STATUSES)),
    QueueFilter(text="post 1"),
], ids=["open", "reddit", "italian", "text"])
def test_pages_and_count_match_the_collapsed_queue(queue_store, flt):
    expected = collapsed(queue_store, flt)
    assert queue_lines(queue_store, flt) == len(expected)
    pages = [queue_page(queue_store, flt, offset, 7) for offset in range(0, len(expected) + 7, 7)]
    assert [r.id for page in pages for r in page] == expected
    assert all(len(page) <= 7 for page in pages)


@pytest.mark.parametrize("flt", [
    QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True),
    QueueFilter(channels=["reddit"]),
], ids=["open", "reddit"])
def test_a_bounded_count_is_exact_below_the_bound_and_stops_past_it(queue_store, flt):
    lines = len(collapsed(queue_store, flt))
    assert queue_lines(queue_store, flt, bound=lines) == lines
    assert queue_lines(queue_store, flt, bound=lines + 50) == lines
    assert queue_lines(queue_store, flt, bound=lines - 2) > lines - 2  # "more than lines - 2"
    rows = queue_store.queue(QueueFilter(**{**flt.__dict__, "limit": 10_000}))
    outside = sum(1 for r in rows if r.incident_id is None)
    assert queue_lines(queue_store, flt, bound=outside - 1) == outside  # stopped at the bound, uncounted past it
    assert queue_page(queue_store, flt, lines - 1, 7)  # paging past the bound still reads the rows


def test_under_a_text_filter_the_count_is_bounded_too_and_sooner(queue_store):
    flt = QueueFilter(text="post 1")
    lines = queue_lines(queue_store, flt)
    assert queue_lines(queue_store, flt, bound=lines) == lines > 2
    assert queue_lines(queue_store, flt, bound=2) > 2  # "more than 2"
    assert count_bound(flt) == TEXT_COUNT_BOUND < COUNT_BOUND == count_bound(QueueFilter())


def test_the_count_text_says_plus_past_the_bound():
    assert lines_text(42) == "42 mentions"
    assert lines_text(10_000) == "10000 mentions"
    assert lines_text(10_001) == "10,000+ mentions"


def test_filter_choices_are_the_distinct_values(queue_store):
    assert distinct_values(queue_store, "channel") == ["reddit", "x"]
    assert distinct_values(queue_store, "language") == ["en", "it"]


FILTERS = [
    QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True),
    QueueFilter(channels=["reddit"]),
    QueueFilter(text="post 1"),
]


@pytest.mark.parametrize("flt", FILTERS, ids=["open", "reddit", "text"])
def test_pages_read_by_cursor_are_the_collapsed_queue(queue_store, flt):
    expected = collapsed(queue_store, flt)
    lines, after = [], None
    while page := queue_page(queue_store, flt, limit=6, after=after):
        lines += [r.id for r in page]
        after = QueueCursor.of(page[-1])
    assert lines == expected


@pytest.mark.parametrize("flt", FILTERS, ids=["open", "reddit", "text"])
def test_skipping_lines_lands_where_paging_would(queue_store, flt):
    expected = collapsed(queue_store, flt)
    size = len(expected) // 4
    page_one = queue_page(queue_store, flt, limit=size)
    cursor = skip(queue_store, flt, QueueCursor.of(page_one[-1]), size)  # from page 1's end to page 2's end
    assert [r.id for r in queue_page(queue_store, flt, limit=size, after=cursor)] == expected[2 * size:3 * size]
    assert skip(queue_store, flt, None, len(expected)) is not None
    assert skip(queue_store, flt, None, len(expected) + 1) is None  # past the end of the queue


def test_a_jump_walks_at_most_the_jump_bound(queue_store, monkeypatch):
    flt = FILTERS[0]
    expected = collapsed(queue_store, flt)
    monkeypatch.setattr(queue_view, "JUMP_BOUND", 4)
    cursor = skip(queue_store, flt, None, 12)
    assert [r.id for r in queue_page(queue_store, flt, limit=1, after=cursor)] == expected[4:5]


def test_the_search_finds_every_word_anywhere_and_a_quoted_phrase_as_written(queue_store):
    ids = queue_store.upsert_mentions([
        make_mention("w1", "the Router is DOWN again", handle="marta"),
        make_mention("w2", "router down since noon", handle="luca"),
        make_mention("w3", "down by the river", handle="router_fan"),
    ]).inserted

    def found(text: str) -> set[int]:
        return {r.id for r in queue_store.queue(QueueFilter(text=text)) if r.id in ids}

    assert found("router down") == set(ids)  # each word in the text or the author's handle
    assert found('"router down"') == {ids[1]}
    assert found("rout DOWN again") == {ids[0]}
    assert found("river luca") == set()


def test_search_terms_are_words_and_quoted_phrases():
    assert search_terms('  router  "down again"  router ') == ["router", "down again"]
    assert search_terms('unclosed "quote') == ["unclosed", '"quote']
    assert search_terms("") == []


def test_filter_choices_of_every_listed_column(queue_store):
    assert distinct_values(queue_store, "sentiment") == ["negative"]
    assert distinct_values(queue_store, "status") == ["new", "replied"]
    assert distinct_values(queue_store, "intent") == []  # nothing classified an intent here
    with pytest.raises(ValueError, match="no filter choices for mentions.text"):
        distinct_values(queue_store, "text")
