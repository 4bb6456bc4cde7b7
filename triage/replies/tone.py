"""The tone of a post: language, register (Italian *tu*/*Lei*), emoji, intensity.

The profile is stored with the mention (``mentions.tone``, JSON) and shown to the agent;
the reply suggestions and the tone rules (``triage.replies.rules``) follow it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from triage.text.language import detect_language

EMOJI = re.compile(
    "[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F02F\U0001F1E6-\U0001F1FF\u2764\u2B50\u2705\u274C"
    "\u231A\u231B\u23E9-\u23F3\u23F8-\u23FA\u2B1B\u2B1C\u2B55]"
)
_FORMAL = {
    "en": re.compile(
        r"\b(dear|i am writing|kind regards|regards|sincerely|could you please|would you please|i would like|"
        r"i would be grateful|please advise|to whom it may concern|yours faithfully|good (morning|afternoon|evening)|"
        r"kindly|i would appreciate|thank you in advance|many thanks|may i|i shall|i would (?:suggest|recommend)|"
        r"i wish to|please find|i remain)\b",
        re.IGNORECASE,
    ),
    "it": re.compile(
        r"\b(buongiorno|buonasera|gentil[ei]|gentilissim[ie]|egreg[io]|spettabile|la prego|le chiedo|le scrivo|"
        r"potrebbe|"
        r"mi può|mi potrebbe|cordiali saluti|distinti saluti|la ringrazio|vorrei cortesemente|cortesemente|gentilmente|"
        r"lei|sua|suo|resto in attesa|in attesa di (un )?riscontro|mi scusi|ringrazio anticipatamente|"
        r"porgo|desidero|saluti|gradirei|sarei grat[oa]|vi sarei|suggerirei|ritengo|sentitamente|"
        r"vorrei segnalare|vorrei condividere)\b",
        re.IGNORECASE,
    ),
}
_INFORMAL = {
    "en": re.compile(
        r"\b(hey|hi|lol|lmao|guys|u|ur|wtf|gonna|wanna|pls|plz|omg|smh|ffs|mate|yall|dude|cheers|tbh|idk|btw|ngl|"
        r"yo|thx|thanks a lot)\b",
        re.IGNORECASE,
    ),
    "it": re.compile(
        r"\b(ciao|raga|ragazzi|ragà|tu|ti|tuo|tua|mi spieghi|dimmi|boh|vabbè|vabbe|cmq|xké|xchè|perché no|lol|cavolo|"
        r"ma dai|oh|puoi|potresti|hai|sai|mannaggia|uffa|tipo|grazie mille|ahah\w*|nn|ke)\b",
        re.IGNORECASE,
    ),
}
_ANGER = re.compile(
    r"\b(disgusting|ridiculous|useless|joke|worst|furious|angry|pathetic|scandal\w*|vergogna\w*|schifo|ridicol\w*|"
    r"pessim\w*|incazzat\w*|assurd\w*|inaccettabile|unacceptable|fed up|basta|shameful|outrage\w*|livid|"
    r"disgraceful|appalling|furios\w*|arrabbiat\w*|indecente|vergognos\w*|truffator\w*|ladri|thieves|scam)\b",
    re.IGNORECASE,
)
_REPEATED_PUNCT = re.compile(r"[!?]{2,}")


@dataclass(frozen=True)
class ToneProfile:
    language: str
    register: str  # "formal" or "informal"
    emoji: bool
    intensity: float  # 0 calm .. 1 furious
    caps: float = 0.0  # share of capital letters
    repeated_punctuation: int = 0  # runs like "!!!" or "?!?"
    anger_words: int = 0
    sentiment: str | None = None
    intent: str | None = None

    @property
    def italian_address(self) -> str | None:
        """``Lei`` or ``tu`` for Italian posts."""
        if self.language != "it":
            return None
        return "Lei" if self.register == "formal" else "tu"

    def to_dict(self) -> dict[str, Any]:
        """The JSON stored in ``mentions.tone``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToneProfile:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def describe(self) -> str:
        """One line for the agent, e.g. ``it, formal (Lei), no emoji, intensity 0.8``."""
        address = f" ({self.italian_address})" if self.italian_address else ""
        parts = [f"{self.language}, {self.register}{address}", "with emoji" if self.emoji else "no emoji",
                 f"intensity {self.intensity:.1f}"]
        loud = [f"{self.caps:.0%} caps" if self.caps >= 0.3 else "",
                f"{self.repeated_punctuation}× !!/??" if self.repeated_punctuation else "",
                f"{self.anger_words} angry word(s)" if self.anger_words else ""]
        if any(loud):
            parts[-1] += " (" + ", ".join(p for p in loud if p) + ")"
        if self.sentiment:
            parts.append(f"sentiment {self.sentiment}")
        if self.intent:
            parts.append(f"intent {self.intent}")
        return " · ".join(parts)


def has_emoji(text: str) -> bool:
    return bool(EMOJI.search(text or ""))


_LEADING_HANDLES = re.compile(r"^(?:\s*@[\w.@-]+)+\s*")
_CONTRACTION = re.compile(r"\w'(?:s|m|t|ll|re|ve|d)\b|\bi\b", re.IGNORECASE)


def _reads_formal(text: str) -> bool:
    """No marker either way: carefully written English (capitalised sentences, closing full stop,
    no contractions, no emoji) reads as formal."""
    body = _LEADING_HANDLES.sub("", text).strip()
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", body) if s]
    return (len(sentences) >= 2 and all(s[:1].isupper() for s in sentences) and body.endswith((".", "?"))
            and not has_emoji(body) and not _CONTRACTION.search(body.replace("I ", "X ")))


def register_of(text: str, language: str) -> str:
    formal = len(_FORMAL.get(language, _FORMAL["en"]).findall(text))
    informal = len(_INFORMAL.get(language, _INFORMAL["en"]).findall(text))
    if formal == informal == 0 and language == "en":
        return "formal" if _reads_formal(text) else "informal"
    return "formal" if formal > informal else "informal"


def caps_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0


def intensity_of(text: str, p_negative: float = 0.0) -> float:
    caps = caps_share(text)
    bangs = len(_REPEATED_PUNCT.findall(text))
    anger = len(_ANGER.findall(text))
    value = 0.35 * p_negative + 0.3 * min(1.0, caps * 2) + 0.15 * min(1.0, bangs / 2) + 0.2 * min(1.0, anger / 2)
    return round(min(1.0, value), 2)


def profile(
    text: str,
    language: str | None = None,
    p_negative: float = 0.0,
    sentiment: str | None = None,
    intent: str | None = None,
) -> ToneProfile:
    """The tone of ``text``; ``sentiment``/``intent`` come from the triage when known."""
    language = language or detect_language(text)
    return ToneProfile(
        language=language,
        register=register_of(text, language),
        emoji=has_emoji(text),
        intensity=intensity_of(text, p_negative),
        caps=round(caps_share(text), 2),
        repeated_punctuation=len(_REPEATED_PUNCT.findall(text)),
        anger_words=len(_ANGER.findall(text)),
        sentiment=sentiment,
        intent=intent,
    )
