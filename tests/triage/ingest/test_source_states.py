"""Each run leaves its source an explicit state: ok, rate_limited, error, missing_credentials or missing_package."""

from __future__ import annotations

from fake_listeners import FakeFeed, fake_kind  # noqa: F401  (fixture)
from listeners.base import RateLimited, TransientError
from triage.config.secrets import load_secrets
from triage.config.settings import Config, ListenSettings, SourceConfig
from triage.context import Context
from triage.db.source_state import get_state
from triage.ingest.listening import run_all, run_source

TEXTS = ["lumora internet down again", "thank you lumora, fast fix", "lumora charged me twice"]
SECRETS = load_secrets("/nonexistent/secrets.toml", environ={"FAKE_TOKEN": "t0ken-value"})
SETTINGS = ListenSettings(max_wait_seconds=60, rate_limit_retries=2, attempts=2, backoff_seconds=1,
                          backoff_max_seconds=10)


def no_sleep(_seconds: float) -> None:
    """Waits return at once in these tests."""


def run(store, model, intent_model, feed: FakeFeed, **options):
    source = SourceConfig("fake-feed", "fake", True, {"feed": feed, **options})
    ctx = Context(store, Config(), SECRETS, sentiment=model, intent=intent_model)
    result = run_source(ctx, source, SETTINGS, sleep=no_sleep)
    return result, get_state(store, "fake-feed")


def test_a_clean_run_is_ok(store, fake_model, fake_intent_model, fake_kind):
    _, state = run(store, fake_model, fake_intent_model, FakeFeed(TEXTS))
    assert state.state == "ok" and state.last_error is None


def test_a_rate_limit_waited_out_is_still_ok(store, fake_model, fake_intent_model, fake_kind):
    feed = FakeFeed(TEXTS, page_size=2, faults=[None, RateLimited("429", retry_after=30)])
    assert run(store, fake_model, fake_intent_model, feed)[1].state == "ok"


def test_a_rate_limit_that_ends_the_run_is_rate_limited(store, fake_model, fake_intent_model, fake_kind):
    too_long = FakeFeed(TEXTS, faults=[RateLimited("429", retry_after=3600)])
    assert run(store, fake_model, fake_intent_model, too_long)[1].state == "rate_limited"
    too_often = FakeFeed(TEXTS, faults=[RateLimited("429", retry_after=5)] * 5)
    assert run(store, fake_model, fake_intent_model, too_often)[1].state == "rate_limited"
    assert run(store, fake_model, fake_intent_model, FakeFeed(TEXTS))[1].state == "ok"  # the next run recovers


def test_other_failures_are_errors(store, fake_model, fake_intent_model, fake_kind):
    outage = FakeFeed(TEXTS, faults=[TransientError("503 Service Unavailable")] * 2)
    assert run(store, fake_model, fake_intent_model, outage)[1].state == "error"
    bug = FakeFeed(TEXTS, faults=[KeyError("entities")])
    assert run(store, fake_model, fake_intent_model, bug)[1].state == "error"


def test_a_missing_credential_is_its_own_state(store, fake_model, fake_intent_model, fake_kind):
    result, state = run(store, fake_model, fake_intent_model, FakeFeed(TEXTS), token_variable="OTHER_TOKEN")
    assert state.state == "missing_credentials" and state.last_error == result.error


def test_a_source_disabled_in_the_configuration_gets_no_state(store, fake_model, fake_intent_model, fake_kind):
    config = Config(sources=(SourceConfig("switched-off", "fake", False, {"feed": FakeFeed(TEXTS)}),))
    run_all(Context(store, config, SECRETS, sentiment=fake_model, intent=fake_intent_model))
    assert get_state(store, "switched-off") is None
