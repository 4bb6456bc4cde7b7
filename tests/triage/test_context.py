"""The context: built once, handed down; configuration, credentials and models load on first use."""

from __future__ import annotations

import pytest

from fakes import KeywordSentimentModel
from triage.config.settings import Config, ConfigError
from triage.context import Context, LazyModel


class CountingLoader:
    """A model loader that says how often it ran."""

    def __init__(self) -> None:
        self.loads = 0

    def __call__(self) -> KeywordSentimentModel:
        self.loads += 1
        return KeywordSentimentModel()


def test_a_model_loads_on_its_first_prediction_and_is_then_kept(store):
    loader = CountingLoader()
    ctx = Context(store, Config(), {}, sentiment=loader)
    assert loader.loads == 0  # building the context loads nothing
    assert ctx.sentiment.predict(["lumora internet down"])[0].label == "negative"
    assert ctx.sentiment.name == "fake-keywords"
    ctx.sentiment.predict(["again"])
    assert loader.loads == 1


def test_a_model_given_as_is_is_used_as_is(store, fake_model):
    ctx = Context(store, sentiment=fake_model)
    assert ctx.sentiment is fake_model and isinstance(Context(store).sentiment, LazyModel)


def test_the_configuration_is_read_on_first_use_so_a_broken_file_only_matters_where_it_is_needed(store, tmp_path):
    broken = tmp_path / "triage.toml"
    broken.write_text("[sources.x\n", encoding="utf-8")
    ctx = Context(store, config_path=broken)
    assert ctx.store is store  # nothing read yet
    with pytest.raises(ConfigError):
        _ = ctx.config


def test_a_fresh_context_shares_the_store_and_models_and_rereads_the_rest(store, fake_model):
    ctx = Context(store, Config(), {"TOKEN": "a"}, sentiment=fake_model)
    config = Config(dry_run=True)
    fresh = ctx.fresh(config)
    assert fresh.store is store and fresh.sentiment is fake_model and fresh.intent is ctx.intent
    assert fresh.config is config


def test_the_clock_is_the_contexts(store, now):
    assert Context(store, clock=lambda: now).now() == now
