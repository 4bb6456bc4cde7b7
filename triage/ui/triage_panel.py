"""The queue's triage widgets: intent and topic, the incident a mention belongs to, "Not spam".

Post text is shown only through ``st.text`` and dataframes (literal text).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from triage.access.roles import Actor
from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.models.intent import topic_name
from triage.queue.not_spam import mark_not_spam
from triage.queue.workflow import ACTIONABLE
from triage.ranking.incidents import IncidentSummary, members, summaries
from triage.ranking.intent import intent_of
from triage.ui.common import age
from triage.ui.group_reply import render_group_reply

Act = Callable[..., None]


def incident_label(summary: IncidentSummary | None) -> str:
    """'55 posts, +12 in last hour' for a queue row ('' when the mention is not in an incident)."""
    if summary is None:
        return ""
    growth = f"+{summary.last_hour} in last hour" if summary.last_hour else "none new in last hour"
    return f"{summary.size} posts, {growth}"


def intent_line(row: MentionRow) -> str:
    intent = intent_of(row) or "unclassified"
    line = f"Intent: {intent}"
    if intent == "complaint" and row.topic:
        line += f" · topic: {topic_name(row.topic)}"
    if row.urgency is not None:
        line += f" · text urgency {row.urgency:.2f}"
    if row.not_spam:
        line += " · marked not spam"
    return line


def render_panel(store: Store, row: MentionRow, who: Actor, act: Act) -> None:
    """Intent/topic, the spam state with its "Not spam" action, and the incident with its group reply
    (the group reply only for a role that may answer a group: leads and above)."""
    me = who.name
    st.text(intent_line(row))
    if intent_of(row) == "spam":
        st.text("Sunk to the bottom as spam (kept, never deleted).")
        if st.button("Not spam", key=f"notspam-{row.id}", disabled=not me, icon=":material/report_off:"):
            act(lambda: mark_not_spam(store, row.id, who), "Marked not spam: back in the queue.", keep_open=row.id)
    if row.incident_id is None:
        return
    summary = summaries(store, [row.incident_id]).get(row.incident_id)
    if summary is None:
        return
    group = members(store, row.incident_id)
    with st.expander(f"Incident: {incident_label(summary)} ({summary.open} open)", expanded=True,
                     icon=":material/stacks:"):
        st.text(f"Started {age(summary.first_at)} · topic: {topic_name(summary.topic) or '-'} · "
                f"first post: {summary.title}")
        st.dataframe(
            pd.DataFrame([{"when": age(m.created_at), "channel": m.channel, "author": m.author_handle,
                           "status": m.status, "text": m.text.replace("\n", " ")[:200]} for m in group]),
            hide_index=True,
        )
        if not who.can("answer_group"):
            return
        open_ids = tuple(m.id for m in group if m.status in ACTIONABLE)
        render_group_reply(row.incident_id, open_ids, who, act, row.id)
