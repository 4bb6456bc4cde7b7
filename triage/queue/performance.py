"""Team performance over a period: per agent, per team and per channel.

Replies sent, median and 90th-percentile first-response time (hours), SLA compliance (the
share of first responses within the channel's ``sla_hours`` of ``[priority]``), escalations,
mentions reopened after the agent's reply, and suggestion acceptance (replies started from a
suggestion and sent with at most 10% of it edited). Every figure comes from a GROUP BY in
``triage.db.reporting``; per-team figures add up the team members' histograms, so a team's
median is the median of its members' responses, not a median of medians.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from triage.db.reporting import (
    EVERYTHING,
    MentionFilter,
    actions_by_actor,
    first_responses,
    reopened_after_reply,
    replies_sent,
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
    responses = pd.DataFrame(first_responses(store, start, end, where, sla.hours, sla.default_hours, agents),
                             columns=["agent", "channel", "minutes", "within", "n"]).astype({"within": bool})
    sent = pd.DataFrame(replies_sent(store, start, end, where, agents, ACCEPTED_EDIT_SHARE),
                        columns=["agent", "channel", "replies", "suggested", "accepted"])
    escalations = dict(actions_by_actor(store, start, end, where, "escalate", agents))
    reopened = dict(reopened_after_reply(store, start, end, where, agents))
    names = sorted(set(responses["agent"]) | set(sent["agent"]) | set(escalations) | set(reopened))
    by_agent = _table({name: [name] for name in names}, responses, sent, escalations, reopened, "agent")
    members = _team_members(names, teams or {})
    by_team = _table(members, responses, sent, escalations, reopened, "team")
    overall = _table({"all": names}, responses, sent, escalations, reopened, "all").iloc[0]
    return Performance(by_agent, by_team, _sla_by_channel(responses, sla), overall)


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


def _table(groups: Mapping[str, Sequence[str]], responses: pd.DataFrame, sent: pd.DataFrame,
           escalations: Mapping[str, int], reopened: Mapping[str, int], index_name: str) -> pd.DataFrame:
    rows = []
    for people in groups.values():
        mine = responses[responses["agent"].isin(people)]
        replies = sent[sent["agent"].isin(people)]
        answered = int(mine["n"].sum())
        hours = (mine["minutes"] / 60).tolist()
        suggested, accepted = int(replies["suggested"].sum()), int(replies["accepted"].sum())
        rows.append({
            "replies": int(replies["replies"].sum()),
            "first_responses": answered,
            "median_first_response_h": round_figure(weighted_quantile(hours, mine["n"].tolist(), 0.5)),
            "p90_first_response_h": round_figure(weighted_quantile(hours, mine["n"].tolist(), 0.9)),
            "sla_pct": percent(int(mine.loc[mine["within"], "n"].sum()), answered),
            "escalations": sum(escalations.get(p, 0) for p in people),
            "reopened": sum(reopened.get(p, 0) for p in people),
            "from_suggestion": suggested,
            "accepted": accepted,
            "acceptance_pct": percent(accepted, suggested),
        })
    frame = pd.DataFrame(rows, index=pd.Index(list(groups), name=index_name), columns=list(PERFORMANCE_COLUMNS))
    return frame.astype({c: int for c in ("replies", "first_responses", "escalations", "reopened",
                                          "from_suggestion", "accepted")})


def _sla_by_channel(responses: pd.DataFrame, sla: SlaSettings) -> pd.DataFrame:
    rows = {}
    for channel, group in responses.groupby("channel", sort=True):
        answered = int(group["n"].sum())
        within = int(group.loc[group["within"], "n"].sum())
        rows[str(channel)] = {"sla_hours": round_figure(sla.of(str(channel))), "first_responses": answered,
                              "within_sla": within, "sla_pct": percent(within, answered)}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(SLA_COLUMNS))
    frame.index.name = "channel"
    return frame.astype({"first_responses": int, "within_sla": int})
