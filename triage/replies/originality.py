"""Replies that never repeat us and never borrow another customer's facts.

Two tone rules every suggestion obeys (``triage.replies.rules.check`` calls them; the history
and FAQ suggestions apply them before they are offered):

- **repeat**: a suggestion is never (nearly) the reply already sent to the same author or
  thread. Texts are compared as sets of words after dropping @handles, links, emoji and the
  agent's signature; Jaccard similarity ``REPEAT_THRESHOLD`` (0.8) or more is a repeat.
- **borrowed**: a reply written for another post may carry that post's specifics: amounts
  (£24.99), order and reference numbers, menu paths (Billing > Invoices), products, services
  and named features (landline, billing preference, centralino), places and names. Every such
  specific absent from this post is borrowed. ``generalise`` removes the sentences that carry
  one and keeps the reply when what is left still reads as a reply, else gives ``None``.
  ``shares_topic`` tells whether two posts are about the same thing (stored topics when both are
  known, else the areas of ``AREAS`` the words fall in): a history reply to a post about
  something else is not offered at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from triage.replies.tone import EMOJI

REPEAT_THRESHOLD = 0.8
_HANDLE = re.compile(r"(?<![\w@])@[\w.@-]+")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SIGNATURE = re.compile(r"\s*[\^\-–]\s?[A-Z]{2,3}\s*$")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class EarlierReply:
    """A reply the team already sent to this author or thread."""

    text: str
    reply_id: int | None = None
    mention_id: int | None = None
    channel: str = ""
    sent_at: datetime | None = None
    agent: str = ""

    def describe(self) -> str:
        when = f" on {self.sent_at:%Y-%m-%d}" if self.sent_at else ""
        by = f" by {self.agent}" if self.agent else ""
        ref = f" #{self.reply_id}" if self.reply_id is not None else ""
        return f"reply{ref}{by}{when}"


def words(text: str, signature: str = "") -> set[str]:
    """The words of a reply as compared for repeats: no handles, links, emoji or signature; lower case."""
    text = text.strip()
    if signature and text.endswith(signature):
        text = text[: -len(signature)]
    text = _SIGNATURE.sub("", text)
    text = EMOJI.sub(" ", _LINK.sub(" ", _HANDLE.sub(" ", text)))
    return {w.lower() for w in _WORD.findall(text)}


def similarity(a: str, b: str, signature: str = "") -> float:
    """Jaccard similarity of the two replies' words (1.0: the same words)."""
    left, right = words(a, signature), words(b, signature)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def repeated(text: str, earlier: Iterable[EarlierReply], signature: str = "",
             threshold: float = REPEAT_THRESHOLD) -> EarlierReply | None:
    """The earlier reply ``text`` (nearly) repeats, if any."""
    for reply in earlier:
        if similarity(text, reply.text, signature) >= threshold:
            return reply
    return None


# ---- specifics ----------------------------------------------------------------------------------------------
# Products, services and named features, each with the words that count as naming the same thing.
FEATURES: dict[str, tuple[str, ...]] = {
    "landline": ("landline", "home phone", "phone line", "dial tone", "linea fissa", "telefono fisso", "fisso"),
    "broadband": ("broadband", "internet", "fibre", "fiber", "fibra", "connessione", "connection", "wifi", "wi-fi",
                  "adsl", "ftth", "linea"),
    "router": ("router", "hub", "modem", "fritz", "booster", "mesh"),
    "sim": ("sim", "esim", "e-sim", "sim card", "scheda"),
    "roaming": ("roaming", "abroad", "estero", "zona 2", "zone 2", "viaggio mondo", "travel world"),
    "billing preference": ("billing preference", "paper bill", "paperless", "bolletta cartacea", "e-bill"),
    "direct debit": ("direct debit", "addebito diretto", "rid", "sepa"),
    "centralino": ("centralino", "call centre", "call center", "switchboard"),
    "voicemail": ("voicemail", "segreteria"),
    "tv": ("tv", "decoder", "set-top box"),
    "international calls": ("international", "internazional", "chiamate verso l'estero"),
    "number porting": ("pac", "stac", "porting", "portabilità", "keep my number", "codice di migrazione"),
    "business": ("partita iva", "business", "fattura elettronica", "pec"),
    "moving house": ("moving house", "move house", "trasloco", "new address", "nuovo indirizzo"),
    "engineer visit": ("engineer", "tecnico", "installer", "installatore", "ditta"),
    "app": ("app", "application", "applicazione"),
    "student discount": ("student", "studenti", "studente"),
    "whatsapp": ("whatsapp",),
    "notifications": ("notification", "notifiche", "notifica"),
}
_FEATURE_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in names) + r")\w{0,3}(?!\w)", re.IGNORECASE)
    for name, names in FEATURES.items()
}
_AMOUNT = re.compile(r"[€£$]\s?\d+(?:[.,]\d{1,2})?|\b\d+(?:[.,]\d{1,2})?\s?(?:€|euro|eur|gbp|pounds?|sterline|p\b)",
                     re.IGNORECASE)
_REFERENCE = re.compile(r"#?\b[A-Z]{2,}-\d{3,}\b|#\d{3,}\b|\b\d{4,}\b|\+\d[\d ]{6,}\d")
_PERCENT = re.compile(r"\b\d+(?:[.,]\d+)?\s?%")
_MENU_ITEM = r"[A-ZÀ-Ý][\w'’-]*(?: [a-zà-ý][\w'’-]*)?"
_MENU = re.compile(rf"{_MENU_ITEM}(?:\s?>\s?{_MENU_ITEM})+")
# Capitalised words that name nothing borrowed: the brand, the courtesy Lei forms, channel words.
_NOT_NAMES = {"lumora", "lei", "la", "le", "sua", "suo", "sue", "suoi", "dm", "dms", "i", "ok", "ps", "faq", "sms",
              "chat", "help", "wi", "fi", "ciao", "grazie", "thanks", "thank", "sorry", "hi", "hello", "hey",
              "buongiorno", "we", "please", "did", "do", "can", "could", "would", "you", "your", "our", "the", "this",
              "that", "it", "if", "let", "hope", "glad", "apologies", "sure", "yes", "no", "what", "when", "how",
              "is", "are", "have", "not", "okay", "great", "happy", "i'm", "i'll", "i've", "we're", "we'll", "we've",
              "you're", "ti", "ci", "se", "per", "il", "lo", "scusa", "scusaci", "puoi", "può", "mi", "ho", "abbiamo"}


@dataclass(frozen=True)
class Specific:
    kind: str  # "amount" | "percent" | "reference" | "menu" | "feature" | "name"
    text: str  # as written in the reply
    key: str = ""  # the feature's name, for features


def specifics(text: str) -> list[Specific]:
    """The specifics a reply names: amounts, references, menu paths, features, names."""
    found: list[Specific] = []
    found += [Specific("amount", m.group(0).strip()) for m in _AMOUNT.finditer(text)]
    found += [Specific("percent", m.group(0)) for m in _PERCENT.finditer(text)]
    found += [Specific("reference", m.group(0)) for m in _REFERENCE.finditer(text)]
    found += [Specific("menu", re.sub(r"(?: [a-zà-ý][\w'’-]*)$", "", m.group(0))) for m in _MENU.finditer(text)]
    found += [Specific("feature", m.group(0), name) for name, pattern in _FEATURE_PATTERNS.items()
              for m in pattern.finditer(text)]
    named = _LINK.sub(". ", _GREETING.sub("", text.strip()))  # a link ends a sentence as a full stop would
    for sentence in re.split(r"(?<=[.!?:])\s+|\n+", named):
        for match in re.finditer(r"(?<=[\s(\"'“])[A-ZÀ-Ý][\w'’-]{1,}", sentence):
            word = match.group(0).rstrip("'’")
            if word.lower() not in _NOT_NAMES and not word.isupper():
                found.append(Specific("name", word))
    return found


def _stem(word: str) -> str:
    word = word.lower()
    return word[:5] if len(word) > 5 else word


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def present(specific: Specific, post: str) -> bool:
    """Whether ``post`` names the same thing (a feature by any of its words, a number by its digits)."""
    lowered = post.lower()
    if specific.kind == "feature":
        return bool(_FEATURE_PATTERNS[specific.key].search(post))
    if specific.kind in ("amount", "reference", "percent"):
        digits = _digits(specific.text)
        return bool(digits) and digits in _digits(post)
    if specific.kind == "menu":
        parts = [p.strip() for p in re.split(r">", specific.text) if p.strip()]
        return all(_stem(p.split()[0]) in lowered for p in parts)
    return _stem(specific.text) in lowered


def absent_specifics(reply: str, post: str, allowed: Sequence[str] = ()) -> list[Specific]:
    """The specifics of ``reply`` that ``post`` does not name (nor any of the ``allowed`` names, e.g. the
    customer's)."""
    allowed_lower = [a.lower() for a in allowed if a]
    out = []
    for specific in specifics(reply):
        if present(specific, post) or any(_stem(specific.text) == _stem(a) for a in allowed_lower):
            continue
        out.append(specific)
    return out


_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|dear|ciao|buongiorno|buonasera|salve|gentil\w*|good (?:morning|afternoon|evening))"
    r"[^,!.:\n]{0,40}?[,!:]\s*)", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _sound(sentences: Sequence[str]) -> bool:
    """Whether what is left reads as a reply: one sentence of four words or more."""
    return any(len(_WORD.findall(s)) >= 4 for s in sentences)


def _join_greeting(sentence: str) -> str:
    first = sentence.split()[0] if sentence.split() else ""
    if len(first) > 1 and first[1].islower() and first not in ("I", "I'm", "I'll", "I've", "I'd"):
        return sentence[:1].lower() + sentence[1:]
    return sentence


def generalise(reply: str, post: str, signature: str = "", allowed: Sequence[str] = ()) -> str | None:
    """``reply`` without the sentences that name what ``post`` does not; ``None`` when nothing sound is left.

    The greeting is kept (it belongs to this customer), and so is the signature.
    """
    text = reply.strip()
    tail = ""
    if signature and text.endswith(signature):
        text, tail = text[: -len(signature)].rstrip(), f" {signature}"
    greeting = _GREETING.match(text)
    opening = greeting.group(0) if greeting else ""
    body = text[len(opening):]
    sentences = [s for s in _SENTENCE.split(body) if s.strip()]
    kept = [s for s in sentences if not absent_specifics(s, post, allowed)]
    if len(kept) == len(sentences):
        return reply
    if not _sound(kept):
        return None
    if opening and kept[0] != sentences[0]:  # "Hi Nora, could you ..." after the first sentence went
        kept[0] = _join_greeting(kept[0])
    kept[0] = opening + kept[0] if opening else kept[0][:1].upper() + kept[0][1:]
    return " ".join(kept) + tail


# ---- topics -------------------------------------------------------------------------------------------------
AREAS: dict[str, re.Pattern[str]] = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in {
    "landline": r"\b(landline|home phone|phone line|dial tone|linea fissa|telefono fisso|fisso)\b",
    "internet": r"\b(broadband|internet|fibre|fiber|fibra|wi-?fi|router|hub|modem|connection|connessione|"
                r"speed\w*|outage|down|guasto|offline|disconnect\w*|lento|lenta|adsl|ftth)\b",
    "mobile": r"\b(sim|esim|signal|segnale|4g|5g|roaming|giga|data|dati mobili|pac|porting|portabilità|"
              r"numero nuovo|mobile)\b",
    "billing": r"(\b(bill\w*|invoice\w*|fattur\w*|bollett\w*|charg\w*|addebit\w*|refund\w*|rimbors\w*|payment|"
               r"pagament\w*|paid|pagato|direct debit|price|prezzo|costo|cost|overcharg\w*|fee|tariff\w*)\b|[€£$])",
    "app": r"\b(app|apps|application|applicazione|crash\w*|si chiude|schermata|update|aggiornamento|login|accesso|"
           r"log in|version\w*)\b",
    "account": r"\b(password|hack\w*|account|phishing|codice sms|otp|2fa|violat\w*|fraud\w*|frode|truffa|scam)\b",
    "delivery": r"\b(order\w*|delivery|deliver\w*|ordine|consegn\w*|spedizion\w*|parcel|pacco|courier|corriere)\b",
    "moving": r"\b(moving|move house|trasloco|new address|nuovo indirizzo)\b",
    "contract": r"\b(contract|cancel\w*|contratto|disdett\w*|recesso|leave|lasciare|minimum term|vincolo)\b",
    "service": r"\b(customer service|servizio clienti|call cent\w*|centralino|operator\w*|on hold|in attesa|"
               r"chiamat\w*|called|chiamo|nobody answers|no one answers)\b",
    "tv": r"\b(tv|decoder|channels|canali)\b",
}.items()}


def areas(text: str) -> set[str]:
    """The areas (billing, internet, app, ...) ``text`` is about, from its words."""
    return {name for name, pattern in AREAS.items() if pattern.search(text or "")}


def shares_topic(post: str, other: str, topic: str | None = None, other_topic: str | None = None) -> bool:
    """Whether two posts are about the same thing: their stored topics when both are known (and not
    "other"), else at least one shared area; posts whose areas cannot be told are given the benefit."""
    if topic and other_topic and "other" not in (topic, other_topic):
        return topic == other_topic
    mine, theirs = areas(post), areas(other)
    return not mine or not theirs or bool(mine & theirs)
