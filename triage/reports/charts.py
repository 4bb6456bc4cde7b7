"""The report's charts as Altair (Vega-Lite) specifications: the Trends page draws these, the PDF
renders the same ones to PNG (``vl-convert``), so both show the same picture.

Fixes against the old page: age buckets in their order, not alphabetical; the channel legend
lists every channel of the period; day ticks on whole days only.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from triage.queue.overview import AGE_ORDER, OpenComplaints, Volume
from triage.queue.performance import Performance

SENTIMENT_COLOURS = {"negative": "#d62728", "neutral": "#9e9e9e", "positive": "#2ca02c"}
WIDTH, HEIGHT = 520, 220


def _day_axis(days: int) -> alt.X:
    """Day on x with one tick per day (every few days over long periods), never at noon."""
    step = 1 if days <= 14 else 7 if days <= 120 else 30
    ticks = {"interval": "day", "step": step}
    return alt.X("yearmonthdate(day):T", title=None, axis=alt.Axis(format="%d %b", tickCount=ticks, labelAngle=0))


def _long(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    long = frame.copy()
    long.index = pd.to_datetime(pd.Index(long.index, name="day"))
    return long.reset_index().melt("day", var_name=name, value_name="mentions")


def sentiment_chart(volume: Volume) -> alt.Chart:
    data = _long(volume.daily_sentiment, "sentiment")
    colours = alt.Scale(domain=list(SENTIMENT_COLOURS), range=list(SENTIMENT_COLOURS.values()))
    return (alt.Chart(data, title="Mentions per day by sentiment").mark_bar()
            .encode(x=_day_axis(len(volume.daily_sentiment)), y=alt.Y("sum(mentions):Q", title="mentions"),
                    color=alt.Color("sentiment:N", scale=colours, sort=list(SENTIMENT_COLOURS)),
                    tooltip=["day:T", "sentiment:N", "mentions:Q"])
            .properties(width=WIDTH, height=HEIGHT))


def negative_share_chart(volume: Volume) -> alt.Chart:
    totals = volume.daily_sentiment.sum(axis=1)
    share = (100 * volume.daily_sentiment["negative"] / totals.where(totals > 0)).round(1)
    data = pd.DataFrame({"day": pd.to_datetime(pd.Index(share.index)), "negative %": share.to_numpy()})
    return (alt.Chart(data, title="Negative share % per day").mark_line(point=True, color="#d62728")
            .encode(x=_day_axis(len(data)), y=alt.Y("negative %:Q", scale=alt.Scale(domain=[0, 100])),
                    tooltip=["day:T", "negative %:Q"])
            .properties(width=WIDTH, height=HEIGHT))


def channel_chart(volume: Volume) -> alt.Chart:
    channels = list(volume.by_channel.columns)
    data = _long(volume.by_channel, "channel") if channels else pd.DataFrame(
        {"day": pd.Series(dtype="datetime64[ns]"), "channel": pd.Series(dtype=str), "mentions": pd.Series(dtype=int)})
    return (alt.Chart(data, title="Volume by channel").mark_bar()
            .encode(x=_day_axis(len(volume.by_channel)), y=alt.Y("sum(mentions):Q", title="mentions"),
                    color=alt.Color("channel:N", scale=alt.Scale(domain=channels), sort=channels,
                                    legend=alt.Legend(values=channels)),
                    tooltip=["day:T", "channel:N", "mentions:Q"])
            .properties(width=WIDTH, height=HEIGHT))


def complaints_age_chart(complaints: OpenComplaints) -> alt.Chart:
    data = pd.DataFrame({"age": list(AGE_ORDER), "complaints": complaints.by_age.reindex(list(AGE_ORDER)).tolist()})
    return (alt.Chart(data, title="Open unanswered complaints by age").mark_bar(color="#d62728")
            .encode(x=alt.X("age:N", sort=list(AGE_ORDER), title=None, axis=alt.Axis(labelAngle=0)),
                    y=alt.Y("complaints:Q"), tooltip=["age:N", "complaints:Q"])
            .properties(width=WIDTH, height=HEIGHT))


def response_time_chart(performance: Performance) -> alt.Chart:
    agents = performance.by_agent.reset_index()
    data = agents.melt("agent", ["median_first_response_h", "p90_first_response_h"], var_name="figure",
                       value_name="hours").dropna()
    data["figure"] = data["figure"].map({"median_first_response_h": "median", "p90_first_response_h": "90th pct"})
    return (alt.Chart(data, title="First response per agent (hours)").mark_bar()
            .encode(y=alt.Y("agent:N", title=None), x=alt.X("hours:Q"), color=alt.Color("figure:N"),
                    yOffset="figure:N", tooltip=["agent:N", "figure:N", "hours:Q"])
            .properties(width=WIDTH, height=max(60, 28 * len(agents))))


def report_charts(volume: Volume, performance: Performance, complaints: OpenComplaints) -> list[alt.Chart]:
    """The charts of a report, in the order the PDF shows them."""
    return [sentiment_chart(volume), channel_chart(volume), negative_share_chart(volume),
            response_time_chart(performance), complaints_age_chart(complaints)]


def chart_png(chart: alt.Chart, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, rendered without a browser."""
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(chart.to_json(), scale=scale))


def share_of_voice_chart(daily: pd.DataFrame, days: int) -> alt.Chart:
    """Mentions per day per brand (ours and each competitor)."""
    data = daily.assign(day=pd.to_datetime(daily["day"])) if len(daily) else daily
    return (alt.Chart(data, title="Share of voice: mentions per day by brand").mark_line(point=True)
            .encode(x=_day_axis(days), y=alt.Y("mentions:Q"), color=alt.Color("brand:N"),
                    tooltip=["day:T", "brand:N", "mentions:Q", "negative:Q"])
            .properties(width=WIDTH, height=HEIGHT))
