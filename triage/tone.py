"""The tone of a post: language, register (Italian *tu*/*Lei*), emoji, intensity."""

from __future__ import annotations

import re
from dataclasses import dataclass

from triage.language import detect_language

EMOJI = re.compile(
    "[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F02F\U0001F1E6-\U0001F1FF\u2764\u2B50\u2705\u274C]"
)
_FORMAL = {
    "en": re.compile(
        r"\b(dear|i am writing|kind regards|regards|sincerely|could you please|would you please|i would like|"
        r"i would be grateful|please advise|to whom it may concern|yours faithfully|good (morning|afternoon|evening))\b",
        re.IGNORECASE,
    ),
    "it": re.compile(
        r"\b(buongiorno|buonasera|gentil[ei]|egreg[io]|spettabile|la prego|le chiedo|le scrivo|potrebbe|"
        r"mi può|mi potrebbe|cordiali saluti|distinti saluti|la ringrazio|vorrei cortesemente|lei|sua|suo)\b",
        re.IGNORECASE,
    ),
}
_INFORMAL = {
    "en": re.compile(r"\b(hey|hi|lol|lmao|guys|u|ur|wtf|gonna|wanna|pls|plz|omg|smh|ffs|mate|yall|dude)\b", re.IGNORECASE),
    "it": re.compile(
        r"\b(ciao|raga|ragazzi|ragà|tu|ti|tuo|tua|mi spieghi|dimmi|boh|vabbè|cmq|xké|perché no|lol|cavolo|ma dai|"
        r"vi prego|ditemi|scusate|oh)\b",
        re.IGNORECASE,
    ),
}
_ANGER = re.compile(
    r"\b(disgusting|ridiculous|useless|joke|worst|furious|angry|pathetic|scandal\w*|vergogna|schifo|ridicol\w*|"
    r"pessim\w*|incazzat\w*|assurdo|inaccettabile|unacceptable|fed up|basta)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ToneProfile:
    language: str
    register: str  # "formal" or "informal"
    emoji: bool
    intensity: float  # 0 calm .. 1 furious

    @property
    def italian_address(self) -> str | None:
        """``Lei`` or ``tu`` for Italian posts."""
        if self.language != "it":
            return None
        return "Lei" if self.register == "formal" else "tu"


def has_emoji(text: str) -> bool:
    return bool(EMOJI.search(text or ""))


def register_of(text: str, language: str) -> str:
    formal = len(_FORMAL.get(language, _FORMAL["en"]).findall(text))
    informal = len(_INFORMAL.get(language, _INFORMAL["en"]).findall(text))
    return "formal" if formal > informal else "informal"


def intensity_of(text: str, p_negative: float = 0.0) -> float:
    letters = [c for c in text if c.isalpha()]
    caps = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0
    bangs = len(re.findall(r"[!?]{2,}", text))
    anger = len(_ANGER.findall(text))
    value = 0.35 * p_negative + 0.3 * min(1.0, caps * 2) + 0.15 * min(1.0, bangs / 2) + 0.2 * min(1.0, anger / 2)
    return round(min(1.0, value), 2)


def profile(text: str, language: str | None = None, p_negative: float = 0.0) -> ToneProfile:
    language = language or detect_language(text)
    return ToneProfile(language, register_of(text, language), has_emoji(text), intensity_of(text, p_negative))
