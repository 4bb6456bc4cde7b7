"""When a stored priority goes stale: the next moment its waiting reason would read or weigh differently.

Only the waiting reason depends on time (``triage.ranking.priority.score``). Its phrase
changes when the shown minutes, hours or days round to the next number; its points grow
until four times the channel's SLA. ``stale_at`` returns the first moment at which the
phrase, the reason's rounded points, the rounded total or the order of the reasons could
change, so rescoring then (and not before) keeps every stored priority and reason equal to
a fresh score. It may name a moment at which nothing visible changes; never a later one.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from triage.ranking.intent import intent_of
from triage.ranking.priority import PriorityWeights, intent_factor
from triage.records import OPEN_STATUSES, Priority, as_utc

WAITING_PREFIX = "waiting "
_TICK = timedelta(microseconds=1)  # a step is taken just before it, never after (times are stored to the µs)


def _next_half_step(value: float, step: float = 1.0) -> float:
    """The next half step at or above ``value``: where ``round(value / step)`` turns (exactly on one, rounding
    to even may not have turned yet)."""
    return (math.ceil(value / step - 0.5) + 0.5) * step


def _phrase_steps(waited: float) -> list[float]:
    """Hours since posting at which the waiting phrase ("12 min", "3 h", "4 days") next changes."""
    if waited < 1:
        return [_next_half_step(waited * 60) / 60, 1.0]
    if waited < 48:
        return [_next_half_step(waited), 48.0]
    return [_next_half_step(waited / 24) * 24]


def stale_at(mention: Any, priority: Priority, now: datetime, weights: PriorityWeights) -> datetime | None:
    """When ``priority`` (scored at ``now``) may stop being what ``score`` would say (a microsecond
    before the step, and always after ``now``); ``None``: never by itself."""
    intent = intent_of(mention)
    if intent == "spam" or mention.status not in OPEN_STATUSES:
        return None
    if intent not in (None, "complaint", "question", "feedback"):
        return None
    created = as_utc(mention.created_at)
    sla = weights.sla_hours.get(mention.channel, weights.default_sla_hours)
    waited = max(0.0, (as_utc(now) - created).total_seconds() / 3600)
    if waited < sla * 0.5:
        return max(created + timedelta(hours=sla * 0.5) - _TICK, as_utc(now) + _TICK)
    steps = _phrase_steps(waited)
    factor = intent_factor(mention, intent, weights)
    rate = weights.waiting_max * factor / (sla * 4)  # points per hour while they grow
    if waited < sla * 4 and rate > 0:
        steps.append(sla * 4)
        waiting = next((r.points for r in priority.reasons if r.phrase.startswith(WAITING_PREFIX)), None)
        if waiting is not None:
            total = sum(r.points for r in priority.reasons)
            crossings = [_next_half_step(waiting, 0.1), waiting + (_next_half_step(total) - total)]
            crossings += [r.points for r in priority.reasons
                          if not r.phrase.startswith(WAITING_PREFIX) and r.points >= waiting]
            steps += [waited + (points - waiting) / rate for points in crossings]
    future = [s for s in steps if s >= waited] or [waited]
    return max(created + timedelta(hours=min(future)) - _TICK, as_utc(now) + _TICK)
