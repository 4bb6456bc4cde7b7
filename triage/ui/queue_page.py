"""The agent's queue: ranked mentions, filters, the selected mention and its actions."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pandas as pd
import streamlit as st

from triage.access.roles import Actor
from triage.context import Context
from triage.db.queue_view import distinct_values
from triage.db.schema import MentionRow
from triage.db.store import QueueFilter, Store, resolve_url
from triage.errors import TriageError
from triage.queue import workflow
from triage.queue.assignment import holder_for, views
from triage.queue.timeline import customer_timeline
from triage.records import OPEN_STATUSES, SENTIMENTS, STATUSES
from triage.replies.drafts import Suggestion
from triage.replies.generation import default_rewriter
from triage.replies.limits import counter, over_limit
from triage.replies.sending import posts_on, send_reply
from triage.replies.suggest import for_mention
from triage.replies.tone import ToneProfile
from triage.ui.common import age, current_actor, get_context, get_store, ready_store, safe_url, signature
from triage.ui.corrections_panel import render_bulk, render_corrections
from triage.ui.live_queue import (
    DEFAULT_REFRESH_SECONDS,
    PAGE_SIZES,
    clear_stale_note,
    forget_detail,
    queue_list,
    refresh_seconds,
    stale_note,
    start_alert_checks,
)
from triage.ui.team_actions import render_assign, render_escalate, team_access
from triage.ui.triage_panel import render_panel

IGNORE_REASONS = ("not about us", "no reply needed", "spam or bot", "duplicate", "other")


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


def _act(action, success: str, keep_open: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Run a workflow action, then reset the table selection so no stale row stays selected.

    ``keep_open`` is the mention to keep showing (after claim/release); otherwise the detail
    closes, since the mention usually leaves the open queue.
    """
    try:
        said = action()
    except TriageError as exc:
        st.session_state["flash"] = ("error", str(exc))
    else:
        # an action may say more than ``success``: a text, or (kind, text) with kind "success" or "warning"
        st.session_state["flash"] = said if isinstance(said, tuple) else ("success", said if isinstance(said, str)
                                                                          else success)
        clear_stale_note(st.session_state.get("open_mention"))
        st.session_state["queue_version"] = st.session_state.get("queue_version", 0) + 1
        st.session_state["queue_selection"] = ()
        st.session_state["open_mention"] = keep_open
        st.query_params.pop("mention", None)
    st.rerun()


def _send(store: Store, row: MentionRow, me: Actor, text: str, suggestion_source: str | None = None,
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
    changed = stale_note(store, row, current_actor().name)
    if changed:  # names and times from the audit trail, in a code span: literal, never Markdown
        literal = changed.replace("`", "'")
        st.warning(f"Changed since you opened it: `{literal}`. Your draft is kept.", icon=":material/update:")
    facts = f"{row.channel} · @{row.author_handle}"
    if row.author_name:
        facts += f" ({row.author_name})"
    facts += f" · {row.author_followers:,} followers · {age(row.created_at)} · {row.language or '?'} · {row.status}"
    if row.assignee:
        facts += f" · claimed by {row.assignee}"
    if row.team:
        facts += f" · team {row.team}"
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
    render_panel(store, row, current_actor(), _act)
    render_corrections(store, row, _act)

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
    actor = current_actor()  # the signed-in user (or the single local user): library calls take the actor
    me = actor.name
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
    provenance = started.origin.describe() if started and started.origin else ""
    st.caption(f"{counter(text, row.channel, row.raw)} characters"
               + (f" · from the {started.source} suggestion" if started else "")
               + (f" ({provenance})" if provenance else ""))
    too_long = over_limit(text, row.channel, row.raw)
    if too_long:
        st.warning(f"Too long for {row.channel}: {too_long}. Send is off until it fits.", icon=":material/warning:")

    claim_col, reply_col, release_col = st.columns(3)
    if claim_col.button("Claim", key=f"claim-{row.id}", disabled=disabled or row.status == "in_progress",
                        icon=":material/back_hand:"):
        _act(lambda: workflow.claim(store, row.id, actor), "Claimed: it's yours.", keep_open=row.id)
    live = posts_on(get_context(), row.channel)
    if reply_col.button("Send" if live else "Mark replied", key=f"replied-{row.id}",
                        disabled=disabled or bool(too_long),
                        type="primary", icon=":material/send:" if live else ":material/check:",
                        help=too_long or (f"Posts this reply on {row.channel} and marks the mention replied." if live
                                          else "Records this reply as sent (dry run, or a channel Ascolto does not "
                                          "post on: post it there yourself).")):
        _send(store, row, actor, text, started.source if started else None, started.text if started else None)
    if release_col.button("Release", key=f"release-{row.id}", disabled=disabled or row.status != "in_progress",
                          icon=":material/undo:"):
        _act(lambda: workflow.release(store, row.id, actor), "Released back to the queue.", keep_open=row.id)

    escalate_col, ignore_col, assign_col = st.columns(3)
    with escalate_col:
        render_escalate(get_context(), row, current_actor(), _act, disabled)
    with assign_col:
        render_assign(get_context(), row, current_actor(), _act, disabled=not me or row.status == "sending")
    with ignore_col.popover("Ignore", icon=":material/visibility_off:", disabled=disabled):
        reason = st.selectbox("Reason", IGNORE_REASONS, key=f"ign-reason-{row.id}")
        detail = st.text_input("Details (optional)", key=f"ign-detail-{row.id}")
        if st.button("Ignore", key=f"ignore-{row.id}"):
            full = reason + (f": {detail}" if detail.strip() else "")
            _act(lambda: workflow.ignore(store, row.id, actor, full), "Ignored.")
    if row.status in ("ignored", "replied", "closed") and st.button("Reopen", key=f"reopen-{row.id}",
                                                                     disabled=not me):
        _act(lambda: workflow.reopen(store, row.id, actor), "Back in the queue.", keep_open=row.id)


def render() -> None:
    st.title("Queue")
    store = ready_store()
    flash = st.session_state.pop("flash", None)
    if flash:
        {"success": st.success, "warning": st.warning}.get(flash[0], st.error)(flash[1])
    ctx = get_context()
    start_alert_checks(resolve_url())
    flt = _filters(store)
    flt.holder = holder_for(_view(ctx), current_actor(), team_access(ctx))
    try:
        every = refresh_seconds(ctx.config)
    except TriageError as exc:
        st.warning(str(exc))
        every = DEFAULT_REFRESH_SECONDS
    queue_list(store, flt, every)
    mention_id = st.session_state.get("open_mention") or _linked_mention()
    if mention_id is not None:
        try:
            _detail(store, store.get(mention_id))
        except TriageError as exc:
            forget_detail()
            st.error(str(exc))
    else:
        forget_detail()
        st.caption("Select a row to read the whole post, the customer's history and the actions.")
    st.segmented_control("Rows per page", PAGE_SIZES, default=PAGE_SIZES[-1], key="q_page_size")
    render_bulk(store, st.session_state.get("q_drawn_ids", []), _act)


def _view(ctx: Context) -> str:
    """All, Mine, Unassigned or one team's: whose mentions the list shows."""
    choices = views(team_access(ctx))
    if st.session_state.get("q_view") not in choices:
        st.session_state["q_view"] = "All"
    return str(st.segmented_control("Show", choices, key="q_view", selection_mode="single") or "All")


def _linked_mention() -> int | None:
    value = st.query_params.get("mention")
    return int(value) if value and str(value).isdigit() else None


render()
