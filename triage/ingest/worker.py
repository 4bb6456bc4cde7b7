"""``python -m triage worker``: classify and rank whatever is pending, in batches, as a service.

Each batch is claimed (``triage.db.claims.claim_pending``: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so any number of workers on any number of machines share the work, none taking a
mention another holds), classified with the context's models, and committed; after a run of
batches the worker ranks once (incidents, priorities), and while idle it ranks every
``RANK_EVERY_SECONDS`` (the priorities whose waiting time crossed a step; on PostgreSQL the
dashboard leaves this to the workers). ``--once`` drains and returns; otherwise it polls,
sleeping ``poll_seconds`` after a poll that found nothing, until a stop is requested (Ctrl-C:
after the current batch is committed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from triage.context import Context
from triage.ingest.pipeline import DEFAULT_BATCH, Progress, drain_pending, rank
from triage.ingest.reclassify import reclassify_outdated, refresh_models
from triage.ingest.stopping import StopFlag
from triage.ranking.priority import PriorityWeights, configured_weights

DEFAULT_POLL_SECONDS = 5.0
RANK_EVERY_SECONDS = 60.0  # an idle worker still ranks this often: waiting times grow, priorities go stale


@dataclass(frozen=True)
class WorkerSettings:
    batch_size: int = DEFAULT_BATCH  # mentions per claimed batch (one model call, one commit)
    poll_seconds: float = DEFAULT_POLL_SECONDS  # sleep after a poll that found nothing pending


@dataclass
class WorkerRound:
    """One drain: how many mentions it classified (what ``worker`` prints), and how many it classified again
    for the model versions promoted meanwhile (``triage.ingest.reclassify``)."""

    classified: int
    reclassified: int = 0

    def line(self) -> str:
        again = f"; re-classified {self.reclassified} for the model version in use" if self.reclassified else ""
        return f"classified {self.classified} mentions{again}"


def drain(ctx: Context, settings: WorkerSettings | None = None, stop: StopFlag | None = None,
          weights: PriorityWeights | None = None, progress: Progress | None = None,
          rank_when_idle: bool = True) -> WorkerRound:
    """Classify every pending mention (batch by batch, each committed) and rank; stops early on ``stop``.

    With nothing pending it still ranks, unless ``rank_when_idle`` is off (a polling worker's later polls):
    a process killed between committing a batch and ranking it leaves nothing behind.
    """
    settings = settings or WorkerSettings()
    stop = stop or StopFlag()
    classified = drain_pending(ctx.store, ctx.sentiment, ctx.intent, batch_size=settings.batch_size,
                               progress=progress, now=ctx.now(), weights=weights, stop=lambda: stop.requested,
                               rank_when_idle=rank_when_idle)
    return WorkerRound(classified)


def reclassify_idle(ctx: Context, settings: WorkerSettings, stop: StopFlag, weights: PriorityWeights | None,
                    everything: bool = False) -> int:
    """One batch (``everything``: all) of mentions classified by other model versions than the promoted ones,
    classified again with the versions in use (loaded anew after a promotion), then ranked; how many."""
    refresh_models(ctx)
    done = reclassify_outdated(ctx.store, ctx.sentiment, ctx.intent, settings.batch_size,
                               None if everything else settings.batch_size, lambda: stop.requested)
    if done:
        rank(ctx.store, ctx.now(), weights)
    return done


def run_worker(
    ctx: Context,
    once: bool = False,
    settings: WorkerSettings | None = None,
    stop: StopFlag | None = None,
    report: Callable[[WorkerRound], None] = lambda _round: None,
    weights: PriorityWeights | None = None,
) -> int:
    """Drain once (``once``), or keep draining, polling every ``settings.poll_seconds`` while idle, until
    ``stop`` is requested. ``report`` gets each round that classified something (and the ``once`` round).

    Returns how many mentions were classified in all. ``weights`` default to the configuration's ``[priority]``.
    """
    settings = settings or WorkerSettings()
    stop = stop or StopFlag()
    weights = weights if weights is not None else configured_weights(ctx.config)
    total, ranked_at = 0, None
    while True:
        due = ranked_at is None or time.monotonic() - ranked_at >= RANK_EVERY_SECONDS
        done = drain(ctx, settings, stop, weights, rank_when_idle=due)
        if not done.classified and not stop.requested:  # idle: re-score what older model versions classified
            done.reclassified = reclassify_idle(ctx, settings, stop, weights, everything=once)
        if due or done.classified or done.reclassified:
            ranked_at = time.monotonic()
        total += done.classified
        if once or done.classified or done.reclassified:
            report(done)
        if once or stop.requested:
            return total
        if not done.classified and not done.reclassified:
            stop.sleep(settings.poll_seconds)
            if stop.requested:
                return total
