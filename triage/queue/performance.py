"""Team performance over a period: per agent, per team and per channel.

Replies sent, median and 90th-percentile first-response time (hours), SLA compliance (the
share of first responses within the channel's ``sla_hours`` of ``[priority]``), escalations,
mentions reopened after the agent's reply, and suggestion acceptance (replies started from a
suggestion and sent with at most 10% of it edited). Every figure comes from a GROUP BY in
``triage.db.reporting``: replies, first-response times and SLA from the per-day rows ``reply_days``
(kept by the send path, ``triage.db.reply_facts``), or from the replies themselves when a language,
intent or topic filter is set (those can change after the reply, so the day rows do not carry them).
Per-team figures add up the team members' histograms, so a team's median is the median of its
members' responses, not a median of medians.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from triage.db.reply_facts import ACCEPTED_SHARE
from triage.db.reporting import (
    EVERYTHING,
    MentionFilter,
    actions_by_actor,
    day_replies,
    day_response_minutes,
    reopened_after_reply,
    replies_sent,
    response_minutes,
    response_sla,
)
from triage.db.store import Store
from triage.queue.acceptance import ACCEPTED_EDIT_SHARE
from triage.queue.figures import percent, round_figure, weighted_quantile
from triage.queue.period import Period

PERFORMANCE_COLUMNS: tuple[str, ...] = (
    "replies", "first_responses", "median_first_response_h", "p90_first_response_h", "sla_pct", "escalations",
    "reopened", "from_suggestion", "accepted", "acceptance_pct",
)
SLA_COLUMNS: tuple[str, ...] = ("sla_hours", "first_responses", "within_sla", "sla_pct")
NO_TEAM = "(no team)"


@dataclass(frozen=True)
class SlaSettings:
    """The response-time targets: hours per channel (or channel family), and the default."""

    hours: Mapping[str, float]
    default_hours: float

    def of(self, channel: str) -> float:
        return self.hours.get(channel, self.hours.get(channel.split(":", 1)[0], self.default_hours))


@dataclass
class Performance:
    by_agent: pd.DataFrame  # index: agent; PERFORMANCE_COLUMNS
    by_team: pd.DataFrame  # index: team; PERFORMANCE_COLUMNS
    sla_by_channel: pd.DataFrame  # index: channel; SLA_COLUMNS
    overall: pd.Series  # PERFORMANCE_COLUMNS over everyone in the report


def team_performance(store: Store, period: Period, sla: SlaSettings, where: MentionFilter = EVERYTHING,
                     teams: Mapping[str, Sequence[str]] | None = None, agents: Sequence[str] | None = None
                     ) -> Performance:
    """The period's figures per agent, per team (``teams``: name -> member names or addresses) and per
    channel; ``agents`` limits them to those people (a team's report)."""
    start, end = period.bounds()
    if where.by_channel_only and ACCEPTED_EDIT_SHARE == ACCEPTED_SHARE:  # the per-day rows answer it
        minutes = day_response_minutes(store, start, end, where, agents)
        sla_rows, sent = day_replies(store, start, end, where, sla.hours, sla.default_hours, agents)
    else:  # a language, intent or topic filter: the replies themselves
        minutes = response_minutes(store, start, end, where, agents)
        sla_rows = response_sla(store, start, end, where, sla.hours, sla.default_hours, agents)
        sent = replies_sent(store, start, end, where, agents, ACCEPTED_EDIT_SHARE)
    escalations = dict(actions_by_actor(store, start, end, where, "escalate", agents))
    reopened = dict(reopened_after_reply(store, start, end, where, agents))
    names = sorted({r[0] for r in minutes} | {r[0] for r in sent} | set(escalations) | set(reopened))
    figures = _Figures(minutes, sla_rows, sent, escalations, reopened)
    by_agent = figures.table({name: [name] for name in names}, "agent")
    by_team = figures.table(_team_members(names, teams or {}), "team")
    overall = figures.table({"all": names}, "all").iloc[0]
    return Performance(by_agent, by_team, _sla_by_channel(sla_rows, sla), overall)


def _team_members(names: Sequence[str], teams: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Team -> the agents in ``names`` who belong to it (matched without case); the rest under NO_TEAM."""
    grouped: dict[str, list[str]] = {}
    placed: set[str] = set()
    for team, people in teams.items():
        wanted = {p.lower() for p in people}
        grouped[team] = [n for n in names if n.lower() in wanted]
        placed.update(grouped[team])
    rest = [n for n in names if n not in placed]
    if rest:
        grouped[NO_TEAM] = rest
    return {team: people for team, people in grouped.items() if people}


@dataclass(frozen=True)
class _Figures:
    """The period's grouped rows, added up for any group of agents."""

    minutes: list[tuple[str, int, int]]  # agent, minutes, first responses
    sla: list[tuple[str, str, int, int]]  # agent, channel, first responses, within SLA
    sent: list[tuple[str, str, int, int, int]]  # agent, channel, replies, from a suggestion, accepted
    escalations: Mapping[str, int]
    reopened: Mapping[str, int]

    def row(self, people: Sequence[str]) -> dict[str, Any]:
        mine = set(people)
        histogram = [(m / 60, n) for a, m, n in self.minutes if a in mine]
        hours, counts = [h for h, _ in histogram], [n for _, n in histogram]
        answered = sum(n for a, _c, n, _w in self.sla if a in mine)
        within = sum(w for a, _c, _n, w in self.sla if a in mine)
        replies = sum(r for a, _c, r, _s, _k in self.sent if a in mine)
        suggested = sum(s for a, _c, _r, s, _k in self.sent if a in mine)
        accepted = sum(k for a, _c, _r, _s, k in self.sent if a in mine)
        return {
            "replies": replies, "first_responses": answered,
            "median_first_response_h": round_figure(weighted_quantile(hours, counts, 0.5)),
            "p90_first_response_h": round_figure(weighted_quantile(hours, counts, 0.9)),
            "sla_pct": percent(within, answered),
            "escalations": sum(self.escalations.get(p, 0) for p in people),
            "reopened": sum(self.reopened.get(p, 0) for p in people),
            "from_suggestion": suggested, "accepted": accepted, "acceptance_pct": percent(accepted, suggested),
        }

    def table(self, groups: Mapping[str, Sequence[str]], index_name: str) -> pd.DataFrame:
        rows = [self.row(people) for people in groups.values()]
        return pd.DataFrame(rows, index=pd.Index(list(groups), name=index_name), columns=list(PERFORMANCE_COLUMNS))


def _sla_by_channel(rows: Sequence[tuple[str, str, int, int]], sla: SlaSettings) -> pd.DataFrame:
    totals: dict[str, list[int]] = {}
    for _agent, channel, answered, within in rows:
        total = totals.setdefault(channel, [0, 0])
        total[0] += answered
        total[1] += within
    frame = pd.DataFrame([(round_figure(sla.of(c)), a, w, percent(w, a)) for c, (a, w) in sorted(totals.items())],
                         index=pd.Index(sorted(totals), name="channel"), columns=list(SLA_COLUMNS))
    return frame
