"""The listen runner: fetch each source from its stored cursor, store, classify, rank.

Order of writes, per batch: the batch's mentions are upserted and committed, THEN the
batch's cursor (and counts) are committed. A crash between the two refetches that batch
on the next run, and the upsert (by channel and platform id) stores it once.

Faults (raised by listeners, see ``listeners.base``):

- ``RateLimited``: wait ``retry_after`` seconds, then fetch again from the last committed
  cursor; a wait longer than ``[listen] max_wait_seconds``, or more than
  ``rate_limit_retries`` waits, ends this source's run (the next run resumes).
- ``TransientError``: retried with exponential backoff (tenacity) up to ``attempts``
  tries, then this source's run ends with its cursor where it was and the error recorded.
- ``MissingCredentials``: the source is disabled for this run; the message names the variable.
- A malformed item: counted in ``last_skipped`` and logged with the source's name.

Credentials never reach the logs or the ``sources`` table: every message is passed
through ``Secrets.redact`` first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from listeners.base import Listener, ListenerError, MissingCredentials, RateLimited, TransientError
from listeners.registry import kept
from triage.config.secrets import Secrets, load_secrets
from triage.config.settings import Config, ConfigError, ListenSettings, SourceConfig
from triage.db.source_state import finish_run, save_batch, start_run
from triage.db.store import Store
from triage.errors import TriageError
from triage.ingest.pipeline import process_new
from triage.models.intent import IntentModel
from triage.models.sentiment import SentimentModel
from triage.ranking.priority import PriorityWeights
from triage.records import utcnow

log = logging.getLogger("triage.ingest.listening")

Sleep = Callable[[float], None]
Clock = Callable[[], datetime]


class StopFlag:
    """Set by Ctrl-C (or a test) to stop after the current batch is committed; its sleep wakes up early."""

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + max(0.0, seconds)
        while not self.requested:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(0.2, remaining))


class LazyModel:
    """A sentiment model loaded on first use: a round that finds nothing new never loads it."""

    def __init__(self, load: Callable[[], SentimentModel]) -> None:
        self._load = load
        self._model: SentimentModel | None = None

    @property
    def model(self) -> SentimentModel:
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def name(self) -> str:
        return self.model.name

    def predict(self, texts: Sequence[str], batch_size: int = 64, progress: Any = None) -> Any:
        return self.model.predict(texts, batch_size=batch_size, progress=progress)


@dataclass
class SourceRun:
    """How one source's run went (also what ``listen`` prints, one line per source)."""

    name: str
    kind: str
    fetched: int = 0
    new: int = 0
    skipped: int = 0
    batches: int = 0
    waited_seconds: float = 0.0
    error: str | None = None
    disabled: str | None = None  # why the source did not run: off in the configuration, or a missing credential
    stopped: bool = False  # a stop was requested; everything fetched so far is stored

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        if self.disabled and not self.error:
            return f"{self.name} ({self.kind}): {self.disabled}"
        text = f"{self.name} ({self.kind}): fetched {self.fetched}, new {self.new}, skipped {self.skipped}"
        if self.error:
            return f"{text}, error: {self.error}"
        return f"{text}, stopped" if self.stopped else f"{text}, ok"


def _redactor(secrets: Mapping[str, str]) -> Callable[[str], str]:
    return secrets.redact if isinstance(secrets, Secrets) else (lambda text: text)


def listener_for(source: SourceConfig, secrets: Mapping[str, str]) -> Listener:
    """The source's listener, kept for the life of the process (see ``listeners.registry.kept``)."""
    return kept(source.kind, source.name, source.options, secrets)


class _SourceRunner:
    def __init__(self, store: Store, source: SourceConfig, model: SentimentModel, secrets: Mapping[str, str],
                 settings: ListenSettings, sleep: Sleep, stop: StopFlag, clock: Clock,
                 weights: PriorityWeights | None, intent_model: IntentModel | None) -> None:
        self.store, self.source, self.model = store, source, model
        self.secrets, self.redact = secrets, _redactor(secrets)
        self.settings, self.sleep, self.stop, self.clock, self.weights = settings, sleep, stop, clock, weights
        self.intent_model = intent_model
        self.result = SourceRun(source.name, source.kind)
        self.cursor: str | None = None

    def run(self) -> SourceRun:
        state = start_run(self.store, self.source.name, self.source.kind, self.clock())
        self.cursor = state.cursor
        try:
            if self.store.unclassified_ids():  # stored by a run that stopped before classifying them
                self._process()
            listener = listener_for(self.source, self.secrets)
            self._fetch_all(listener)
        except MissingCredentials as exc:
            self.result.error = self.result.disabled = self.redact(str(exc))
        except TransientError as exc:
            self.result.error = self.redact(
                f"{exc} (gave up after {self.settings.attempts} tries; the next run resumes from the last stored batch)"
            )
        except SQLAlchemyError:
            raise  # the database itself failed: nothing can be recorded, the caller must know
        except TriageError as exc:
            self.result.error = self.redact(str(exc))
        except Exception as exc:  # a listener bug must not stop the other sources
            self.result.error = self.redact(f"unexpected {type(exc).__name__}: {exc}")
        if self.result.error:
            log.warning("source %s: %s", self.source.name, self.result.error)
        finish_run(self.store, self.source.name, self.clock(), self.result.error)
        return self.result

    def _fetch_all(self, listener: Listener) -> None:
        waits = 0
        while True:
            try:
                for attempt in self._retrying():
                    with attempt:
                        self._drain(listener)
                return
            except RateLimited as exc:
                waits += 1
                if exc.retry_after > self.settings.max_wait_seconds:
                    raise ListenerError(
                        f"rate limited for {exc.retry_after:.0f} s, longer than [listen] max_wait_seconds "
                        f"({self.settings.max_wait_seconds:.0f}); the next run resumes from the last stored batch"
                    ) from None
                if waits > self.settings.rate_limit_retries:
                    raise ListenerError(
                        f"still rate limited after {self.settings.rate_limit_retries} waits; "
                        "the next run resumes from the last stored batch"
                    ) from None
                log.warning("source %s: %s; waiting %.0f s, then resuming from the last stored batch",
                            self.source.name, self.redact(str(exc)), exc.retry_after)
                self.sleep(exc.retry_after)
                self.result.waited_seconds += exc.retry_after
                if self.stop.requested:
                    self.result.stopped = True
                    return

    def _retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.settings.attempts),
            wait=wait_exponential(multiplier=self.settings.backoff_seconds, max=self.settings.backoff_max_seconds),
            sleep=self.sleep,
            reraise=True,
            before_sleep=self._log_retry,
        )

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("source %s: %s; try %d of %d failed, retrying in %.0f s", self.source.name,
                    self.redact(str(error)), state.attempt_number, self.settings.attempts, wait)

    def _process(self) -> None:
        """Classify, group and rank what is new, before the queue shows it."""
        process_new(self.store, self.model, now=self.clock(), intent_model=self.intent_model, weights=self.weights)

    def _drain(self, listener: Listener) -> None:
        """Fetch from the last committed cursor; each batch: store and commit, then save its cursor."""
        for batch in listener.fetch(self.cursor):
            upserted = self.store.upsert_mentions(batch.mentions)
            save_batch(self.store, self.source.name, batch.cursor, len(batch.mentions), len(batch.skipped))
            if batch.cursor is not None:
                self.cursor = batch.cursor
            self.result.batches += 1
            self.result.fetched += len(batch.mentions)
            self.result.new += len(upserted.inserted)
            self.result.skipped += len(batch.skipped)
            for item in batch.skipped:
                log.warning("source %s: skipped a malformed item: %s", self.source.name, self.redact(item))
            if upserted.ids:
                self._process()
            if self.stop.requested:
                self.result.stopped = True
                return


def priority_weights(config: Config) -> PriorityWeights:
    """The priority weights of ``[priority]`` in the configuration (documented defaults for what it leaves out)."""
    return PriorityWeights.from_section(config.section("priority"), f"{config.where} [priority]")


def run_source(
    store: Store,
    source: SourceConfig,
    model: SentimentModel,
    secrets: Mapping[str, str] | None = None,
    settings: ListenSettings | None = None,
    sleep: Sleep | None = None,
    stop: StopFlag | None = None,
    clock: Clock = utcnow,
    weights: PriorityWeights | None = None,
    intent_model: IntentModel | None = None,
) -> SourceRun:
    """Run one source once from its stored cursor; its outcome is also stored in ``sources``.

    ``sleep`` waits for rate limits and between retries (default: ``stop.sleep``, which a
    stop request cuts short). ``weights`` are the priority weights used to rank.
    """
    stop = stop or StopFlag()
    secrets = secrets if secrets is not None else load_secrets()
    runner = _SourceRunner(store, source, model, secrets, settings or ListenSettings(),
                           sleep if sleep is not None else stop.sleep,
                           stop, clock, weights, intent_model)
    return runner.run()


def run_all(
    store: Store,
    config: Config,
    model: SentimentModel,
    secrets: Mapping[str, str] | None = None,
    only: Sequence[str] = (),
    sleep: Sleep | None = None,
    stop: StopFlag | None = None,
    clock: Clock = utcnow,
    weights: PriorityWeights | None = None,
    intent_model: IntentModel | None = None,
) -> list[SourceRun]:
    """Run every enabled source (or those named in ``only``) once; one ``SourceRun`` per configured source.

    ``weights`` default to the configuration's ``[priority]`` table.
    """
    stop = stop or StopFlag()
    secrets = secrets if secrets is not None else load_secrets()
    weights = weights if weights is not None else priority_weights(config)
    chosen = [config.source(name) for name in only] if only else list(config.sources)
    runs: list[SourceRun] = []
    for source in chosen:
        if not source.enabled:
            if only:
                raise ConfigError(f"source '{source.name}' is disabled in {config.where}; set enabled = true to run it")
            runs.append(SourceRun(source.name, source.kind, disabled=f"disabled in {config.where}"))
            continue
        if stop.requested:
            break
        log.info("source %s (%s): fetching", source.name, source.kind)
        runs.append(run_source(store, source, model, secrets, config.listen, sleep, stop, clock, weights,
                               intent_model))
    return runs


def listen(
    store: Store,
    config: Config,
    model: SentimentModel,
    every: float | None = None,
    report: Callable[[list[SourceRun]], None] = lambda runs: None,
    secrets: Mapping[str, str] | None = None,
    only: Sequence[str] = (),
    stop: StopFlag | None = None,
    weights: PriorityWeights | None = None,
    intent_model: IntentModel | None = None,
) -> list[SourceRun]:
    """Run the sources once (``every`` None) or every ``every`` seconds until ``stop`` is requested.

    Returns the last round's runs; ``report`` is called after each round.
    """
    stop = stop or StopFlag()
    while True:
        runs = run_all(store, config, model, secrets, only, stop=stop, weights=weights, intent_model=intent_model)
        report(runs)
        if every is None or stop.requested:
            return runs
        stop.sleep(every)
        if stop.requested:
            return runs
