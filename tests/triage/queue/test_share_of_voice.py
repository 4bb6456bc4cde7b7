"""Share of voice: competitors of [brand.competitors] are searched, tagged at listening and counted apart."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fake_listeners import FakeFeed, fake_kind  # noqa: F401  (fixture)
from triage.config.secrets import load_secrets
from triage.config.settings import ListenSettings, SourceConfig, parse_config
from triage.context import Context
from triage.db.schema import MentionRow
from triage.errors import ConfigError
from triage.ingest.brands import brand_of
from triage.ingest.listening import run_source
from triage.queue.overview import volume
from triage.queue.period import parse_period
from triage.queue.share_of_voice import share_of_voice

BRAND = {"name": "Lumora", "keywords": ["lumora"],
         "competitors": {"Fastnet": ["fastnet", "fast net"], "Ondaviva": ["ondaviva"]}}


def test_sources_search_the_competitors_keywords_after_the_brands():
    config = parse_config({"brand": BRAND, "sources": {"feed": {"kind": "rss", "feeds": ["https://example.com/feed"]}}})
    assert config.source("feed").options["keywords"] == ["lumora", "fastnet", "fast net", "ondaviva"]
    assert [c.name for c in config.brand.competitors] == ["Fastnet", "Ondaviva"]
    with pytest.raises(ConfigError, match=r"\[brand.competitors\] Fastnet: give a name"):
        parse_config({"brand": {"competitors": {"Fastnet": []}}})


def test_a_mention_is_a_competitors_only_when_it_names_them_and_not_us():
    brand = parse_config({"brand": BRAND}).brand
    assert brand_of("Fast Net is down all over Milan", brand) == "Fastnet"
    assert brand_of("moved from fastnet to lumora, much better", brand) is None  # about us too
    assert brand_of("fastnetwork is a different thing", brand) is None  # whole words only
    assert brand_of("my router is down", brand) is None


def test_listening_tags_competitor_mentions_and_the_reports_count_them_apart(store, fake_model, fake_intent_model,
                                                                            fake_kind):
    config = parse_config({"brand": BRAND})
    ctx = Context(store, config, load_secrets("/nonexistent.toml", environ={"FAKE_TOKEN": "t"}), sentiment=fake_model,
                  intent=fake_intent_model)
    feed = FakeFeed(["lumora internet down again", "fastnet down too", "ondaviva is great", "thanks lumora"])
    run_source(ctx, SourceConfig("feed", "fake", True, {"feed": feed}), ListenSettings(attempts=1))
    with store.session() as session:
        tags = dict(session.query(MentionRow.external_id, MentionRow.brand))
    assert tags == {"p0": None, "p1": "Fastnet", "p2": "Ondaviva", "p3": None}
    day = store.mentions()[0].created_at.date().isoformat()
    period = parse_period(f"{day}..{day}")
    assert volume(store, period).total == 2  # our own report counts our brand only
    voice = share_of_voice(store, period, "Lumora").totals.set_index("brand")
    assert voice["mentions"].to_dict() == {"Lumora": 2, "Fastnet": 1, "Ondaviva": 1}
    assert voice.loc["Lumora", "share_of_voice_pct"] == 50.0


def test_share_of_voice_gives_sentiment_per_brand(store):
    at = datetime(2026, 11, 3, 10, tzinfo=timezone.utc)
    with store.session() as session:
        for n, (brand, sentiment) in enumerate([(None, "negative"), (None, "positive"), ("Fastnet", "negative"),
                                                ("Fastnet", "negative"), ("Fastnet", "neutral")]):
            session.add(MentionRow(channel="x", external_id=str(n), author_handle="a", text="t", created_at=at,
                                   fetched_at=at, updated_at=at, sentiment=sentiment, status="new", brand=brand))
    voice = share_of_voice(store, parse_period("2026-11-01..2026-11-07"))
    totals = voice.totals.set_index("brand")
    assert totals.loc["Fastnet", ["mentions", "share_of_voice_pct", "negative_pct"]].tolist() == [3, 60.0, 66.7]
    assert totals.loc["(our brand)", ["negative_pct", "positive_pct"]].tolist() == [50.0, 50.0]
    assert voice.daily["mentions"].sum() == 5
