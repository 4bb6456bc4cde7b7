"""The manager's view: any period against the one before, the queue's filters, team performance,
unanswered complaints, and the report as CSV, XLSX or PDF (built when the button is clicked).

Every figure comes from ``triage.queue.manager_report`` (SQL aggregates) and every chart from
``triage.reports.charts``: the PDF shows the same charts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from triage.access.roles import Actor, access_of
from triage.db.queue_view import distinct_values
from triage.db.reporting import MentionFilter
from triage.db.store import Store, resolve_url
from triage.errors import TriageError
from triage.queue.acceptance import suggestion_acceptance
from triage.queue.complaints import complaint_counts
from triage.queue.manager_report import ManagerReport, build_report
from triage.queue.period import Period, preset_period
from triage.queue.reports import unanswered_csv
from triage.queue.spikes import negative_spike
from triage.records import utcnow
from triage.reports import charts
from triage.reports.files import MIME_TYPES, file_name, report_bytes
from triage.ui.common import get_context, get_store, ready_store
from triage.ui.signin import require_page

PRESET_LABELS = {"last_7_days": "7 days", "last_30_days": "30 days", "last_90_days": "90 days",
                 "last_week": "Last week", "last_month": "Last month", "custom": "Custom"}
ALL_TEAMS = "All teams"


@st.cache_data(ttl=300, show_spinner=False)
def _choices(url: str, column: str) -> list[str]:
    return distinct_values(get_store(), column)


def _period(today: date) -> Period:
    left, right = st.columns([3, 2])
    preset = left.segmented_control("Period", list(PRESET_LABELS), default="last_30_days",
                                    format_func=PRESET_LABELS.__getitem__, key="trends_preset") or "last_30_days"
    if preset != "custom":
        period = preset_period(preset, today)
        right.caption(f"{period.label()} ({period.days} days, UTC), compared with {period.previous().label()}")
        return period
    chosen = right.date_input("From – to", value=(today.replace(day=1), today), key="trends_dates",
                              format="YYYY-MM-DD")
    days = list(chosen) if isinstance(chosen, (tuple, list)) else [chosen]
    if not days:
        return preset_period("last_30_days", today)
    period = Period(days[0], days[-1])
    right.caption(f"compared with {period.previous().label()}")
    return period


def _filters(teams: list[str]) -> tuple[MentionFilter, str | None]:
    """The queue's filters: channel, language, intent, topic, and the team."""
    url = resolve_url()
    with st.expander("Filters", expanded=False, icon=":material/filter_list:"):
        a, b, c, d, e = st.columns(5)
        channels = a.multiselect("Channel", _choices(url, "channel"), key="t_channel")
        languages = b.multiselect("Language", _choices(url, "language"), key="t_language")
        intents = c.multiselect("Intent", _choices(url, "intent"), key="t_intent")
        topics = d.multiselect("Topic", _choices(url, "topic"), key="t_topic")
        team = e.selectbox("Team", [ALL_TEAMS, *teams], key="t_team")
    return (MentionFilter(tuple(channels), tuple(languages), tuple(intents), tuple(topics)),
            None if team in (None, ALL_TEAMS) else str(team))


def _delta(report: ManagerReport, figure: str, suffix: str = "") -> str | None:
    row = report.summary.set_index("figure").loc[figure]
    return None if pd.isna(row["change"]) else f"{row['change']:+g}{suffix} vs previous"


def render() -> None:
    st.title("Trends")
    actor = require_page("see_reports", "Trends")  # managers and admins
    store = ready_store()
    ctx = get_context()
    try:
        teams = sorted(access_of(ctx.config).teams)
    except TriageError as exc:
        st.warning(f"[teams] ignored: {exc}")
        teams = []
    period = _period(utcnow().date())
    where, team = _filters(teams)
    try:
        report = build_report(ctx, period, where, team)
    except TriageError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    _headline(report)
    _spike(store, report)
    _charts(report)
    _performance(report)
    _suggestion_acceptance(store, period)
    _downloads(store, report, actor)


def _headline(report: ManagerReport) -> None:
    overall = report.performance.overall
    median = overall["median_first_response_h"]
    a, b, c, d = st.columns(4)
    a.metric("Mentions", report.volume.total, delta=_delta(report, "mentions"), delta_color="off")
    b.metric("Negative share", f"{report.volume.negative_pct:.0f}%" if report.volume.total else "–",
             delta=_delta(report, "negative share %", " pts"), delta_color="inverse")
    c.metric("Median first response", f"{median:.1f} h" if pd.notna(median) else "–",
             delta=_delta(report, "median first response h", " h"), delta_color="inverse")
    d.metric("Unanswered complaints", report.complaints.total,
             help="complaints posted in the period that nobody has answered yet: intent complaint, or a named risk "
                  "(money, safety, account takeover, legal/churn), whatever the sentiment")
    with st.expander(f"Summary against the previous period ({report.period.previous().label()})", expanded=True):
        st.dataframe(report.summary, hide_index=True, width="stretch")


def _spike(store: Store, report: ManagerReport) -> None:
    """The spike check is about the last 24 h against the 7 days before, whatever period is shown: say so,
    and name the period's busiest day, so a visible peak and "No spike" do not seem to disagree."""
    spike = negative_spike(store)
    (st.warning if spike.flagged else st.caption)(spike.message)
    negative = report.volume.daily_sentiment["negative"]
    if negative.sum():
        st.caption(f"The spike check compares the last 24 h with the 7 days before; in the period shown the "
                   f"busiest day was {negative.idxmax()} with {int(negative.max())} negative mentions.")


def _charts(report: ManagerReport) -> None:
    st.subheader("Mentions per day by sentiment")
    st.altair_chart(charts.sentiment_chart(report.volume), width="stretch")
    left, right = st.columns(2)
    with left:
        st.subheader("Negative share")
        st.altair_chart(charts.negative_share_chart(report.volume), width="stretch")
    with right:
        st.subheader("Volume by channel")
        st.altair_chart(charts.channel_chart(report.volume), width="stretch")
    left, right = st.columns(2)
    with left:
        st.subheader("Median hours to first response")
        if report.performance.by_agent.empty:
            st.info("No replies yet in this period.")
        else:
            st.altair_chart(charts.response_time_chart(report.performance), width="stretch")
    with right:
        st.subheader("Unanswered complaints by age")
        st.altair_chart(charts.complaints_age_chart(report.complaints), width="stretch")
    _negative_not_complaints(report)


def _negative_not_complaints(report: ManagerReport) -> None:
    """Negative posts of the period that are not complaints, counted apart and labelled as such."""
    counts = complaint_counts(get_store(), report.generated_at, report.period.bounds()[0])
    negative_only = counts.negative_not_complaints
    st.subheader("Negative, not complaints: unanswered by age")
    st.caption(f"{int(negative_only.sum())} open negative posts of the period are not complaints (no complaint "
               "intent, no named risk): news, opinions, disappointed feedback. Counted apart from the complaints.")
    st.bar_chart(negative_only)


def _performance(report: ManagerReport) -> None:
    st.subheader("Team performance")
    st.caption("First response: hours from the post to the first reply, for the agent who sent it. SLA: first "
               "responses within the channel's sla_hours. Acceptance: replies started from a suggestion and sent "
               "with at most 10% of it edited.")
    agents, teams, channels = st.tabs(["Per agent", "Per team", "SLA per channel"])
    agents.dataframe(report.performance.by_agent, width="stretch")
    teams.dataframe(report.performance.by_team, width="stretch")
    channels.dataframe(report.performance.sla_by_channel, width="stretch")
    st.subheader("Unanswered complaints by owner")
    st.dataframe(report.complaints.by_owner, width="stretch")
    st.subheader("Customer satisfaction (surveys)")
    st.caption("CSAT: % of answers 4-5 (of 1-5). NPS: % promoters (9-10) minus % detractors (0-6). "
               "Import answers with python -m triage import-surveys FILE.")
    if report.satisfaction.empty:
        st.info("No survey answers in this period.")
    else:
        st.dataframe(report.satisfaction, hide_index=True, width="stretch")
    st.subheader("Outcome after our reply (a proxy, not CSAT)")
    st.caption("The customer's next message on the same channel within 72 h of the first reply, by its sentiment: "
               "thanked, still unhappy, neutral, or no reply.")
    st.dataframe(report.outcomes, hide_index=True, width="stretch")
    if report.voice is not None and len(report.voice.totals) > 1:
        st.subheader("Share of voice")
        st.caption("Our brand against the competitors of [brand.competitors] in triage.toml.")
        st.altair_chart(charts.share_of_voice_chart(report.voice.daily, report.period.days), width="stretch")
        st.dataframe(report.voice.totals, hide_index=True, width="stretch")


def _suggestion_acceptance(store: Store, period: Period) -> None:
    """Share of replies sent with at most 10% of the suggestion edited, by the suggestion's source."""
    st.subheader("Suggestion acceptance")
    table = suggestion_acceptance(store, now=period.bounds()[1], days=period.days)
    if "all" not in table.index:
        st.info("No replies started from a suggestion in this period yet.")
        return
    overall = table.loc["all"]
    st.metric("Suggestions sent with ≤10% edited", f"{overall['share']:.0%}",
              help=f"{int(overall['accepted'])} of {int(overall['replies'])} replies that started from a suggestion")
    shown = table.assign(share=(table["share"] * 100).round(0).astype(int).astype(str) + "%")
    shown = shown.rename(index={"all": "all from a suggestion", "none": "none (written from scratch)"})
    st.dataframe(shown.reset_index(), hide_index=True)


def _downloads(store: Store, report: ManagerReport, actor: Actor) -> None:
    if not actor.can("export"):
        return
    columns = st.columns(4)
    for column, fmt in zip(columns, ("pdf", "xlsx", "csv")):
        column.download_button(f"Report ({fmt.upper()})", _builder(report, fmt), file_name=file_name(report, fmt),
                               mime=MIME_TYPES[fmt], icon=":material/download:",
                               key=f"download-report-{fmt}")
    columns[3].download_button("Unanswered complaints (CSV)", lambda: unanswered_csv(store, where=report.where),
                               file_name="unanswered-complaints.csv", mime="text/csv", icon=":material/download:",
                               key="download-trends")


def _builder(report: ManagerReport, fmt: str) -> Callable[[], bytes]:
    """The file, built only when its button is clicked."""
    return lambda: report_bytes(report, fmt, bom=fmt == "csv")


render()
