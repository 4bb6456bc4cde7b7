"""The listen runner: batches stored before their cursor, faults handled, figures recorded."""

from __future__ import annotations

import logging

import pytest

from fake_listeners import NO_SDK_DISABLED, FakeFeed, fake_kind, no_sdk_kind  # noqa: F401  (fixtures)
from listeners.base import RateLimited, TransientError
from triage.config.secrets import load_secrets
from triage.config.settings import Config, ConfigError, ListenSettings, SourceConfig
from triage.context import Context
from triage.db.source_state import get_state
from triage.db.store import QueueFilter
from triage.errors import ModelUnavailable
from triage.ingest.listening import StopFlag, run_all, run_source

TEXTS = ["lumora internet down again", "thank you lumora, fast fix", "lumora charged me twice",
         "is lumora fibra any good?", "lumora app broken"]
SECRETS = load_secrets("/nonexistent/secrets.toml", environ={"FAKE_TOKEN": "t0ken-value"})
SETTINGS = ListenSettings(max_wait_seconds=60, rate_limit_retries=2, attempts=3, backoff_seconds=1,
                          backoff_max_seconds=10)


class Sleeps(list):
    """A ``sleep`` that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source(feed: FakeFeed, name: str = "fake-feed", **options) -> SourceConfig:
    return SourceConfig(name, "fake", True, {"feed": feed, **options})


def context(store, model, intent_model=None, config: Config | None = None) -> Context:
    """What the runner works with: this store, these models, the test credentials, no triage.toml."""
    return Context(store, config or Config(), SECRETS, sentiment=model, intent=intent_model)


def stored_ids(store) -> list[str]:
    return sorted(m.external_id for m in store.mentions())


def test_each_batch_is_stored_classified_and_ranked_before_its_cursor_moves(backend, fake_model, fake_intent_model,
                                                                            fake_kind):
    seen = []

    def observe(offset: int) -> None:  # the listener asks for the next page: what is committed by then?
        state = get_state(backend, "fake-feed")
        seen.append((offset, state.cursor, stored_ids(backend), backend.unclassified_ids(),
                     [(r.intent is not None, r.urgency is not None) for r in backend.mentions()]))

    feed = FakeFeed(TEXTS, page_size=2, on_request=observe)
    run = run_source(context(backend, fake_model, fake_intent_model), source(feed), SETTINGS)
    assert (run.fetched, run.new, run.skipped, run.batches, run.error) == (5, 5, 0, 3, None)
    assert [(offset, cursor, ids) for offset, cursor, ids, _, _ in seen] == [
        (0, None, []),
        (2, "2", ["p0", "p1"]),
        (4, "4", ["p0", "p1", "p2", "p3"]),
        (5, "5", ["p0", "p1", "p2", "p3", "p4"]),
    ]
    assert all(unclassified == [] for *_, unclassified, _ in seen)  # classified before the next page
    assert all(all(a and b for a, b in ranked) for *_, ranked in seen)  # given their intent and ranked
    state = get_state(backend, "fake-feed")
    assert (state.cursor, state.last_fetched, state.total_fetched, state.last_skipped) == ("5", 5, 5, 0)
    assert state.last_error is None and state.last_success_at >= state.last_run_at

    feed.texts.append("lumora support never answers")  # the platform has one new post
    again = run_source(context(backend, fake_model, fake_intent_model), source(feed), SETTINGS)
    assert (again.fetched, again.new) == (1, 1)
    assert feed.requests[4:] == [5, 6]  # resumed from the stored cursor
    assert stored_ids(backend) == ["p0", "p1", "p2", "p3", "p4", "p5"]
    assert get_state(backend, "fake-feed").total_fetched == 6


def test_the_queue_shows_only_classified_mentions(store, fake_model, fake_intent_model):
    from conftest import make_mention

    [classified, waiting] = store.upsert_mentions([make_mention("1"), make_mention("2")]).inserted
    from triage.records import SentimentScores

    store.save_classifications({classified: (SentimentScores(0.8, 0.1, 0.1), "en")}, "m")
    assert [r.id for r in store.queue(QueueFilter(classified_only=True))] == [classified]
    assert len(store.queue()) == 2


def test_a_rate_limit_waits_and_resumes_where_it_was(store, fake_model, fake_intent_model, fake_kind):
    sleeps = Sleeps()
    feed = FakeFeed(TEXTS, page_size=2, faults=[None, RateLimited("429 Too Many Requests", retry_after=30)])
    run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, sleep=sleeps)
    assert sleeps == [30]
    assert feed.requests == [0, 2, 2, 4, 5]  # after the wait it asks again for the page that was refused
    assert run.ok and run.fetched == 5 and run.waited_seconds == 30
    assert stored_ids(store) == ["p0", "p1", "p2", "p3", "p4"]


def test_a_rate_limit_longer_than_the_bound_ends_the_run_and_the_next_resumes(store, fake_model, fake_intent_model,
                                                                              fake_kind):
    sleeps = Sleeps()
    feed = FakeFeed(TEXTS, page_size=2, faults=[None, RateLimited("429", retry_after=3600)])
    run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, sleep=sleeps)
    assert sleeps == [] and run.fetched == 2
    assert run.error.startswith("rate limited for 3600 s, longer than [listen] max_wait_seconds (60)")
    state = get_state(store, "fake-feed")
    assert state.cursor == "2" and state.last_error == run.error
    later = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, sleep=sleeps)
    assert later.ok and feed.requests[2] == 2 and stored_ids(store) == ["p0", "p1", "p2", "p3", "p4"]
    assert get_state(store, "fake-feed").last_error is None


def test_rate_limit_waits_are_bounded_in_number(store, fake_model, fake_intent_model, fake_kind):
    sleeps = Sleeps()
    feed = FakeFeed(TEXTS, faults=[RateLimited("429", retry_after=5)] * 5)
    run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, sleep=sleeps)
    assert sleeps == [5, 5] and run.error.startswith("still rate limited after 2 waits")


def test_transient_errors_back_off_then_give_up_with_the_cursor_unchanged(store, fake_model, fake_intent_model,
                                                                          fake_kind):
    sleeps = Sleeps()
    outage = [TransientError("503 Service Unavailable")] * 3
    feed = FakeFeed(TEXTS, page_size=2, faults=[None, *outage])
    run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, sleep=sleeps)
    assert sleeps == [1, 2]  # exponential backoff between the 3 tries
    assert feed.requests == [0, 2, 2, 2]
    assert run.error == ("503 Service Unavailable (gave up after 3 tries; the next run resumes from the last "
                         "stored batch)")
    state = get_state(store, "fake-feed")
    assert state.cursor == "2" and state.last_error == run.error and state.last_success_at is None
    assert stored_ids(store) == ["p0", "p1"]

    recovered = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, sleep=sleeps)
    assert recovered.ok and feed.requests[4] == 2  # resumed from the stored cursor
    assert stored_ids(store) == ["p0", "p1", "p2", "p3", "p4"]
    state = get_state(store, "fake-feed")
    assert state.last_error is None and state.last_success_at is not None and state.total_fetched == 5


def test_a_transient_error_that_clears_is_only_a_delay(store, fake_model, fake_intent_model, fake_kind):
    sleeps = Sleeps()
    feed = FakeFeed(TEXTS, page_size=5, faults=[TransientError("connection reset"), TransientError("timeout")])
    run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, sleep=sleeps)
    assert run.ok and sleeps == [1, 2] and run.fetched == 5


def test_a_missing_credential_disables_one_source_and_the_others_still_run(store, fake_model, fake_intent_model,
                                                                           fake_kind):
    config = Config(sources=(
        source(FakeFeed(TEXTS[:2], channel="first"), "needs-a-token", token_variable="OTHER_TOKEN"),
        source(FakeFeed(TEXTS[2:], channel="second"), "has-its-token"),
        SourceConfig("switched-off", "fake", False, {"feed": FakeFeed(TEXTS)}),
    ))
    first, second, third = run_all(context(store, fake_model, fake_intent_model, config))
    assert first.disabled == first.error == "source 'needs-a-token' (fake) disabled: set OTHER_TOKEN"
    assert first.line() == ("needs-a-token (fake): fetched 0, new 0, skipped 0, error: source 'needs-a-token' "
                            "(fake) disabled: set OTHER_TOKEN")
    assert second.ok and second.fetched == 3 and second.line().endswith("fetched 3, new 3, skipped 0, ok")
    assert third.disabled == "disabled in the built-in defaults (no triage.toml)" and third.fetched == 0
    assert {m.channel for m in store.mentions()} == {"second"}
    assert get_state(store, "needs-a-token").last_error.endswith("set OTHER_TOKEN")
    assert get_state(store, "switched-off") is None  # never run


def test_a_listener_whose_sdk_is_missing_disables_its_source_and_the_others_still_run(
    store, fake_model, fake_intent_model, fake_kind, no_sdk_kind
):
    config = Config(sources=(
        SourceConfig("boards", "no_sdk", True, {"board": "general"}),
        source(FakeFeed(TEXTS[:3], channel="second"), "has-its-sdk"),
    ))
    first, second = run_all(context(store, fake_model, fake_intent_model, config))
    assert first.disabled == first.error == f"source 'boards' (no_sdk) {NO_SDK_DISABLED}"
    expected = f"boards (no_sdk): fetched 0, new 0, skipped 0, error: source 'boards' (no_sdk) {NO_SDK_DISABLED}"
    assert first.line() == expected
    assert second.ok and second.line().endswith("fetched 3, new 3, skipped 0, ok")
    assert {m.channel for m in store.mentions()} == {"second"}
    assert get_state(store, "boards").last_error.endswith("pip install ascolto-example-sdk==1.0")
    assert get_state(store, "boards").state == "missing_package"


def test_only_named_sources_run_and_a_disabled_one_says_so(store, fake_model, fake_intent_model, fake_kind):
    config = Config(sources=(source(FakeFeed(TEXTS), "a"), SourceConfig("b", "fake", False, {"feed": FakeFeed([])})))
    assert [r.name for r in run_all(context(store, fake_model, fake_intent_model, config), only=["a"])] == ["a"]
    with pytest.raises(ConfigError, match="source 'b' is disabled .*; set enabled = true"):
        run_all(context(store, fake_model, fake_intent_model, config), only=["b"])
    with pytest.raises(ConfigError, match="no source named 'c'"):
        run_all(context(store, fake_model, fake_intent_model, config), only=["c"])


def test_malformed_items_are_skipped_counted_and_logged(store, fake_model, fake_intent_model, fake_kind, caplog):
    feed = FakeFeed(TEXTS, page_size=2, malformed={1, 4})
    with caplog.at_level(logging.WARNING, logger="triage.ingest.listening"):
        run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS)
    assert (run.fetched, run.skipped, run.ok) == (3, 2, True)
    assert stored_ids(store) == ["p0", "p2", "p3"]
    state = get_state(store, "fake-feed")
    assert (state.last_skipped, state.last_fetched, state.cursor) == (2, 3, "5")
    logged = [r.getMessage() for r in caplog.records]
    assert logged == ["source fake-feed: skipped a malformed item: post p1: no author",
                      "source fake-feed: skipped a malformed item: post p4: no author"]


def test_a_listener_bug_is_recorded_not_raised(store, fake_model, fake_intent_model, fake_kind):
    feed = FakeFeed(TEXTS, faults=[KeyError("entities")])
    run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS)
    assert run.error == "unexpected KeyError: 'entities'"


def test_a_stop_request_ends_the_run_after_the_current_batch_is_stored(store, fake_model, fake_intent_model, fake_kind):
    stop = StopFlag()
    feed = FakeFeed(TEXTS, page_size=2, on_request=lambda offset: stop.request())
    run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS, stop=stop)
    assert run.stopped and run.ok and run.line().endswith("fetched 2, new 2, skipped 0, stopped")
    assert feed.requests == [0] and stored_ids(store) == ["p0", "p1"]
    assert get_state(store, "fake-feed").cursor == "2"


def test_a_source_whose_kind_changed_starts_without_the_old_cursor(
    store, fake_model, fake_intent_model, fake_kind, tmp_path
):
    run_source(context(store, fake_model, fake_intent_model), source(FakeFeed(TEXTS)), SETTINGS)
    assert get_state(store, "fake-feed").cursor == "5"
    folder = tmp_path / "inbox"
    folder.mkdir()
    run = run_source(context(store, fake_model), SourceConfig("fake-feed", "files", True, {"folder": str(folder)}))
    assert run.ok and get_state(store, "fake-feed").kind == "files"
    assert get_state(store, "fake-feed").cursor is None


class UnloadableModel:
    """A sentiment model whose files are missing: it fails the way ``load_sentiment_model`` does."""

    name = "missing"

    def predict(self, texts, batch_size=64, progress=None):
        raise ModelUnavailable("cannot load model 'missing'; check TRIAGE_SENTIMENT_MODEL")


def test_mentions_stored_but_not_classified_are_classified_by_the_next_run(store, fake_model, fake_intent_model,
                                                                          fake_kind):
    feed = FakeFeed(TEXTS[:2])
    failed = run_source(context(store, UnloadableModel(), fake_intent_model), source(feed), SETTINGS)
    assert failed.error == "cannot load model 'missing'; check TRIAGE_SENTIMENT_MODEL"
    assert len(store.unclassified_ids()) == 2 and store.queue(QueueFilter(classified_only=True)) == []
    later = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS)
    assert later.ok and later.fetched == 0  # nothing new on the platform...
    assert store.unclassified_ids() == []  # ...and what was stored last time now reaches the queue
    assert len(store.queue(QueueFilter(classified_only=True))) == 2


def test_a_source_keeps_its_listener_between_runs_so_platform_sessions_are_reused(fake_kind):
    from triage.ingest.listening import listener_for

    feed = FakeFeed(["one"])
    first = listener_for(source(feed, name="kept"), {"TOKEN": "a"})
    assert listener_for(source(feed, name="kept"), {"TOKEN": "a"}) is first
    assert listener_for(source(feed, name="kept"), {"TOKEN": "b"}) is not first  # a new credential, a new session
    assert listener_for(source(FakeFeed(["one"]), name="kept"), {"TOKEN": "b"}) is not first


def test_a_mention_the_database_refuses_is_skipped_counted_and_logged_the_rest_stored(
        store, fake_model, fake_intent_model, fake_kind, caplog):
    from sqlalchemy import text

    with store.engine.begin() as connection:
        connection.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON mentions WHEN NEW.external_id = 'p2' "
                                "BEGIN SELECT RAISE(ABORT, 'refused by a rule'); END"))
    feed = FakeFeed(["lumora down\x00 again", *TEXTS[1:]], page_size=5)
    with caplog.at_level(logging.WARNING, logger="triage.ingest.listening"):
        run = run_source(context(store, fake_model, fake_intent_model), source(feed), SETTINGS)
    assert (run.fetched, run.new, run.skipped, run.ok) == (5, 4, 1, True)
    assert stored_ids(store) == ["p0", "p1", "p3", "p4"]
    assert store.find("fake", "p0").text == "lumora down again"
    assert [r.getMessage() for r in caplog.records] == [
        "source fake-feed: fake id p2: not stored (refused by a rule)"]


def test_without_classifying_the_listener_only_stores_and_a_worker_classifies_later(backend, fake_model,
                                                                                   fake_intent_model, fake_kind):
    from triage.db.claims import pending_count
    from triage.ingest.worker import drain

    ctx = context(backend, fake_model, fake_intent_model)
    run = run_source(ctx, source(FakeFeed(TEXTS)), SETTINGS, classify=False)
    assert (run.ok, run.new) == (True, len(TEXTS))
    assert fake_model.calls == 0 and pending_count(backend) == len(TEXTS)
    assert drain(ctx).classified == len(TEXTS)
    assert pending_count(backend) == 0 and len(backend.queue(QueueFilter(classified_only=True))) == len(TEXTS)
