"""Suggestions for a stored mention or a bare text: tone, history, FAQ, templates, rewrite.

The dashboard's reply box and ``python -m triage suggest`` call these; the pipeline calls
``profile_pending`` to store every classified mention's tone profile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update

from triage.db.schema import MentionRow, ReplyRow
from triage.db.store import Store
from triage.errors import TriageError
from triage.replies.drafts import Rewriter, Suggestion, guess_intent, suggest
from triage.replies.history import HistoryIndex, index_for
from triage.replies.tone import ToneProfile, profile

log = logging.getLogger(__name__)


@dataclass
class SuggestionResult:
    tone: ToneProfile
    intent: str
    suggestions: list[Suggestion]
    history: str  # what the history suggestions draw on, in words


def reply_count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count(ReplyRow.id))) or 0)


def history_for(store: Store | None) -> tuple[HistoryIndex | None, str]:
    """The history index for ``store`` (``None`` when it has no replies or no encoder) and a line saying so."""
    if store is None:
        return None, "no database: history suggestions off"
    replies = reply_count(store)
    if not replies:
        return None, f"{store.url} has no replies yet: history suggestions start with the team's first replies"
    try:
        index = index_for(store)
    except TriageError as exc:
        return None, f"history suggestions off: {exc}"
    return index, f"{len(index)} earlier replies in {store.url}"


def mention_intent(row: MentionRow) -> str:
    """The triage's intent when the intent model filled it, else the rule-based guess."""
    return row.intent or guess_intent(row.text, row.sentiment)


def tone_of(row: MentionRow) -> ToneProfile:
    """The mention's tone profile: the stored one when it is current, else computed now."""
    intent = mention_intent(row)
    if row.tone:
        stored = ToneProfile.from_dict(row.tone)
        if stored.intent == intent and stored.sentiment == row.sentiment:
            return stored
    return profile(row.text, row.language, row.p_negative or 0.0, sentiment=row.sentiment, intent=intent)


def save_tone(store: Store, mention_id: int, tone: ToneProfile) -> None:
    with store.session() as session:
        session.execute(update(MentionRow).where(MentionRow.id == mention_id).values(tone=tone.to_dict()))


def profile_pending(store: Store) -> int:
    """Store the tone profile of every classified mention that has none; returns how many."""
    with store.session() as session:
        rows = list(session.scalars(select(MentionRow).where(MentionRow.tone.is_(None),
                                                             MentionRow.sentiment.is_not(None))))
        for row in rows:
            row.tone = tone_of(row).to_dict()
    return len(rows)


def for_mention(
    store: Store, row: MentionRow, signature: str = "", rewriter: Rewriter | None = None, use_history: bool = True
) -> SuggestionResult:
    """Tone and ranked suggestions for a stored mention (the tone is stored when it changed)."""
    tone = tone_of(row)
    if row.tone != tone.to_dict():
        save_tone(store, row.id, tone)
    index, about = history_for(store) if use_history else (None, "history suggestions off")
    _, suggestions = suggest(
        row.text, row.channel, row.author_name, row.language, row.sentiment, row.p_negative or 0.0, signature,
        seed=row.id, intent=tone.intent, history=index, rewriter=rewriter, mention_id=row.id,
    )
    return SuggestionResult(tone, tone.intent or "other", suggestions, about)


def for_text(
    text: str,
    channel: str = "x",
    author_name: str = "",
    store: Store | None = None,
    signature: str = "",
    sentiment: str | None = None,
    p_negative: float = 0.0,
    intent: str | None = None,
    rewriter: Rewriter | None = None,
) -> SuggestionResult:
    """Tone and ranked suggestions for a post that is not stored (``python -m triage suggest``)."""
    intent = intent or guess_intent(text, sentiment)
    index, about = history_for(store)
    tone, suggestions = suggest(text, channel, author_name, None, sentiment, p_negative, signature,
                                intent=intent, history=index, rewriter=rewriter)
    return SuggestionResult(tone, intent, suggestions, about)
