"""The tone rules every suggested reply obeys, in one place.

``check`` is used by the suggestion generator (to pick, adapt or drop a draft), by the
generative rewrite (a rewrite that breaks a rule is discarded) and by
``python -m triage evaluate replies`` (which reports the share of drafts passing each rule).

Rules: same language as the post (English or Italian; anything else gets English);
Italian formal posts get *Lei*, informal ones *tu* (formal English posts get no slang);
emoji only when the customer used them, never on money, safety or loss; apology in
proportion to the intensity; within the channel's length limit (``triage.replies.limits``); personal data asked for
only through a private channel; no promise of refunds or dates the templates do not make;
signed with the agent's signature. And (``ORIGINALITY_RULES``, ``triage.replies.originality``): never
(nearly) the reply already sent to the same author or thread; no specifics (amounts, products,
services, places, named features) that neither the post nor a reviewed text names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from triage.replies.limits import DEFAULT_LIMIT as DEFAULT_LIMIT  # the table lives in limits; kept importable here
from triage.replies.limits import LENGTH_LIMITS as LENGTH_LIMITS
from triage.replies.limits import length_limit as length_limit
from triage.replies.limits import measured_length as measured_length
from triage.replies.originality import EarlierReply, absent_specifics, repeated
from triage.replies.tone import EMOJI, ToneProfile
from triage.text.language import detect_language
from triage.text.signals import detect

RULES: tuple[str, ...] = (
    "language", "register", "emoji", "empathy", "length", "personal_data", "promises", "signature",
)
# Checked when the post and the replies already sent are given (``triage.replies.originality``).
ORIGINALITY_RULES: tuple[str, ...] = ("repeat", "borrowed")
REPLY_LANGUAGES: tuple[str, ...] = ("en", "it")
REVIEW_CHANNELS: tuple[str, ...] = ("appstore", "googleplay")
# Signals on which a reply never carries emoji (money, safety, loss).
NO_EMOJI_SIGNALS: frozenset[str] = frozenset({"money", "safety", "account_takeover", "loss"})

_LOSS = re.compile(
    r"\b(lost (?:my|all|our)|stolen|passed away|died|funeral|bereave\w*|lutto|è mort[oa]|scompars[oa]|"
    r"ho perso|abbiamo perso|perso tutt\w*|smarrit\w*|rubat[oa])\b",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.example(?:/\S*)?", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[\w.]+")
SIGNATURE = re.compile(r"\s*[\^\-–]\s?[A-Z]{2,3}\s*$")  # a trailing agent signature, e.g. "^AB"

# Italian: *tu* forms that a Lei reply must not use, and Lei forms a tu reply must not use.
_TU = re.compile(
    r"\b(ti|tu|te|tuo|tua|tuoi|tue|hai|puoi|vuoi|scrivimi|scrivici|mi scrivi|contattaci|chiamaci|fammi|dimmi|"
    r"ciao|apri|inquadra|riavvia|staccalo|richiedine|tranquillo|tranquilla|scusaci|grazie a te)\b",
    re.IGNORECASE,
)
_LEI_CASED = re.compile(r"\b(Lei|La|Le|Sua|Suo|Sue|Suoi)\b")
_LEI = re.compile(
    r"\b(può|potrebbe|mi scriva|ci scriva|ci contatti|ci invii|verifichi|scriva|desidera|abbia|"
    r"la prego|la ringrazio|non esiti|gentile cliente|resto a (?:sua|disposizione)|le chiedo|le rispondo|"
    r"le auguro|la aiuto|le giro|l'aiuto)\b",
    re.IGNORECASE,
)
_SI_PUO = re.compile(r"\bsi può\b", re.IGNORECASE)
_EN_SLANG = re.compile(r"\b(hey|ugh|lol|gonna|wanna|shout|guys|mate|yep|nope|awesome|cheers|no worries)\b",
                       re.IGNORECASE)

_APOLOGY = re.compile(
    r"\b(sorry|apologi[sz]e|apologies|mi dispiace|ci dispiace|scus[aie]\w*|chiedo scusa|ci scusiamo|"
    r"understand|capisco|comprendo|frustrating|frustrante|che peccato)\b",
    re.IGNORECASE,
)
_STRONG_APOLOGY = re.compile(
    r"\b((really|truly|so|very|terribly|deeply|incredibly|sincerely) sorry|sincerely apologi[sz]e|sincere apologies|"
    r"(mi|ci) dispiace (davvero|tantissimo|molto)|profondamente|davvero dispiaciut\w*|scusaci davvero|"
    r"chiedo sinceramente scusa|ci scusiamo sinceramente)\b",
    re.IGNORECASE,
)
_PERSONAL = re.compile(
    r"\b(account number|customer number|phone number|mobile number|date of birth|home address|your address|"
    r"postcode|e-?mail address|password|pin|puk|card number|card details|bank details|iban|sort code|"
    r"one-time code|eid|iccid|numero cliente|codice cliente|numero di telefono|indirizzo di casa|"
    r"(?:tuo|suo|Suo) indirizzo|data di nascita|codice fiscale|dati del conto|dati bancari|numero della carta|"
    r"documento d'identità|codici ricevuti)\b",
    re.IGNORECASE,
)
# A sentence asks for the data (rather than describing it) when it has one of these cues.
_ASKS = re.compile(
    r"(\?|\b(send|share|tell|give|post|reply with|with your|what's your|what is your|dm us|contact us|"
    r"mandaci|mandami|inviaci|inviarci|ci invii|scrivici|scrivimi|mi scrivi|ci scriva|dimmi|mi dici|ci dica|indica|"
    r"indicando|comunica|con il|con la|qual è|ci lasci|lasciaci)\b)",
    re.IGNORECASE,
)
_PRIVATE = re.compile(
    r"(\bDMs?\b|\bin DM\b|direct message|private message|privately|in private|messaggio privato|in privato|"
    r"\bchat\b|modmail|contact form|/contact|/contatti|don't (?:post|share)|do not (?:post|share)|never share|"
    r"non pubblicare|non condivider\w*|meglio non|mai a nessuno|never ask|non te li chiederemo|"
    r"non glieli chiederemo|by phone|call us|chiamaci|ci chiami|servizio clienti|customer service)",
    re.IGNORECASE,
)
_PROMISE = re.compile(
    r"\b(we(?:'ll| will) refund|refund(?:ed)? you|you(?:'ll| will) (?:get|receive) (?:a |your )?(?:refund|money back)|"
    r"full refund|guarantee\w*|by (?:tomorrow|tonight|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"the end of (?:the )?(?:day|week|month))|within \d+ (?:hours?|days?|working days?)|tomorrow|"
    r"rimborser\w*|ti rimborsiamo|le rimborsiamo|riceverai (?:il )?rimborso|ricever[àa] (?:il )?rimborso|"
    r"entro (?:domani|oggi|stasera|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|\d+ (?:ore|giorni))|"
    r"garanti(?:amo|sco|to)|domani)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def reply_language(tone: ToneProfile) -> str:
    """The language a reply is written in: the post's, or English for languages we do not write."""
    return tone.language if tone.language in REPLY_LANGUAGES else "en"


def signals_of(text: str) -> set[str]:
    """Urgency signal names in ``text`` plus ``loss`` (something or someone lost)."""
    names = {signal.name for signal in detect(text)}
    if _LOSS.search(text or ""):
        names.add("loss")
    return names


def prose(text: str, signature: str = "") -> str:
    """The words a reader reads: no signature, links, handles or emoji (for language checks)."""
    if signature and text.rstrip().endswith(signature):
        text = text.rstrip()[: -len(signature)]
    text = SIGNATURE.sub("", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    return EMOJI.sub(" ", text).strip()


def italian_register_markers(text: str) -> tuple[list[str], list[str]]:
    """(tu forms, Lei forms) found in an Italian reply."""
    cleaned = _SI_PUO.sub(" ", text)
    tu = [m.group(0) for m in _TU.finditer(cleaned)]
    lei = [m.group(0) for m in _LEI.finditer(cleaned)]
    for sentence in re.split(r"(?<=[.!?:])\s+", cleaned):
        # a capitalised La/Le/Sua inside a sentence is the courtesy form; at its start it may be an article
        lei += [m.group(0) for m in _LEI_CASED.finditer(sentence.strip()) if m.start() > 0 or m.group(0) == "Lei"]
    return tu, lei


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def check(
    suggestion: str,
    tone: ToneProfile,
    channel: str,
    intent: str,
    signals: Iterable[str] = (),
    signature: str = "",
    allowed: Sequence[str] = (),
    limit: int | None = None,
    post: str | None = None,
    earlier: Sequence[EarlierReply] = (),
) -> list[Violation]:
    """Every rule ``suggestion`` breaks as a reply to a post with ``tone`` on ``channel``.

    ``signals`` are the post's signal names (see ``signals_of``); ``allowed`` are the
    reviewed texts (templates, FAQ answers) whose promises a reply may repeat; ``limit`` the
    length limit when it is not the channel's default (a Mastodon instance's own). With ``post``
    (the post's text, and the customer's name) the reply may name no specifics that neither it nor
    a reviewed text names; ``earlier`` are the replies already sent to this author or thread.
    """
    violations: list[Violation] = []
    signal_names = set(signals)
    language = reply_language(tone)
    words = prose(suggestion, signature)

    detected = detect_language(words) if sum(ch.isalpha() for ch in words) >= 12 else language
    if detected != language:
        violations.append(Violation("language", f"reply reads as '{detected}', the post needs '{language}'"))

    if language == "it":
        tu, lei = italian_register_markers(words)
        if tone.register == "formal" and tu:
            violations.append(Violation("register", f"formal post (Lei) but the reply uses tu: {', '.join(tu[:3])}"))
        if tone.register == "informal" and lei:
            violations.append(Violation("register", f"informal post (tu) but the reply uses Lei: {', '.join(lei[:3])}"))
    elif tone.register == "formal":
        slang = [m.group(0) for m in _EN_SLANG.finditer(words)]
        if slang:
            violations.append(Violation("register", f"formal post but the reply uses slang: {', '.join(slang[:3])}"))

    if EMOJI.search(suggestion):
        if not tone.emoji:
            violations.append(Violation("emoji", "the customer used no emoji"))
        elif signal_names & NO_EMOJI_SIGNALS:
            violations.append(Violation("emoji", "no emoji on money, safety or loss"))

    apologies = _APOLOGY.findall(words)
    if intent == "complaint" and tone.intensity >= 0.5 and not apologies:
        violations.append(Violation("empathy", f"an upset complaint (intensity {tone.intensity:.1f}) needs an apology"))
    elif tone.intensity < 0.3 and _STRONG_APOLOGY.search(words):
        violations.append(Violation("empathy",
                                    f"the apology is stronger than the post (intensity {tone.intensity:.1f})"))
    elif intent == "praise" and apologies:
        violations.append(Violation("empathy", "no apology in a reply to praise"))

    limit = limit or length_limit(channel)
    length = measured_length(suggestion, channel)
    if length > limit:
        violations.append(Violation("length", f"{length} characters; {channel} allows {limit}"))

    for sentence in _sentences(suggestion):
        found = _PERSONAL.search(sentence)
        if found and _ASKS.search(sentence) and not _PRIVATE.search(sentence):
            violations.append(Violation("personal_data", f"asks for '{found.group(0)}' without a private channel"))
            break

    reviewed = " ".join(allowed).lower()
    for match in _PROMISE.finditer(words):
        if match.group(0).lower() not in reviewed:
            violations.append(Violation("promises", f"promises '{match.group(0)}', which no template does"))
            break

    if signature and not suggestion.rstrip().endswith(signature):
        violations.append(Violation("signature", f"not signed {signature}"))

    again = repeated(suggestion, earlier, signature)
    if again is not None:
        violations.append(Violation("repeat", f"repeats the {again.describe()} to this customer"))
    if post is not None:
        borrowed = absent_specifics(suggestion, post + " " + " ".join(allowed))
        if borrowed:
            violations.append(Violation("borrowed", "names what this post does not: "
                                        + ", ".join(sorted({b.text for b in borrowed})[:3])))
    return violations


def passes(violations: Sequence[Violation], rule: str) -> bool:
    return not any(v.rule == rule for v in violations)
