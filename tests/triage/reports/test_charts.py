"""The Trends page's and the PDF's charts: ages in order, every channel in the legend, ticks on whole days."""

from __future__ import annotations

from report_data import REPORT_NOW, TEAMS, fill_report_data
from triage.queue.overview import AGE_ORDER, open_complaints, volume
from triage.queue.performance import SlaSettings, team_performance
from triage.queue.period import parse_period
from triage.reports.charts import channel_chart, chart_png, complaints_age_chart, sentiment_chart

WEEK = parse_period("2026-11-01..2026-11-07")


def test_age_buckets_keep_their_order_and_every_channel_is_in_the_legend(store):
    fill_report_data(store)
    ages = complaints_age_chart(open_complaints(store, REPORT_NOW)).to_dict()
    assert ages["encoding"]["x"]["sort"] == list(AGE_ORDER) == ["<1 h", "1-4 h", "4-24 h", ">1 day"]
    colour = channel_chart(volume(store, WEEK)).to_dict()["encoding"]["color"]
    assert colour["scale"]["domain"] == colour["legend"]["values"] == ["x", "reddit", "mastodon"]


def test_a_week_has_one_tick_per_day_and_no_time_of_day(store):
    fill_report_data(store)
    axis = sentiment_chart(volume(store, WEEK)).to_dict()["encoding"]["x"]
    assert axis["timeUnit"] == "yearmonthdate"
    assert axis["axis"]["tickCount"] == {"interval": "day", "step": 1} and axis["axis"]["format"] == "%d %b"


def test_charts_render_to_png_without_a_browser(store):
    fill_report_data(store)
    performance = team_performance(store, WEEK, SlaSettings({}, 8.0), teams=TEAMS)
    from triage.reports.charts import response_time_chart

    assert chart_png(response_time_chart(performance)).startswith(b"\x89PNG")
