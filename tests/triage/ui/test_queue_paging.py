"""The queue page shows one page of a big queue, read in SQL, with the total counted in SQL."""

from __future__ import annotations

from datetime import datetime, timezone

from bench.scale import build
from conftest import start_dashboard
from triage.db.queue_view import queue_lines
from triage.db.store import QueueFilter, open_store
from triage.records import OPEN_STATUSES


def test_a_big_queue_is_paged(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'big.db'}"
    build(url, 2500, datetime.now(timezone.utc))
    total = queue_lines(open_store(url), QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True))
    assert total > 500
    at = start_dashboard(monkeypatch, url)
    first = next(df.value for df in at.dataframe if "top reason" in df.value.columns)
    assert len(first) == 500
    assert any(t.value.startswith(f"{total} mentions, highest priority first · page 1 of") for t in at.text)
    at.number_input(key="q_page").set_value(2).run()
    second = next(df.value for df in at.dataframe if "top reason" in df.value.columns)
    assert len(second) == min(500, total - 500)
    assert second["priority"].max() <= first["priority"].min()


def test_a_direct_jump_shows_the_same_page_as_paging_there(tmp_path, monkeypatch):
    from triage.db.queue_view import queue_page

    url = f"sqlite:///{tmp_path / 'big.db'}"
    build(url, 2500, datetime.now(timezone.utc))
    flt = QueueFilter(statuses=list(OPEN_STATUSES), classified_only=True)
    expected = queue_page(open_store(url), flt, 500, 100)  # lines 501-600, read the old way (OFFSET)
    at = start_dashboard(monkeypatch, url)
    at.segmented_control(key="q_page_size").set_value(100).run()
    at.number_input(key="q_page").set_value(6).run()  # no page in between was read: the keys are walked
    shown = next(df.value for df in at.dataframe if "top reason" in df.value.columns)
    assert len(expected) == 100
    assert list(shown["author"]) == [r.author_handle for r in expected]
    assert list(shown["priority"]) == [r.priority for r in expected]
    assert any("· page 6 of" in t.value for t in at.text)


def test_a_jump_farther_than_the_bound_lands_on_the_farthest_page_it_reached(tmp_path, monkeypatch):
    from triage.queue import paging

    url = f"sqlite:///{tmp_path / 'big.db'}"
    build(url, 2500, datetime.now(timezone.utc))
    monkeypatch.setattr(paging, "JUMP_BOUND", 200)  # two pages of 100 per view
    at = start_dashboard(monkeypatch, url)
    at.segmented_control(key="q_page_size").set_value(100).run()
    at.number_input(key="q_page").set_value(6).run()  # page 2's start is known (page 1 was read): 2 + 2
    assert at.number_input(key="q_page").value == 4
    assert any("· page 4 of" in t.value for t in at.text)
    assert any("this is page 4; jump again to go farther" in c.value for c in at.caption)
