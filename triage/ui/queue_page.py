"""The agent's queue: ranked mentions, filters, the selected mention and its actions."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pandas as pd
import streamlit as st

from triage.db.queue_view import COUNT_BOUND, distinct_values, lines_text, queue_lines, queue_page
from triage.db.reporting import MentionFilter
from triage.db.schema import MentionRow
from triage.db.store import QueueFilter, Store, resolve_url
from triage.errors import TriageError
from triage.queue import workflow
from triage.queue.reports import unanswered_csv
from triage.queue.timeline import customer_timeline
from triage.ranking.incidents import summaries
from triage.records import OPEN_STATUSES, SENTIMENTS, STATUSES
from triage.replies.drafts import Suggestion
from triage.replies.generation import default_rewriter
from triage.replies.sending import posts_on, send_reply
from triage.replies.suggest import for_mention
from triage.replies.tone import ToneProfile
from triage.ui.common import age, agent, get_context, get_store, ready_store, safe_url, signature
from triage.ui.triage_panel import incident_label, render_panel

IGNORE_REASONS = ("not about us", "no reply needed", "spam or bot", "duplicate", "other")


PAGE_SIZES = (100, 200, 500)


@st.cache_data(ttl=300, show_spinner=False)
def _choices(url: str, column: str) -> list[str]:
    """A filter's choices (distinct channels, languages), read at most every five minutes."""
    return distinct_values(get_store(), column)


def _filters(store: Store) -> QueueFilter:
    with st.expander("Filters", expanded=False, icon=":material/filter_list:"):
        left, middle, right = st.columns(3)
        channels = left.multiselect("Channel", _choices(resolve_url(), "channel"), key="f_channel")
        sentiments = middle.multiselect("Sentiment", list(SENTIMENTS), key="f_sentiment")
        statuses = right.multiselect("Status", list(STATUSES), default=list(OPEN_STATUSES), key="f_status")
        left, middle, right = st.columns(3)
        languages = left.multiselect("Language", _choices(resolve_url(), "language"), key="f_language")
        dates = middle.date_input("Date range", value=(), key="f_dates",  # type: ignore[arg-type]  # () = no range
                                  format="YYYY-MM-DD")
        text = right.text_input("Search text or author", key="f_text")
    since = until = None
    if isinstance(dates, (tuple, list)) and len(dates) >= 1:
        since = datetime.combine(dates[0], time.min, tzinfo=timezone.utc)
        end = dates[1] if len(dates) > 1 else dates[0]
        until = datetime.combine(end, time.min, tzinfo=timezone.utc) + timedelta(days=1)
    return QueueFilter(channels, sentiments, statuses, languages, since, until, text, classified_only=True)


def _top_reason(row: MentionRow) -> str:
    return row.reasons[0]["phrase"] if row.reasons else ""


def _queue_frame(rows: list[MentionRow], incidents: dict | None = None) -> pd.DataFrame:
    incidents = incidents or {}
    return pd.DataFrame(
        {
            "priority": [r.priority for r in rows],
            "intent": [r.intent or "" for r in rows],
            "incident": [incident_label(incidents.get(r.incident_id)) for r in rows],
            "channel": [r.channel for r in rows],
            "author": [r.author_handle for r in rows],
            "age": [age(r.created_at) for r in rows],
            "sentiment": [r.sentiment or "" for r in rows],
            "status": [r.status for r in rows],
            "top reason": [_top_reason(r) for r in rows],
            "text": [r.text.replace("\n", " ")[:160] for r in rows],
        }
    )


def _act(action, success: str, keep_open: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Run a workflow action, then reset the table selection so no stale row stays selected.

    ``keep_open`` is the mention to keep showing (after claim/release); otherwise the detail
    closes, since the mention usually leaves the open queue.
    """
    try:
        action()
    except TriageError as exc:
        st.session_state["flash"] = ("error", str(exc))
    else:
        st.session_state["flash"] = ("success", success)
        st.session_state["queue_version"] = st.session_state.get("queue_version", 0) + 1
        st.session_state["queue_selection"] = ()
        st.session_state["open_mention"] = keep_open
        st.query_params.pop("mention", None)
    st.rerun()


def _send(store: Store, row: MentionRow, me: str, text: str, suggestion_source: str | None = None,
          suggestion_text: str | None = None) -> None:
    """Post the reply through the channel's client (or record it, in dry run); a refusal keeps the draft."""
    try:
        outcome = send_reply(get_context(), row.id, me, text, suggestion_source, suggestion_text)
    except TriageError as exc:
        st.error("Not sent: your draft is kept.", icon=":material/error:")
        st.text(str(exc))  # the platform's own words, shown literally
        return
    _act(lambda: None, outcome.message)


def _detail(store: Store, row: MentionRow) -> None:
    st.subheader("Selected mention", divider="gray")
    facts = f"{row.channel} · @{row.author_handle}"
    if row.author_name:
        facts += f" ({row.author_name})"
    facts += f" · {row.author_followers:,} followers · {age(row.created_at)} · {row.language or '?'} · {row.status}"
    if row.assignee:
        facts += f" · claimed by {row.assignee}"
    if row.rating:
        facts += f" · {row.rating}/5 stars"
    st.text(facts)
    st.text(row.text)
    link = safe_url(row.url)
    if link:
        st.link_button("Open on the channel", link, icon=":material/open_in_new:")

    sentiment = f"{row.sentiment or 'unclassified'}"
    if row.p_negative is not None:
        sentiment += f" (negative {row.p_negative:.0%}, neutral {row.p_neutral:.0%}, positive {row.p_positive:.0%})"
    st.text(f"Priority {row.priority}/100 · sentiment {sentiment}")
    if row.reasons:
        st.dataframe(pd.DataFrame(row.reasons).rename(columns={"phrase": "reason", "points": "contribution"}),
                     hide_index=True)
    render_panel(store, row, agent(), _act)

    timeline = customer_timeline(store, row.id)
    with st.expander(f"Customer history: {timeline.earlier} earlier mention(s)", expanded=bool(timeline.earlier)):
        st.dataframe(pd.DataFrame([{"when": age(e.at), "who": e.who, "text": e.text, "status": e.status}
                                   for e in timeline.entries]), hide_index=True)

    _actions(store, row)
    audit = store.audit_for(row.id)
    if audit:
        with st.expander("Audit trail"):
            st.dataframe(
                pd.DataFrame([{"when": a.at.strftime("%Y-%m-%d %H:%M"), "who": a.actor, "action": a.action,
                               "from": a.from_status or "", "to": a.to_status, "note": a.note} for a in audit]),
                hide_index=True,
            )


def _suggestions(store: Store, row: MentionRow) -> tuple[ToneProfile, list[Suggestion]]:
    """Tone and suggestions for the mention, computed once per mention and signature in this session."""
    cache_key = f"suggestions-{row.id}-{signature()}"
    if cache_key not in st.session_state:
        with st.spinner("Drafting replies from the team's earlier answers, the FAQ and the templates…"):
            result = for_mention(get_context(), row, signature(), rewriter=default_rewriter())
        st.session_state[cache_key] = (result.tone, result.suggestions)
    return st.session_state[cache_key]


def _actions(store: Store, row: MentionRow) -> None:
    me = agent()
    if not me:
        st.warning("Type your name in the sidebar to claim and answer mentions.", icon=":material/person:")
    held_by_other = bool(row.assignee and row.assignee != me)
    if row.status == "sending":  # a reply is on its way: nobody acts until it is posted or refused
        st.info(f"A reply by {row.sending_by} is being sent; refresh in a moment.", icon=":material/send:")
        held_by_other = True
    elif held_by_other:
        st.info(f"{row.assignee} is working on this mention.", icon=":material/lock:")
    if row.status == "needs_review":
        st.warning(f"A crash interrupted sending this reply: it may already be on {row.channel}. Check the post "
                   "there. If the reply is there, close this mention; if not, edit it and send it again.",
                   icon=":material/help:")
        for unsure in store.replies_in_state("needs_review", [row.id]):
            st.text(f"{unsure.agent}: {unsure.text}")  # literal: never Markdown
    disabled = not me or held_by_other

    tone, drafts = _suggestions(store, row)
    key, origin = f"reply-{row.id}", f"reply-from-{row.id}"
    if key not in st.session_state:  # prefilled with the top suggestion
        st.session_state[key] = drafts[0].text if drafts else ""
        st.session_state[origin] = drafts[0] if drafts else None
    st.text(f"Tone: {tone.describe()}")
    if drafts and drafts[0].note:
        st.warning(drafts[0].note)
    if len(drafts) > 1:  # the others are one click away; a click replaces the draft
        choices = st.columns(len(drafts))
        for index, (column, draft) in enumerate(zip(choices, drafts)):
            if column.button(f"{index + 1}. {draft.source}", key=f"use-{row.id}-{index}", help=draft.detail or None,
                             type="secondary", icon=":material/edit_note:"):
                st.session_state[key] = draft.text
                st.session_state[origin] = draft
                st.rerun()
    text = st.text_area("Reply", key=key, height=120)
    started = st.session_state.get(origin)
    st.caption(f"{len(text)} characters" + (f" · from the {started.source} suggestion" if started else ""))

    claim_col, reply_col, release_col = st.columns(3)
    if claim_col.button("Claim", key=f"claim-{row.id}", disabled=disabled or row.status == "in_progress",
                        icon=":material/back_hand:"):
        _act(lambda: workflow.claim(store, row.id, me), "Claimed: it's yours.", keep_open=row.id)
    live = posts_on(get_context(), row.channel)
    if reply_col.button("Send" if live else "Mark replied", key=f"replied-{row.id}", disabled=disabled,
                        type="primary", icon=":material/send:" if live else ":material/check:",
                        help=f"Posts this reply on {row.channel} and marks the mention replied." if live else
                        "Records this reply as sent (dry run, or a channel Ascolto does not post on: "
                        "post it there yourself)."):
        _send(store, row, me, text, started.source if started else None, started.text if started else None)
    if release_col.button("Release", key=f"release-{row.id}", disabled=disabled or row.status != "in_progress",
                          icon=":material/undo:"):
        _act(lambda: workflow.release(store, row.id, me), "Released back to the queue.", keep_open=row.id)

    escalate_col, ignore_col = st.columns(2)
    with escalate_col.popover("Escalate", icon=":material/priority_high:", disabled=disabled):
        note = st.text_input("Why, and to whom?", key=f"esc-note-{row.id}")
        if st.button("Escalate", key=f"escalate-{row.id}"):
            _act(lambda: workflow.escalate(store, row.id, me, note), "Escalated.")
    with ignore_col.popover("Ignore", icon=":material/visibility_off:", disabled=disabled):
        reason = st.selectbox("Reason", IGNORE_REASONS, key=f"ign-reason-{row.id}")
        detail = st.text_input("Details (optional)", key=f"ign-detail-{row.id}")
        if st.button("Ignore", key=f"ignore-{row.id}"):
            full = reason + (f": {detail}" if detail.strip() else "")
            _act(lambda: workflow.ignore(store, row.id, me, full), "Ignored.")
    if row.status in ("ignored", "replied", "closed") and st.button("Reopen", key=f"reopen-{row.id}",
                                                                     disabled=not me):
        _act(lambda: workflow.reopen(store, row.id, me), "Back in the queue.", keep_open=row.id)


def render() -> None:
    st.title("Queue")
    store = ready_store()
    flash = st.session_state.pop("flash", None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    flt = _filters(store)
    total = queue_lines(store, flt, bound=COUNT_BOUND)  # an incident counts once; past the bound, "10,000+"
    top, pager, download = st.columns([3, 2, 1])
    size = int(st.session_state.get("q_page_size", PAGE_SIZES[-1]))
    pages = max(1, -(-total // size)) if total <= COUNT_BOUND else None  # past the bound: pages open-ended
    page = 1
    if pages is None:
        page = int(pager.number_input("Page", min_value=1, key="q_page"))  # LIMIT/OFFSET reads any page
    elif pages > 1:
        if int(st.session_state.get("q_page", 1)) > pages:  # the filters shrank the queue
            st.session_state["q_page"] = pages
        page = int(pager.number_input(f"Page (of {pages})", min_value=1, max_value=pages, key="q_page"))
    rows = queue_page(store, flt, (page - 1) * size, size)  # an incident shows once, with its size
    incidents = summaries(store, [r.incident_id for r in rows])
    where = f" · page {page}" if pages is None else (f" · page {page} of {pages}" if pages > 1 else "")
    top.text(f"{lines_text(total)}, highest priority first" + where)
    download.download_button(  # the file is built when clicked, not on every view
        "Unanswered complaints (CSV)",  # of the channels and languages the queue is filtered to
        lambda: unanswered_csv(store, where=MentionFilter(tuple(flt.channels), tuple(flt.languages))),
        file_name="unanswered-complaints.csv",
        mime="text/csv", icon=":material/download:", key="download-unanswered",
    )
    if not rows:
        st.info("No mentions match these filters.")
        return
    event = st.dataframe(
        _queue_frame(rows, incidents), key=f"queue-{st.session_state.get('queue_version', 0)}", on_select="rerun",
        selection_mode="single-row", hide_index=True,
        column_config={
            "priority": st.column_config.ProgressColumn("priority", min_value=0, max_value=100, format="%d",
                                                        width="small"),
            "channel": st.column_config.TextColumn(width="small"),
            "age": st.column_config.TextColumn(width="small"),
            "status": st.column_config.TextColumn(width="small"),
            "text": st.column_config.TextColumn(width="large"),
        },
        column_order=("priority", "channel", "author", "age", "intent", "top reason", "incident", "text", "status",
                      "sentiment"),
    )
    mention_id = _selected_mention(rows, tuple(event.selection.rows) if event is not None else ())
    if mention_id is not None:
        try:
            _detail(store, store.get(mention_id))
        except TriageError as exc:
            st.error(str(exc))
    else:
        st.caption("Select a row to read the whole post, the customer's history and the actions.")
    st.segmented_control("Rows per page", PAGE_SIZES, default=PAGE_SIZES[-1], key="q_page_size")


def _selected_mention(rows: list[MentionRow], selection: tuple[int, ...]) -> int | None:
    """The mention the agent opened, by id: a re-ranked or filtered queue never swaps it for another."""
    if selection != st.session_state.get("queue_selection", ()):  # the agent clicked a row
        st.session_state["queue_selection"] = selection
        st.session_state["open_mention"] = rows[selection[0]].id if selection and selection[0] < len(rows) else None
    return st.session_state.get("open_mention") or _linked_mention()


def _linked_mention() -> int | None:
    value = st.query_params.get("mention")
    return int(value) if value and str(value).isdigit() else None


render()
