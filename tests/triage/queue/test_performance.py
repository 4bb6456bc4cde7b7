"""Team performance and open complaints on the hand-computed data set of ``tests/report_data.py``."""

from __future__ import annotations

import pytest

from report_data import REPORT_NOW, SLA_HOURS, TEAMS, fill_report_data
from triage.db.reporting import MentionFilter
from triage.db.store import open_store
from triage.queue.figures import round_figure, weighted_quantile
from triage.queue.overview import AGE_ORDER, open_complaints, volume
from triage.queue.performance import SlaSettings, team_performance
from triage.queue.period import Period, parse_period, preset_period

NOVEMBER_FIRST_WEEK = parse_period("2026-11-01..2026-11-07")
SLA = SlaSettings(SLA_HOURS, 8.0)
ANNA = "anna@lumora.example"


@pytest.fixture(params=["sqlite", "postgresql"])
def report_store(request: pytest.FixtureRequest, sqlite_url: str):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = open_store(url)
    fill_report_data(store)
    yield store
    store.dispose()


def test_per_agent_replies_medians_p90_sla_escalations_reopened_and_acceptance(report_store):
    agents = team_performance(report_store, NOVEMBER_FIRST_WEEK, SLA, teams=TEAMS).by_agent
    assert agents.loc[ANNA, ["replies", "first_responses"]].tolist() == [4, 3]
    assert agents.loc[ANNA, ["median_first_response_h", "p90_first_response_h", "sla_pct"]].tolist() == [0.5, 0.8,
                                                                                                       100.0]
    assert agents.loc[ANNA, ["from_suggestion", "accepted", "acceptance_pct"]].tolist() == [2, 1, 50.0]
    assert agents.loc["luca", ["median_first_response_h", "p90_first_response_h", "sla_pct"]].tolist() == [3.5, 4.7,
                                                                                                         0.0]
    assert agents.loc["luca", ["escalations", "reopened"]].tolist() == [1, 1]
    assert agents.loc["marco", ["replies", "median_first_response_h", "sla_pct"]].tolist() == [1, 0.3, 100.0]


def test_a_team_median_is_the_median_of_all_its_responses_not_of_its_members_medians(report_store):
    teams = team_performance(report_store, NOVEMBER_FIRST_WEEK, SLA, teams=TEAMS).by_team
    assert teams.loc["billing", ["first_responses", "median_first_response_h", "p90_first_response_h",
                                 "sla_pct"]].tolist() == [5, 0.8, 3.8, 60.0]
    assert teams.loc["tech", "replies"] == 1


def test_sla_compliance_per_channel_uses_each_channels_target(report_store):
    performance = team_performance(report_store, NOVEMBER_FIRST_WEEK, SLA, teams=TEAMS)
    sla = performance.sla_by_channel
    assert sla.loc["x", ["sla_hours", "first_responses", "within_sla", "sla_pct"]].tolist() == [1.0, 3, 2, 66.7]
    assert sla.loc["reddit", "sla_pct"] == 50.0 and sla.loc["mastodon", ["sla_hours", "sla_pct"]].tolist() == [8.0,
                                                                                                              100.0]
    assert performance.overall["sla_pct"] == 66.7


def test_filters_and_a_team_limit_the_figures(report_store):
    only_x = team_performance(report_store, NOVEMBER_FIRST_WEEK, SLA, MentionFilter(channels=("x",)), TEAMS)
    assert only_x.by_agent["first_responses"].to_dict() == {ANNA: 2, "luca": 1}
    billing = team_performance(report_store, NOVEMBER_FIRST_WEEK, SLA, teams=TEAMS, agents=TEAMS["billing"])
    assert list(billing.by_agent.index) == [ANNA, "luca"]


def test_the_previous_period_has_the_same_length_and_its_own_figures(report_store):
    previous = NOVEMBER_FIRST_WEEK.previous()
    assert (previous.start.isoformat(), previous.end.isoformat()) == ("2026-10-25", "2026-10-31")
    assert team_performance(report_store, previous, SLA).by_agent["replies"].to_dict() == {"marco": 1}


def test_open_complaints_come_in_age_order_and_by_owner(report_store):
    complaints = open_complaints(report_store, REPORT_NOW)
    assert list(complaints.by_age.index) == list(AGE_ORDER) == ["<1 h", "1-4 h", "4-24 h", ">1 day"]
    # m16 reads positive but its intent is complaint: a complaint whatever the sentiment (issue 13)
    assert complaints.by_age.tolist() == [1, 1, 1, 2]
    assert complaints.by_owner["total"].to_dict() == {ANNA: 2, "(unassigned)": 3}
    assert complaints.by_owner.loc[ANNA, list(AGE_ORDER)].tolist() == [0, 1, 1, 0]


def test_volume_counts_every_day_of_the_period_by_sentiment_and_channel(report_store):
    figures = volume(report_store, NOVEMBER_FIRST_WEEK)
    assert len(figures.daily_sentiment) == 7 and figures.total == 8 and figures.negative == 7
    assert list(figures.by_channel.columns) == ["x", "reddit", "mastodon"]  # largest first


def test_quantiles_interpolate_like_numpy_and_rounding_is_half_away_from_zero():
    assert weighted_quantile([10, 30, 50], [1, 1, 1], 0.9) == 46
    assert weighted_quantile([50, 10], [1, 3], 0.5) == 10
    assert weighted_quantile([], [], 0.5) is None
    assert (round_figure(0.25), round_figure(2.35), round_figure(-0.25)) == (0.3, 2.4, -0.3)


def test_periods_parse_dates_and_presets():
    from datetime import date

    assert NOVEMBER_FIRST_WEEK.days == 7
    assert preset_period("last_week", date(2026, 11, 11)) == Period(date(2026, 11, 2), date(2026, 11, 8))
    assert preset_period("last_month", date(2026, 12, 3)) == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert parse_period("2026-11-05") == Period(date(2026, 11, 5), date(2026, 11, 5))
