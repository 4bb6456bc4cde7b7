"""The demo data set: what it promises, and loading it twice changes nothing."""

from __future__ import annotations

from collections import Counter

import pytest

from triage.db.schema import DEMO_META_KEY
from triage.ingest.demo import demo_mentions, load_demo
from triage.records import OPEN_STATUSES


def test_the_data_set_is_bilingual_multichannel_and_spans_a_month(now):
    mentions = demo_mentions(now)
    assert len(mentions) >= 400
    assert len({m.channel for m in mentions}) >= 5
    languages = Counter(m.language for m in mentions)
    assert languages["en"] >= 150 and languages["it"] >= 150
    span = max(now - m.created_at for m in mentions)
    assert 28 <= span.days <= 30
    labels = Counter(m.raw["labels"]["intent"] for m in mentions)
    assert {"complaint", "question", "praise", "spam"} <= set(labels)
    reviews = [m for m in mentions if m.kind == "review"]
    assert reviews and all(1 <= m.rating <= 5 for m in reviews)
    assert len({(m.channel, m.external_id) for m in mentions}) == len(mentions)


def test_the_outage_day_is_a_spike_of_complaints(now):
    by_day = Counter((now - m.created_at).days for m in demo_mentions(now) if m.raw["labels"]["intent"] == "complaint")
    day, count = by_day.most_common(1)[0]
    assert day == 6 and count >= 3 * (sorted(by_day.values())[len(by_day) // 2])


@pytest.mark.model
def test_loading_twice_changes_nothing(store, fake_model, now):
    first = load_demo(store, fake_model, now=now)
    assert first.inserted == first.mentions >= 400 and first.replies >= 100
    counts = (store.count(), sum(len(r) for r in store.replies_for([m.id for m in store.mentions()]).values()))
    second = load_demo(store, fake_model, now=now)
    assert (second.inserted, second.replies) == (0, 0)
    assert counts == (store.count(), sum(len(r) for r in store.replies_for([m.id for m in store.mentions()]).values()))
    assert store.get_meta(DEMO_META_KEY) == now.isoformat(timespec="seconds")


@pytest.mark.model
def test_repeat_customers_still_waiting_show_up_in_the_queue(store, fake_model, now):
    load_demo(store, fake_model, now=now)
    open_rows = [r for r in store.mentions() if r.status in OPEN_STATUSES]
    repeats = [r for r in open_rows
               if any(reason["phrase"].endswith(("days", "today")) and "message" in reason["phrase"]
                      for reason in r.reasons)]
    assert len(repeats) >= 5
    answered = [r for r in store.mentions() if r.status == "replied"]
    assert all(r.first_response_at and r.first_response_at >= r.created_at for r in answered)
