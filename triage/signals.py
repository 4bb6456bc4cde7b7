"""Urgency signals found in a post's text, each named, in English and Italian.

A signal is a small, tested pattern set with the phrase shown to the agent. The
sentiment model decides *how* negative a post is; these say *why it cannot wait*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    name: str
    phrase: str
    pattern: re.Pattern[str]


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


SIGNALS: tuple[Signal, ...] = (
    Signal("money", "money taken", _words(
        r"double[- ]charged?", r"charged (?:me )?(?:twice|two times|double)", r"(?:un)?authori[sz]ed (?:charge|debit|payment)",
        r"refund(?:ed|s)?", r"overcharged?", r"took my money", r"money back", r"chargeback",
        r"addebit\w*", r"rimbors\w*", r"due volte", r"soldi", r"prelev\w*", r"pagato due volte", r"doppio (?:addebito|pagamento)",
    )),
    Signal("safety", "safety risk", _words(
        r"fire", r"smoke", r"smoking", r"burn(?:ing|t|ed)?", r"overheat\w*", r"sparks?", r"injur\w*", r"electric shock",
        r"danger(?:ous)?", r"medical (?:alarm|device)", r"life alarm", r"pacemaker",
        r"fumo", r"fuoco", r"incendio", r"brucia\w*", r"surriscald\w*", r"scintill\w*", r"pericolo\w*", r"ferit\w*", r"salvavita",
        r"allarme medico", r"telesoccorso",
    )),
    Signal("account_takeover", "account takeover", _words(
        r"hack(?:ed|er|ers)?", r"sim[- ]swap\w*", r"someone (?:logged|got) into", r"account (?:was )?(?:stolen|compromised)",
        r"fraud\w*", r"scam(?:med)?", r"hackera\w*", r"rubat\w*", r"clonat\w*", r"truffa\w*", r"frode",
    )),
    Signal("churn_legal", "churn or legal threat", _words(
        r"cancel(?:l?ing|l?ed)? (?:my )?(?:contract|account|plan|subscription)", r"switch(?:ing)? to", r"leaving you",
        r"lawyer", r"solicitor", r"sue", r"legal action", r"small claims", r"ofcom", r"ombudsman", r"trading standards",
        r"disdett\w*", r"recesso", r"avvocat\w*", r"denunci\w*", r"agcom", r"corecom", r"class action", r"passo a", r"cambio operatore",
    )),
    Signal("public_escalation", "threatens to go public", _words(
        r"going viral", r"tell everyone", r"press", r"journalist", r"bbc", r"watchdog", r"review everywhere",
        r"giornal\w*", r"striscia", r"lo faccio sapere a tutti", r"sui social",
    )),
    Signal("time_pressure", "time pressure", _words(
        r"today", r"tonight", r"right now", r"asap", r"urgent(?:ly)?", r"immediately", r"emergency", r"by tomorrow",
        r"subito", r"urgente", r"urgenza", r"oggi", r"stasera", r"entro domani", r"immediatamente", r"al più presto",
    )),
)

_SPAM = _words(
    r"giveaway", r"free (?:iphone|money|gift)", r"crypto", r"bitcoin", r"airdrop", r"click (?:here|the link)",
    r"claim (?:your|now)", r"dm (?:me )?for (?:promo|deal)", r"follow (?:back|for follow)", r"earn \$?\d+",
    r"regalo", r"vinci", r"omaggio gratis", r"guadagna", r"clicca (?:qui|il link)", r"refund cent(?:er|re)",
)
_LINK = re.compile(r"https?://\S+|\b(?:bit\.ly|tinyurl\.com|t\.co)/\S+", re.IGNORECASE)


def detect(text: str) -> list[Signal]:
    """The urgency signals present in ``text``, in the order of ``SIGNALS``."""
    return [signal for signal in SIGNALS if signal.pattern.search(text or "")]


def looks_like_spam(text: str) -> bool:
    """Giveaways, crypto and phishing-style posts, especially when they carry links."""
    hits = len(_SPAM.findall(text or ""))
    links = len(_LINK.findall(text or ""))
    return hits >= 2 or (hits >= 1 and links >= 1)
