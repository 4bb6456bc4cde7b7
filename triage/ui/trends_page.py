"""The manager's view: volume, sentiment, channels, response times, unanswered complaints.

Complaints are ``triage.queue.complaints``'s (intent complaint or a named risk, whatever the
sentiment); the card, the chart and the download count those posted in the chosen period.
Negative posts that are not complaints have their own, labelled chart.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from triage.access.roles import Actor
from triage.db.store import Store
from triage.queue.acceptance import suggestion_acceptance
from triage.queue.reports import trends, unanswered_csv
from triage.queue.spikes import negative_spike
from triage.records import utcnow
from triage.ui.common import ready_store
from triage.ui.signin import require_page


def render() -> None:
    st.title("Trends")
    actor = require_page("see_reports", "Trends")  # managers and admins
    store = ready_store()
    days = st.segmented_control("Period", [7, 30, 90], default=30, format_func=lambda d: f"{d} days", key="days")
    now = utcnow()
    figures = trends(store, now, days=days or 30, who=actor)
    total_negative = int(figures.daily_sentiment["negative"].sum())
    unanswered_total = int(figures.unanswered_by_age.sum())
    a, b, c, d = st.columns(4)
    a.metric("Mentions", figures.total)
    b.metric("Negative share", f"{total_negative / figures.total:.0%}" if figures.total else "–")
    c.metric("Median first response",
             f"{figures.median_response_hours:.1f} h" if figures.median_response_hours is not None else "–")
    d.metric("Unanswered complaints", unanswered_total,
             help=f"Open, unanswered posts of the last {days or 30} days that are complaints or carry a named risk "
                  "(money, safety, account takeover, churn/legal), whatever their sentiment")
    spike = negative_spike(store)
    (st.warning if spike.flagged else st.caption)(spike.message)

    st.subheader("Mentions per day by sentiment")
    st.bar_chart(figures.daily_sentiment, color=["#d62728", "#9e9e9e", "#2ca02c"])
    left, right = st.columns(2)
    with left:
        st.subheader("Negative share")
        st.line_chart(figures.negative_share.rename("negative share"))
    with right:
        st.subheader("Volume by channel")
        st.bar_chart(figures.by_channel)
    left, right = st.columns(2)
    with left:
        st.subheader("Median hours to first response")
        if figures.response_hours.dropna().empty:
            st.info("No replies yet in this period.")
        else:
            st.line_chart(figures.response_hours.rename("median hours"))
    with right:
        st.subheader("Unanswered complaints by age")
        st.bar_chart(figures.unanswered_by_age)
    negative_only = figures.negative_not_complaints_by_age
    st.subheader("Negative, not complaints: unanswered by age")
    st.caption(f"{int(negative_only.sum())} open negative posts of the period are not complaints (no complaint "
               "intent, no named risk): news, opinions, disappointed feedback. Counted apart from the complaints.")
    st.bar_chart(negative_only)
    _suggestion_acceptance(store, days or 30, actor)
    since = now - timedelta(days=days or 30)
    if actor.can("export"):
        st.download_button("Unanswered complaints (CSV)",  # built when clicked
                           lambda: unanswered_csv(store, now, since, who=actor),
                           file_name="unanswered-complaints.csv", mime="text/csv", icon=":material/download:",
                           key="download-trends")


def _suggestion_acceptance(store: Store, days: int, who: Actor) -> None:
    """Share of replies sent with at most 10% of the suggestion edited, by the suggestion's source."""
    st.subheader("Suggestion acceptance")
    table = suggestion_acceptance(store, days=days, who=who)
    if "all" not in table.index:
        st.info("No replies started from a suggestion in this period yet.")
        return
    overall = table.loc["all"]
    st.metric("Suggestions sent with ≤10% edited", f"{overall['share']:.0%}",
              help=f"{int(overall['accepted'])} of {int(overall['replies'])} replies that started from a suggestion")
    shown = table.assign(share=(table["share"] * 100).round(0).astype(int).astype(str) + "%")
    st.dataframe(shown.reset_index(), hide_index=True)


render()
