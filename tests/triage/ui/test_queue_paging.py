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
