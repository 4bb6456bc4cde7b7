"""Correct the model in one click: sentiment, intent, topic, urgency, a wrong reason; and the bulk action.

Each click stores the correction (who, when, old and new value; ``triage.queue.corrections``)
and the mention's priority follows at once. Post text is never shown here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.models.intent import INTENTS, TOPICS, topic_name
from triage.queue.corrections import SENTIMENTS, correct, correct_many, labels_from
from triage.ranking.intent import intent_of
from triage.ui.common import current_actor

Act = Callable[..., None]
URGENCY = ("urgent", "not urgent")


def _urgent_now(row: MentionRow) -> str | None:
    urgent = (row.overrides or {}).get("urgent")
    return None if urgent is None else ("urgent" if urgent else "not urgent")


def render_corrections(store: Store, row: MentionRow, act: Act) -> None:
    """Pills for sentiment, intent and urgency, a topic box and "wrong" per reason; each click saves.

    Each widget's key carries the value it shows, so when the mention changes (a correction, "Not spam",
    another agent) the widget starts again from the new value instead of saving its old one back.
    """
    who = current_actor()
    if not who.name:
        return
    with st.expander("Correct the model", icon=":material/rule:"):
        st.caption("A click saves the correction and re-ranks the mention; the model learns from them at the "
                   "next retraining.")

        def save(**given: Any) -> None:
            act(lambda: correct(store, row.id, who, labels_from(**given)),
                "Correction saved: the priority follows it.", keep_open=row.id)

        sentiment = st.pills("Sentiment", SENTIMENTS, default=row.sentiment,
                             key=f"fix-sentiment-{row.id}-{row.sentiment}")
        if sentiment and sentiment != row.sentiment:
            save(sentiment=sentiment)
        current_intent = intent_of(row)
        intent = st.pills("Intent", INTENTS, default=current_intent, key=f"fix-intent-{row.id}-{current_intent}")
        if intent and intent != current_intent:
            save(intent=intent)
        topic = st.selectbox("Topic", TOPICS, index=TOPICS.index(row.topic) if row.topic in TOPICS else None,
                             format_func=topic_name, key=f"fix-topic-{row.id}-{row.topic}", placeholder="not set")
        if topic and topic != row.topic:
            save(topic=topic)
        urgency = st.pills("Urgency", URGENCY, default=_urgent_now(row),
                           key=f"fix-urgent-{row.id}-{_urgent_now(row)}")
        if urgency and urgency != _urgent_now(row):
            save(urgent=urgency == "urgent")
        wrong = set((row.overrides or {}).get("wrong_reasons", ()))
        reasons = [r.get("phrase", "") for r in (row.reasons or []) if r.get("phrase") and r.get("points", 0) > 0]
        for index, phrase in enumerate(r for r in reasons if r not in wrong):
            if st.button(f"Wrong: {phrase}", key=f"fix-reason-{row.id}-{index}", type="tertiary",
                         icon=":material/thumb_down:"):
                save(wrong_reason=phrase)


def render_bulk(store: Store, ids: Sequence[int], act: Act) -> None:
    """Select rows of the page the list shows (``ids``), set their intent in one go."""
    who = current_actor()
    if not who.name or not ids:
        return
    with st.expander("Set the intent of several mentions", icon=":material/checklist:"):
        if not st.toggle("Choose mentions on this page", key="bulk-on"):  # the page's rows are read only then
            return
        rows = store.mentions(list(ids))
        labels = {r.id: f"#{r.id} · {r.channel} · @{r.author_handle} · {intent_of(r) or '?'}" for r in rows}
        chosen = st.multiselect("Mentions on this page", list(labels), format_func=labels.__getitem__,
                                key="bulk-ids")
        intent = st.selectbox("Intent", INTENTS, key="bulk-intent")
        if st.button(f"Set intent on {len(chosen)} mention(s)", key="bulk-apply", disabled=not chosen,
                     icon=":material/done_all:"):
            act(lambda: correct_many(store, chosen, who, labels_from(intent=intent)),
                f"Intent set to {intent} on {len(chosen)} mention(s).")
