"""Suggestions for a stored mention or a bare text: tone, history, FAQ, templates, rewrite.

The dashboard's reply box and ``python -m triage suggest`` call these; the pipeline calls
``profile_pending`` to store every classified mention's tone profile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from triage.context import Context
from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.errors import TriageError
from triage.ranking.intent import final_intent, intent_of
from triage.replies.drafts import DraftRequest, Rewriter, Suggestion, suggest
from triage.replies.history import HistoryIndex, index_for
from triage.replies.limits import length_limit
from triage.replies.originality import EarlierReply
from triage.replies.tone import ToneProfile, profile

log = logging.getLogger(__name__)


@dataclass
class SuggestionResult:
    tone: ToneProfile
    intent: str
    suggestions: list[Suggestion]
    history: str  # what the history suggestions draw on, in words
    warnings: list[str] = field(default_factory=list)  # what was missing (a model), in words


def reply_count(store: Store) -> int:
    return store.reply_count()


def history_for(ctx: Context | None) -> tuple[HistoryIndex | None, str]:
    """The history index for the context's store (``None`` when it has no replies or no encoder) and a line
    saying so; the index is built with the context's encoder."""
    if ctx is None:
        return None, "no database: history suggestions off"
    store = ctx.store
    replies = reply_count(store)
    if not replies:
        return None, f"{store.url} has no replies yet: history suggestions start with the team's first replies"
    try:
        index = index_for(store, ctx.encoder)
    except TriageError as exc:
        return None, f"history suggestions off: {exc}"
    return index, f"{len(index)} earlier replies in {store.url}"


def tone_of(row: MentionRow) -> ToneProfile:
    """The mention's tone profile: the stored one when it is current, else computed now."""
    intent = intent_of(row, guess=True) or "other"
    if row.tone:
        stored = ToneProfile.from_dict(row.tone)
        if stored.intent == intent and stored.sentiment == row.sentiment:
            return stored
    return profile(row.text, row.language, row.p_negative or 0.0, sentiment=row.sentiment, intent=intent)


def save_tone(store: Store, mention_id: int, tone: ToneProfile) -> None:
    store.save_tones({mention_id: tone.to_dict()})


def profile_pending(store: Store) -> int:
    """Store the tone profile of every classified mention that has none; returns how many."""
    rows = store.untoned_mentions()
    store.save_tones({row.id: tone_of(row).to_dict() for row in rows})
    return len(rows)


def earlier_replies(store: Store, row: MentionRow) -> tuple[EarlierReply, ...]:
    """The replies already sent to the mention's author (on its channel) or in its thread."""
    return tuple(EarlierReply(reply.text, reply.id, mention.id, mention.channel, reply.sent_at, reply.agent)
                 for reply, mention in store.replies_to_customer(row))


def for_mention(
    ctx: Context, row: MentionRow, signature: str = "", rewriter: Rewriter | None = None, use_history: bool = True
) -> SuggestionResult:
    """Tone and ranked suggestions for a stored mention (the tone is stored when it changed)."""
    tone = tone_of(row)
    if row.tone != tone.to_dict():
        save_tone(ctx.store, row.id, tone)
    index, about = history_for(ctx) if use_history else (None, "history suggestions off")
    request = DraftRequest(row.text, row.channel, row.author_name, row.language, row.sentiment, row.p_negative or 0.0,
                           signature, intent=tone.intent, mention_id=row.id, seed=row.id,
                           limit=length_limit(row.channel, row.raw), topic=row.topic,
                           earlier=earlier_replies(ctx.store, row))
    _, suggestions = suggest(request, history=index, rewriter=rewriter)
    return SuggestionResult(tone, tone.intent or "other", suggestions, about)


def read_post(ctx: Context, request: DraftRequest) -> tuple[DraftRequest, list[str]]:
    """``request`` with the sentiment and intent the context's models give the post, where it has none.

    Without a sentiment model the intent and intensity use the text alone; without an
    intent model the intent is guessed from the text. The warnings say which was missing.
    """
    warnings: list[str] = []
    if request.sentiment is None:
        try:
            scores = ctx.sentiment.predict([request.text])[0]
            request = replace(request, sentiment=scores.label, p_negative=scores.p_negative)
        except TriageError as exc:
            warnings.append(f"no sentiment ({exc}); intent and intensity use the text alone")
    if request.intent is None:
        try:  # the triage's intent model; without it, the rule-based guess
            request = replace(request, intent=final_intent(request.text, ctx.intent.predict([request.text])[0].intent))
        except TriageError as exc:
            warnings.append(f"no intent model ({exc}); guessing the intent from the text")
    return request, warnings


def for_text(ctx: Context, request: DraftRequest, rewriter: Rewriter | None = None) -> SuggestionResult:
    """Tone and ranked suggestions for a post that is not stored (``python -m triage suggest``).

    What ``request`` leaves out (sentiment, intent) comes from the context's models when
    they load (see ``read_post``); ``warnings`` says what was missing.
    """
    request, warnings = read_post(ctx, request)
    intent = request.intent or final_intent(request.text, sentiment=request.sentiment) or "other"
    index, about = history_for(ctx)
    tone, suggestions = suggest(replace(request, intent=intent), history=index, rewriter=rewriter)
    return SuggestionResult(tone, intent, suggestions, about, warnings)
