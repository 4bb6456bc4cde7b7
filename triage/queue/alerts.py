"""SLA alerts and spike alerts: one notice per breach or spike, sent through the configured channels.

An open complaint nobody has answered alerts once when it passes its channel's SLA
(``[priority] sla_hours``, the same targets the ranking uses); a flagged negative spike
(``triage.queue.spikes``) alerts once per spike window. Each alert is recorded under its own
key (``sla:<mention id>``, ``spike:<window start>``), so running the check again, from
``python -m triage alerts`` or from any number of dashboards, never sends it twice. Every run
also sends what earlier runs could not (a failed channel, an escalation's notice).

``[alerts]`` in triage.toml::

    [alerts]
    sla = true             # alert on open complaints past their channel's SLA
    spikes = true          # alert on flagged negative spikes
    max_per_run = 50       # SLA alerts per run at most (highest priority first); the rest wait for the next
    spike_window_hours = 24
    in_dashboard = true    # the dashboard runs the check too (one thread per process, at most once a minute);
                           # false when `python -m triage alerts --every 60` runs as its own service
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from triage.config.settings import Config, is_number, is_whole, typed_table
from triage.context import Context
from triage.db.notifications import Notice, record_notices, unalerted_breaches, waiting_channels
from triage.db.schema import MentionRow
from triage.errors import TriageError
from triage.notify.channels import notify_settings
from triage.queue.delivery import Delivery, channels_for, deliver
from triage.queue.escalation import quoted
from triage.queue.spikes import Spike, negative_spike
from triage.ranking.intent import intent_of
from triage.ranking.priority import PriorityWeights, configured_weights
from triage.records import as_utc

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class AlertSettings:
    """``[alerts]`` of triage.toml."""

    sla: bool = True
    spikes: bool = True
    max_per_run: int = 50
    spike_window_hours: float = 24.0
    in_dashboard: bool = True  # each dashboard process runs the check in a background thread


def alert_settings(config: Config) -> AlertSettings:
    """Read ``[alerts]``; errors name the key to fix."""
    table = typed_table(config, "alerts", AlertSettings.__dataclass_fields__)
    defaults = AlertSettings()
    sla, spikes = table.flag("sla", defaults.sla), table.flag("spikes", defaults.spikes)
    most = table.get("max_per_run", defaults.max_per_run, lambda v: is_whole(v) and v >= 1,
                     "a whole number above 0, e.g. 50")
    window = table.get("spike_window_hours", defaults.spike_window_hours, lambda v: is_number(v) and v > 0,
                       "a number of hours above 0, e.g. 24")
    in_dashboard = table.flag("in_dashboard", defaults.in_dashboard)
    return AlertSettings(sla, spikes, most, float(window), in_dashboard)


@dataclass
class AlertRun:
    """What one check found and sent."""

    recorded: list[str] = field(default_factory=list)  # the subjects of the alerts recorded now
    delivery: Delivery = field(default_factory=Delivery)
    note: str = ""  # e.g. why nothing was checked

    def lines(self) -> list[str]:
        """One line per alert recorded and per failure, then a summary."""
        lines = [f"alert: {subject}" for subject in self.recorded]
        lines += [f"not sent (retried next run): notification {i}: {error}"
                  for i, error in self.delivery.failed.items()]
        summary = (f"{len(self.recorded)} new alert(s); {self.delivery.messages} message(s) sent; "
                   f"{len(self.delivery.failed)} failed")
        return lines + [f"{summary}; {self.note}" if self.note else summary]


def sla_of(channel: str, weights: PriorityWeights) -> float:
    """The channel's SLA in hours (``file:export.csv`` has the SLA of ``file``), as the ranking reads it."""
    family = channel.split(":", 1)[0]
    return weights.sla_hours.get(channel, weights.sla_hours.get(family, weights.default_sla_hours))


def _sla_notice(row: MentionRow, sla_hours: float, at: datetime, channels: tuple[str, ...]) -> Notice:
    waited = (as_utc(at) - as_utc(row.created_at)).total_seconds() / 3600
    holder = row.assignee or (f"team {row.team}" if row.team else "nobody")
    subject = f"SLA passed: @{row.author_handle} on {row.channel} waits {waited:.1f} h (SLA {sla_hours:g} h)"
    body = (f"An open complaint has had no answer for {waited:.1f} h; the {row.channel} SLA is {sla_hours:g} h. "
            f"Assigned to: {holder}.\n\n@{row.author_handle} wrote:\n{quoted(row.text)}")
    fields = {"mention": str(row.id), "channel": row.channel, "priority": str(row.priority), "assigned to": holder,
              "link": row.url or ""}
    return Notice(f"sla:{row.id}", "sla", subject, body, at, channels, row.id, {k: v for k, v in fields.items() if v})


def sla_breaches(ctx: Context, now: datetime, limit: int) -> list[tuple[MentionRow, float]]:
    """Open, unanswered complaints past their channel's SLA with no alert yet, with their SLA in hours."""
    weights = configured_weights(ctx.config)
    cutoffs = {channel: now - timedelta(hours=sla_of(channel, weights)) for channel in waiting_channels(ctx.store)}
    return [(row, sla_of(row.channel, weights)) for row in unalerted_breaches(ctx.store, cutoffs, limit)
            if intent_of(row) == "complaint"]


def spike_window(now: datetime, hours: float) -> datetime:
    """The start of the fixed window ``now`` falls in: one spike alert per window."""
    step = timedelta(hours=hours)
    return EPOCH + step * ((as_utc(now) - EPOCH) // step)


def _spike_notice(spike: Spike, now: datetime, hours: float, channels: tuple[str, ...]) -> Notice:
    start = spike_window(now, hours)
    return Notice(f"spike:{start.isoformat()}", "spike", spike.message, f"{spike.message}. See Trends in Ascolto.",
                  now, channels, None, {"negative mentions": str(spike.current), "usual": f"{spike.baseline:.1f}"})


def check_alerts(ctx: Context, now: datetime | None = None) -> AlertRun:
    """Record an alert for each new SLA breach and a flagged spike, then send every notice still due."""
    now = as_utc(now or ctx.now())
    settings = alert_settings(ctx.config)
    channels = channels_for(notify_settings(ctx.config))
    run = AlertRun()
    if not channels:
        run.note = "no notification channel is configured ([notify] in triage.toml): nothing checked"
        return run
    notices: list[Notice] = []
    if settings.sla:
        notices += [_sla_notice(row, sla, now, channels) for row, sla in sla_breaches(ctx, now, settings.max_per_run)]
    if settings.spikes:
        spike = negative_spike(ctx.store, now, window_hours=settings.spike_window_hours)
        if spike.flagged:
            notices.append(_spike_notice(spike, now, settings.spike_window_hours, channels))
    run.recorded = [notice.subject for notice in record_notices(ctx.store, notices)]
    run.delivery = deliver(ctx, now=now)
    return run


class Stop(Protocol):
    """What ends ``run_alerts`` (``triage.ingest.stopping.StopFlag``): set by Ctrl-C or SIGTERM."""

    requested: bool

    def sleep(self, seconds: float) -> None: ...


def run_alerts(ctx: Context, every: float | None, stop: Stop, report: Callable[[AlertRun], None]) -> int:
    """Check once (``every`` None), or every ``every`` seconds until ``stop``; returns the runs done.
    A run that fails on the database or the configuration is reported and the next one tries again."""
    runs = 0
    while not stop.requested:
        try:
            run = check_alerts(ctx, ctx.now())
        except TriageError as exc:
            if every is None:
                raise
            log.warning("alerts: %s; trying again in %g s", exc, every)
        else:
            report(run)
        runs += 1
        if every is None:
            break
        stop.sleep(every)
    return runs
