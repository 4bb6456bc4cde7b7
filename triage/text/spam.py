"""Spam evidence in a post's text and its author: giveaways, phishing, link farms, obvious bots.

The rules are precise and never delete anything: a mention they call spam only sinks to
the bottom of the queue (``triage.ranking.intent.final_intent`` applies them), and an
agent can say "not spam" (``triage.queue.not_spam``).
"""

from __future__ import annotations

import re

from triage.text.signals import word_pattern

_SPAM = word_pattern(
    r"giveaway", r"free (?:iphone|money|gift|data|diamonds|spins|codes?)", r"crypto", r"bitcoin", r"btc", r"airdrop",
    r"click (?:here|the link)", r"claim (?:your|now|it)\w*", r"dm (?:me )?for (?:promo|deal)",
    r"follow (?:back|for follow)",
    r"f4f", r"followback", r"earn \$?£?€?\d+\w*", r"passive income", r"no survey", r"generator", r"verify now",
    r"will be suspended", r"secure form", r"unusual activity", r"eligible for a", r"refund cent(?:er|re)",
    r"promo codes?", r"90% off", r"best vpn",
    r"regalo", r"vinci", r"omaggio gratis", r"guadagn\w*", r"clicca (?:qui|il link)", r"gratis per sempre",
    r"codici? promo", r"compro/vendo", r"vendo follower", r"scrivimi in privato", r"su whatsapp al",
    r"ricariche scontate", r"giga gratis",
)
_LINK = re.compile(r"https?://\S+|\b[\w-]+\.(?:example|ly|co|xyz|top|click)(?:/\S*)?|\b(?:bit\.ly|tinyurl\.com|t\.co)/\S+",
                   re.IGNORECASE)
_HASHTAG = re.compile(r"#\w+")
_REPEATED_WORD = re.compile(r"\b(\w{3,})(?:\W+\1\b){2,}", re.IGNORECASE)


def spam_evidence(text: str) -> list[str]:
    """Why ``text`` reads as spam: giveaway/phishing words, links, hashtag stuffing, repeated words."""
    text = text or ""
    hits = len(_SPAM.findall(text))
    links = len(_LINK.findall(text))
    evidence = []
    if hits:
        evidence.append(f"{hits} spam phrase{'s' if hits > 1 else ''}")
    if links:
        evidence.append("link")
    if len(_HASHTAG.findall(text)) >= 4:
        evidence.append("hashtag stuffing")
    if _REPEATED_WORD.search(text):
        evidence.append("repeated words")
    return evidence


_WARNING = word_pattern(r"psa", r"warning", r"beware", r"scam alert", r"heads up", r"attenzione", r"occhio", r"truffa")


def looks_like_spam(text: str) -> bool:
    """Giveaways, crypto, phishing and link farms, especially when they carry links.

    A post *warning* about such messages ("PSA: phishing texts…") is not spam itself.
    """
    if _WARNING.search(text or ""):
        return False
    evidence = spam_evidence(text)
    hits = len(_SPAM.findall(text or ""))
    return hits >= 2 or (hits >= 1 and "link" in evidence) or (
        "link" in evidence and ("hashtag stuffing" in evidence or "repeated words" in evidence)
    )


_BOT_HANDLE = re.compile(r"(?:\d{5,}$|^(?:free|promo|deals?|win|crypto|btc|offerte|gratis)[_-]?)", re.IGNORECASE)


def looks_like_bot(handle: str, followers: int, text: str) -> bool:
    """Obvious bots: a generated-looking handle plus a link, or a tiny account posting hashtag-stuffed links."""
    evidence = spam_evidence(text)
    if "link" not in evidence:
        return False
    if _BOT_HANDLE.search(handle or ""):
        return True
    return followers < 20 and ("hashtag stuffing" in evidence or "repeated words" in evidence)
