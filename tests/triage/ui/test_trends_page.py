"""The Trends page on the hand-computed data set: any period, filters, team tables, downloads."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import start_dashboard
from report_data import fill_report_data
from triage.db.store import open_store


@pytest.fixture
def trends(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    store = open_store(url)
    fill_report_data(store)
    store.dispose()
    config = tmp_path / "triage.toml"
    config.write_text('[teams]\nbilling = ["anna@lumora.example", "luca"]\ntech = ["marco"]\n'
                      '[priority.sla_hours]\nx = 1\nreddit = 4\n', encoding="utf-8")
    at = start_dashboard(monkeypatch, url, TRIAGE_CONFIG=str(config))
    at.switch_page("triage/ui/trends_page.py").run()
    at.segmented_control(key="trends_preset").set_value("custom").run()
    at.date_input(key="trends_dates").set_value((date(2026, 11, 1), date(2026, 11, 7))).run()
    assert not at.exception, at.exception
    return at


def test_a_custom_period_shows_its_figures_and_team_tables(trends):
    metrics = {m.label: m.value for m in trends.metric}
    assert metrics["Mentions"] == "8" and metrics["Median first response"] == "0.7 h"  # 10 20 30|50 120 300 min
    frames = [frame.value for frame in trends.dataframe]
    agents = next(f for f in frames if f.index.name == "agent")
    assert agents.loc["luca", "median_first_response_h"] == 3.5 and agents.loc["luca", "sla_pct"] == 0.0
    teams = next(f for f in frames if f.index.name == "team")
    assert teams.loc["billing", "sla_pct"] == 60.0
    labels = [b.proto.label for b in trends.get("download_button")]
    assert {"Report (PDF)", "Report (XLSX)", "Report (CSV)", "Unanswered complaints (CSV)"} <= set(labels)


def test_the_team_filter_limits_the_tables_to_its_agents(trends):
    trends.selectbox(key="t_team").set_value("tech").run()
    assert not trends.exception, trends.exception
    agents = next(f.value for f in trends.dataframe if f.value.index.name == "agent")
    assert list(agents.index) == ["marco"]


def test_acceptance_rows_say_what_they_count(trends):
    acceptance = next(f.value for f in trends.dataframe if "source" in f.value.columns)
    assert "all from a suggestion" in set(acceptance["source"])
