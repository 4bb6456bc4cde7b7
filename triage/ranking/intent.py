"""A mention's final intent: one decision, spam rules included, for every caller.

The intent model (``triage.models.intent``) says what a post wants; ``final_intent`` decides
what the triage uses: the intent stored at ingestion, the queue's priority and incidents,
the triage panel, the reply suggestions, the CLI and the evaluations. Its rules, in order:

====  ==========================  =============================================================
step  when                        final intent
====  ==========================  =============================================================
1     the agent said "not spam"   the spam rules no longer apply: the given intent stands unless
                                  it is spam or missing; then a complaint when the text carries an
                                  urgency signal or reads negative (``p_negative`` >= 0.5), a
                                  question when it has a "?", else other
2     spam rules                  ``spam`` when the text is a giveaway, phishing or a link farm,
                                  or the author is an obvious bot (``triage.text.spam``)
3     a named risk beats intent   a post with a money, safety or account-takeover risk
                                  (``triage.text.signals.OVERRIDING_RISKS``) is a ``complaint``
                                  where the model said praise, other or spam (also after step 1)
4     the model said spam         ``spam``
5     an intent is given          that intent (the model's, or the one stored)
6     nothing classified it       a guess from the text: a complaint when the sentiment is
                                  negative or the post carries a named risk (money, safety, an
                                  account takeover or a churn/legal threat); a question when it
                                  asks; praise when the sentiment is positive; else other
====  ==========================  =============================================================

A post's named risks are the stored ``mentions.risks`` (the learned risk head and the
keyword signals, computed at classification) or, where none are stored, the keyword
signals of its text (``risks_of``); a news feed's item reports on risks and carries none.
The spam rules still win over a risk: a phishing text that promises a refund is the attack,
not its victim (an agent's "not spam" lifts them).

With ``guess=False`` steps 1 and 4 give ``None`` (not classified) in place of a guess: the
priority counts an unclassified post in full rather than guessing what it wants.

``final_result`` is the same decision on a model's ``IntentResult`` (a post ruled spam
loses its topic); ``intent_of`` reads the arguments from a stored mention (or anything
with the same fields, like the CLI's file rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from triage.models.intent import IntentResult
from triage.text.signals import NAMED_RISKS, OVERRIDING_RISKS, detect, named_risks, parse_risks, post_risks
from triage.text.spam import looks_like_bot, looks_like_spam

# Urgency signals that make an unclassified post a complaint whatever its sentiment: the named risks.
COMPLAINT_SIGNALS = frozenset(NAMED_RISKS)
# The model's intents a money, safety or account-takeover risk overrules (step 3).
OVERRULED_INTENTS = frozenset({"praise", "other", "spam"})
_QUESTION = re.compile(
    r"\?|\b(how|what|when|where|why|which|can i|do you|is there|does|come|quando|dove|perché|quale|posso|si può|"
    r"sapete|qualcuno sa)\b",
    re.IGNORECASE,
)


def final_intent(
    text: str,
    intent: str | None = None,
    *,
    sentiment: str | None = None,
    p_negative: float | None = None,
    handle: str = "",
    followers: int = 0,
    not_spam: bool = False,
    guess: bool = True,
    risks: Iterable[str] | None = None,
) -> str | None:
    """The intent the triage uses for a post (see the module's table for the rules, in order).

    ``intent`` is the model's or the stored intent (``None``: not classified); ``sentiment``
    (``negative``/``neutral``/``positive``) and ``p_negative`` are the sentiment model's;
    ``handle`` and ``followers`` describe the author (for the bot rule); ``not_spam`` is the
    agent's "Not spam"; ``guess=False`` answers ``None`` where a guess would be needed;
    ``risks`` are the post's named risks (``None``: the keyword signals of ``text``).
    """
    text = text or ""
    found = set(named_risks(text) if risks is None else risks)
    overriding = bool(found & OVERRIDING_RISKS)
    if not_spam:
        if intent not in (None, "spam"):
            return "complaint" if overriding and intent in OVERRULED_INTENTS else intent
        if not guess:
            return None
        if found or detect(text) or (p_negative or 0.0) >= 0.5:
            return "complaint"
        return "question" if "?" in text else "other"
    if looks_like_spam(text) or looks_like_bot(handle or "", int(followers or 0), text):
        return "spam"
    if overriding and intent in OVERRULED_INTENTS:
        return "complaint"
    if intent or not guess:
        return intent
    if sentiment == "negative" or found & COMPLAINT_SIGNALS:
        return "complaint"
    if _QUESTION.search(text):
        return "question"
    if sentiment == "positive":
        return "praise"
    return "other"


def risks_of(mention: Any) -> tuple[str, ...]:
    """A mention's named risks: the stored ``risks`` (learned and keyword), else its text's keyword signals
    (none on a news feed: ``triage.text.signals.post_risks``)."""
    stored = parse_risks(getattr(mention, "risks", None))
    if stored is not None:
        return stored
    return post_risks(getattr(mention, "text", "") or "", getattr(mention, "channel", "") or "")


def overriding_risks(mention: Any) -> tuple[str, ...]:
    """The mention's money, safety and account-takeover risks: those no intent or positive tone discounts."""
    return tuple(name for name in risks_of(mention) if name in OVERRIDING_RISKS)


def final_result(
    result: IntentResult, text: str, handle: str = "", followers: int = 0, risks: Iterable[str] | None = None,
) -> IntentResult:
    """The model's ``result`` once ``final_intent`` has decided: spam keeps the probabilities, loses the topic;
    a complaint a named risk made keeps them and takes the topic head's choice."""
    final = final_intent(text, result.intent, handle=handle, followers=followers, risks=risks)
    if final == result.intent:
        return result
    if final == "spam":
        return IntentResult("spam", 1.0, None, result.probabilities)
    return IntentResult(final or result.intent, result.confidence, result.topic or result.best_topic or "other",
                        result.probabilities, result.best_topic)


def intent_of(mention: Any, guess: bool = False) -> str | None:
    """``final_intent`` of a stored mention (or any object with its fields: text, intent, author…).

    An intent a person set (``overrides``, see ``triage.queue.corrections``) is final as it is.
    """
    corrected = (getattr(mention, "overrides", None) or {}).get("intent")
    if corrected:
        return str(corrected)
    return final_intent(
        mention.text, getattr(mention, "intent", None), sentiment=getattr(mention, "sentiment", None),
        p_negative=getattr(mention, "p_negative", None), handle=getattr(mention, "author_handle", "") or "",
        followers=int(getattr(mention, "author_followers", 0) or 0), not_spam=bool(getattr(mention, "not_spam", False)),
        guess=guess, risks=risks_of(mention),
    )


# The names this decision had before it had one home; each is ``final_intent`` with fixed arguments.
def apply_spam_rules(result: IntentResult, text: str, handle: str = "", followers: int = 0) -> IntentResult:
    """Delegate: ``final_result`` (the spam rules on a model's result)."""
    return final_result(result, text, handle, followers)


def effective_intent(mention: Any) -> str | None:
    """Delegate: ``intent_of(mention)``, the intent priority uses (``None`` when not classified)."""
    return intent_of(mention)


def guess_intent(text: str, sentiment: str | None) -> str:
    """Delegate: ``final_intent`` of a post nothing classified (the rule-based guess)."""
    return final_intent(text, sentiment=sentiment) or "other"


def intent_after_not_spam(text: str, p_negative: float | None) -> str:
    """Delegate: ``final_intent`` of a spam post once an agent said "not spam"."""
    return final_intent(text, "spam", p_negative=p_negative, not_spam=True) or "other"
