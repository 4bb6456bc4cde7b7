"""The incident's group reply: one editable draft per language and register, then an explicit confirmation.

The drafts come from ``triage.replies.group_reply.group_drafts``; this module only draws them.
Each draft shows how many posts it goes to and ``n / limit``; "Send to N posts" stays disabled
until the agent ticks that the drafts were reviewed (and while a draft is empty or too long).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from triage.access.roles import Actor
from triage.errors import TriageError
from triage.replies.group_reply import GroupDraft, group_drafts, send_group
from triage.replies.limits import measured_length
from triage.ui.common import get_context, signature

Act = Callable[..., None]


def _drafts(incident_id: int, open_ids: tuple[int, ...]) -> list[GroupDraft]:
    """The drafts, made once per incident, signature and set of unanswered posts in this session."""
    key = f"group-drafts-{incident_id}-{signature()}-{hash(open_ids)}"
    if key not in st.session_state:
        st.session_state[key] = group_drafts(get_context(), incident_id, signature())
    return st.session_state[key]


def _too_long(draft: GroupDraft, text: str) -> str:
    for channel, limit in draft.limits:
        length = measured_length(text, channel)
        if length > limit:
            return f"{length} characters on {channel}, which allows {limit}: shorten it to send"
    return ""


def render_group_reply(incident_id: int, open_ids: tuple[int, ...], who: Actor, act: Act, mention_id: int) -> None:
    """The per-language drafts for the incident's unanswered posts and the confirmed send."""
    done = st.session_state.pop(f"group-sent-{incident_id}", None)
    if done:
        st.text(done)  # how many were posted, recorded, skipped and why
    if not open_ids:
        st.text("Every post in this incident is answered.")
        return
    try:
        drafts = _drafts(incident_id, open_ids)
    except TriageError as exc:
        st.error(str(exc))
        return
    st.text(f"Group reply: {len(drafts)} draft(s), one per language and register of the unanswered posts.")
    edited: list[GroupDraft] = []
    problems: list[str] = []
    for draft in drafts:
        text = st.text_area(f"{draft.label()}", value=draft.text, key=f"group-reply-{incident_id}-{draft.key}",
                            height=100)
        worst = max(draft.limits, key=lambda cl: measured_length(text, cl[0]) - cl[1]) if draft.limits else ("", 0)
        st.caption(f"{measured_length(text, worst[0])} / {worst[1]} characters · goes to {draft.count} post(s)"
                   + (f" · from the {draft.source} suggestion" if draft.suggested else ""))
        problem = _too_long(draft, text) if text.strip() else "empty: write it to send"
        if problem:
            st.warning(f"{draft.label().split(' · ')[0]} draft: {problem}", icon=":material/warning:")
            problems.append(problem)
        edited.append(replace(draft, text=text))
    total = sum(d.count for d in edited)
    confirmed = st.checkbox(f"I have reviewed the {len(edited)} draft(s) and each goes to its posts",
                            key=f"group-confirm-{incident_id}")
    me = who.name
    why = ("set your agent name first" if not me else problems[0] if problems else
           "" if confirmed else "tick the box above once you have read every draft")
    if st.button(f"Send to {total} posts", key=f"group-{incident_id}", disabled=bool(why), type="primary",
                 icon=":material/forum:", help=why or "Each post gets its language's reply, as a single reply would."):
        def send() -> None:
            result = send_group(get_context(), who, edited, confirmed=confirmed)
            st.session_state[f"group-sent-{incident_id}"] = result.summary()

        act(send, f"Group reply sent to the incident's unanswered posts ({total} drafted).", keep_open=mention_id)
    if why:
        st.caption(f"Send is off: {why}.")
