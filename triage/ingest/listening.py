"""The listen runner: fetch each source from its stored cursor and store; then classify and rank.

The listener only stores. Classifying and ranking is the worker's job (``triage.ingest.pipeline.
drain_pending``): by default ``listen`` runs one worker in-process after each stored batch (and at
the start of each source's run, for mentions a killed process left pending), so a single user needs
nothing else; with ``classify=False`` (``listen --no-classify``) it only stores and
``python -m triage worker`` processes classify.

Order of writes, per batch: the batch's mentions are upserted and committed, THEN the
batch's cursor (and counts) are committed. A crash between the two refetches that batch
on the next run, and the upsert (by channel and platform id) stores it once.

Faults (raised by listeners, see ``listeners.base``):

- ``RateLimited``: wait ``retry_after`` seconds, then fetch again from the last committed
  cursor; a wait longer than ``[listen] max_wait_seconds``, or more than
  ``rate_limit_retries`` waits, ends this source's run (the next run resumes).
- ``TransientError``: retried with exponential backoff (tenacity) up to ``attempts``
  tries, then this source's run ends with its cursor where it was and the error recorded.
- ``SourceDisabled``: the source is disabled for this run; the message names the missing credential
  (``MissingCredentials``) or what to ``pip install`` (``MissingPackage``). The other sources run.
- A malformed item: counted in ``last_skipped`` and logged with the source's name.

Credentials never reach the logs or the ``sources`` table: every message is passed
through ``Secrets.redact`` first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from listeners.base import Listener, ListenerError, RateLimited, SourceDisabled, TransientError
from listeners.registry import kept
from triage.config.secrets import Secrets
from triage.config.settings import ConfigError, ListenSettings, SourceConfig
from triage.context import Context
from triage.db import source_state
from triage.db.claims import has_pending
from triage.db.source_state import finish_run, save_batch, start_run
from triage.errors import MissingPackage, TriageError
from triage.ingest.brands import tag_competitor_mentions
from triage.ingest.pipeline import drain_pending
from triage.ingest.stopping import StopFlag
from triage.ranking.priority import PriorityWeights, configured_weights
from triage.replies.reconcile import reconcile_pending

log = logging.getLogger("triage.ingest.listening")

Sleep = Callable[[float], None]


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
    def __init__(self, ctx: Context, source: SourceConfig, settings: ListenSettings, sleep: Sleep, stop: StopFlag,
                 weights: PriorityWeights | None, classify: bool = True) -> None:
        self.ctx, self.store, self.source = ctx, ctx.store, source
        self.secrets, self.redact = ctx.secrets, _redactor(ctx.secrets)
        self.settings, self.sleep, self.stop, self.weights = settings, sleep, stop, weights
        self.classify = classify  # run the in-process worker after each stored batch (off: ``triage worker`` does)
        self.result = SourceRun(source.name, source.kind)
        self.cursor: str | None = None
        self.rate_limited = False  # the run ended on a rate limit it could not wait out
        self.missing_package = False  # disabled because the platform SDK is not installed

    def run(self) -> SourceRun:
        state = start_run(self.store, self.source.name, self.source.kind, self.ctx.now())
        self.cursor = state.cursor
        try:
            if self.classify and has_pending(self.store):  # stored by a run that stopped before classifying them
                self._process()
            listener = listener_for(self.source, self.secrets)
            self._fetch_all(listener)
        except SourceDisabled as exc:  # a missing credential, or the listener's SDK is not installed
            self.result.error = self.result.disabled = self.redact(str(exc))
            self.missing_package = isinstance(exc, MissingPackage)
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
        finish_run(self.store, self.source.name, self.ctx.now(), self.result.error, self._state())
        return self.result

    def _state(self) -> str:
        if self.result.error is None:
            return source_state.OK
        if self.result.disabled:
            return source_state.MISSING_PACKAGE if self.missing_package else source_state.MISSING_CREDENTIALS
        return source_state.RATE_LIMITED if self.rate_limited else source_state.ERROR

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
                    self.rate_limited = True
                    raise ListenerError(
                        f"rate limited for {exc.retry_after:.0f} s, longer than [listen] max_wait_seconds "
                        f"({self.settings.max_wait_seconds:.0f}); the next run resumes from the last stored batch"
                    ) from None
                if waits > self.settings.rate_limit_retries:
                    self.rate_limited = True
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
        """The in-process worker: classify, group and rank what is pending, before the queue shows it."""
        drain_pending(self.store, self.ctx.sentiment, self.ctx.intent, now=self.ctx.now(), weights=self.weights)

    def _drain(self, listener: Listener) -> None:
        """Fetch from the last committed cursor; each batch: store and commit, then save its cursor."""
        for batch in listener.fetch(self.cursor):
            upserted = self.store.upsert_mentions(batch.mentions)
            tag_competitor_mentions(self.store, self.ctx.config.brand, upserted.inserted)  # share of voice
            skipped = len(batch.skipped) + len(upserted.refused)  # a refused row is skipped; the others are stored
            save_batch(self.store, self.source.name, batch.cursor, len(batch.mentions), skipped)
            if batch.cursor is not None:
                self.cursor = batch.cursor
            self.result.batches += 1
            self.result.fetched += len(batch.mentions)
            self.result.new += len(upserted.inserted)
            self.result.skipped += skipped
            for item in batch.skipped:
                log.warning("source %s: skipped a malformed item: %s", self.source.name, self.redact(item))
            for refused in upserted.refused:
                log.warning("source %s: %s", self.source.name, self.redact(str(refused)))
            if upserted.ids and self.classify:
                self._process()
            if self.stop.requested:
                self.result.stopped = True
                return


def run_source(
    ctx: Context,
    source: SourceConfig,
    settings: ListenSettings | None = None,
    sleep: Sleep | None = None,
    stop: StopFlag | None = None,
    weights: PriorityWeights | None = None,
    classify: bool = True,
) -> SourceRun:
    """Run one source once from its stored cursor; its outcome is also stored in ``sources``.

    ``settings`` default to the configuration's ``[listen]``. ``sleep`` waits for rate limits
    and between retries (default: ``stop.sleep``, which a stop request cuts short).
    ``weights`` are the priority weights used to rank. ``classify``: after each stored batch, run
    one worker in-process until nothing is pending (``False``: only store; ``triage worker`` classifies).
    """
    stop = stop or StopFlag()
    runner = _SourceRunner(ctx, source, settings or ctx.config.listen, sleep if sleep is not None else stop.sleep,
                           stop, weights, classify)
    return runner.run()


def run_all(
    ctx: Context,
    only: Sequence[str] = (),
    sleep: Sleep | None = None,
    stop: StopFlag | None = None,
    weights: PriorityWeights | None = None,
    classify: bool = True,
) -> list[SourceRun]:
    """Run every enabled source (or those named in ``only``) once; one ``SourceRun`` per configured source.

    ``weights`` default to the configuration's ``[priority]`` table.
    """
    stop = stop or StopFlag()
    config = ctx.config
    weights = weights if weights is not None else configured_weights(config)
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
        runs.append(run_source(ctx, source, config.listen, sleep, stop, weights, classify))
    return runs


def listen(
    ctx: Context,
    every: float | None = None,
    report: Callable[[list[SourceRun]], None] = lambda runs: None,
    only: Sequence[str] = (),
    stop: StopFlag | None = None,
    weights: PriorityWeights | None = None,
    classify: bool = True,
) -> list[SourceRun]:
    """Run the sources once (``every`` None) or every ``every`` seconds until ``stop`` is requested.

    Returns the last round's runs; ``report`` is called after each round.
    """
    stop = stop or StopFlag()
    reconcile_pending(ctx)  # replies a crash left half-sent: settled before anything else
    while True:
        runs = run_all(ctx, only, stop=stop, weights=weights, classify=classify)
        report(runs)
        if every is None or stop.requested:
            return runs
        stop.sleep(every)
        if stop.requested:
            return runs
