"""One report a manager sends on: a summary against the previous period, then every table.

``build_report`` gathers the figures (all from GROUP BY queries); ``ManagerReport.tables()``
gives them as flat frames in a fixed order, which the CSV, XLSX and PDF writers
(``triage.reports``) and the Trends page all show the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from triage.access.roles import access_of
from triage.context import Context
from triage.db.reporting import EVERYTHING, MentionFilter
from triage.queue.figures import round_figure
from triage.queue.overview import OpenComplaints, Volume, open_complaints, volume
from triage.queue.performance import Performance, SlaSettings, team_performance
from triage.queue.period import Period
from triage.queue.satisfaction import outcomes, satisfaction
from triage.queue.share_of_voice import SHARE_COLUMNS, ShareOfVoice, share_of_voice
from triage.ranking.priority import configured_weights

SUMMARY_COLUMNS: tuple[str, ...] = ("figure", "current", "previous", "change")


@dataclass
class ManagerReport:
    period: Period
    generated_at: datetime
    summary: pd.DataFrame  # SUMMARY_COLUMNS, one row per headline figure
    volume: Volume
    performance: Performance
    complaints: OpenComplaints
    team: str | None = None
    where: MentionFilter = field(default_factory=MentionFilter)
    satisfaction: pd.DataFrame = field(default_factory=pd.DataFrame)  # CSAT and NPS from surveys
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)  # the post-reply proxy, NOT CSAT
    voice: ShareOfVoice | None = None  # our brand against the competitors of [brand.competitors]

    @property
    def title(self) -> str:
        team = f", team {self.team}" if self.team else ""
        return f"Customer care report {self.period.label()}{team}"

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheet name -> flat table (no index), in the order the files show them."""
        daily = self.volume.daily_sentiment.join(self.volume.by_channel.add_prefix("channel "), how="left")
        daily.insert(0, "mentions", self.volume.daily_sentiment.sum(axis=1))
        return {
            "Summary": self.summary,
            "Agents": self.performance.by_agent.reset_index(),
            "Teams": self.performance.by_team.reset_index(),
            "SLA by channel": self.performance.sla_by_channel.reset_index(),
            "Open complaints by age": self.complaints.by_age.rename("open_complaints").reset_index(),
            "Open complaints by owner": self.complaints.by_owner.reset_index(),
            "Daily volume": daily.reset_index(),
            "CSAT and NPS (surveys)": self.satisfaction,
            "Outcome after reply (not CSAT)": self.outcomes,
            "Share of voice": self.voice.totals if self.voice else pd.DataFrame(columns=list(SHARE_COLUMNS)),
        }


def sla_settings(ctx: Context) -> SlaSettings:
    weights = configured_weights(ctx.config)
    return SlaSettings(dict(weights.sla_hours), weights.default_sla_hours)


def team_members(ctx: Context, team: str | None) -> tuple[str, ...] | None:
    """The members of ``team`` from ``[teams]`` (None: everyone); ``ConfigError`` for an unknown team."""
    return None if team is None else access_of(ctx.config).members(team)


def build_report(ctx: Context, period: Period, where: MentionFilter = EVERYTHING, team: str | None = None,
                 now: datetime | None = None) -> ManagerReport:
    """The period's report (``team``: only that team's agents and complaints), compared with the period before."""
    now = now or ctx.now()
    sla = sla_settings(ctx)
    teams = access_of(ctx.config).teams
    agents = team_members(ctx, team)
    current = volume(ctx.store, period, where)
    before = volume(ctx.store, period.previous(), where)
    performance = team_performance(ctx.store, period, sla, where, teams, agents)
    earlier = team_performance(ctx.store, period.previous(), sla, where, teams, agents)
    complaints = open_complaints(ctx.store, now, where, agents, period)
    rows = [
        ("mentions", current.total, before.total),
        ("negative share %", current.negative_pct, before.negative_pct),
        *_team_rows(performance, earlier),
    ]
    summary = pd.DataFrame([(name, now_value, then, _change(now_value, then)) for name, now_value, then in rows]
                           + [("unanswered complaints posted in the period", complaints.total, None, None)],
                           columns=list(SUMMARY_COLUMNS))
    return ManagerReport(period, now, summary, current, performance, complaints, team, where,
                         satisfaction(ctx.store, period, where), outcomes(ctx.store, period, where),
                         share_of_voice(ctx.store, period, ctx.config.brand.name))


def _team_rows(now: Performance, then: Performance) -> list[tuple[str, float | None, float | None]]:
    labels = {"replies": "replies sent", "median_first_response_h": "median first response h",
              "p90_first_response_h": "90th percentile first response h", "sla_pct": "SLA compliance %",
              "escalations": "escalations", "acceptance_pct": "suggestion acceptance %"}
    return [(label, _value(now.overall[key]), _value(then.overall[key])) for key, label in labels.items()]


def _value(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return round_figure(current - previous)
