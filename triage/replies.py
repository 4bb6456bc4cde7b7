"""Reply drafts that match the post's language and tone.

Drafts come from the reviewed templates in ``data/reply_templates.json`` and, for
questions the FAQ answers, from ``data/demo/faq.json`` (the brand's FAQ). Every draft
obeys the tone rules: the post's language, its register (Italian *Lei*/*tu*), emoji
only where the customer used them and never on money or safety complaints, personal
details moved to a private channel, within the channel's length limit, signed.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from triage.classify import PROJECT_ROOT
from triage.signals import detect, looks_like_spam
from triage.tone import ToneProfile, profile

TEMPLATES_PATH = PROJECT_ROOT / "data" / "reply_templates.json"
FAQ_PATH = PROJECT_ROOT / "data" / "demo" / "faq.json"
LENGTH_LIMITS: dict[str, int] = {"x": 280, "bluesky": 300, "mastodon": 500}
DEFAULT_LIMIT = 1500
REPLY_LANGUAGES = ("en", "it")
_QUESTION = re.compile(
    r"\?|\b(how|what|when|where|why|which|can i|do you|is there|does|come|quando|dove|perché|quale|posso|si può|"
    r"sapete|qualcuno sa)\b",
    re.IGNORECASE,
)
_NO_EMOJI_SIGNALS = {"money", "safety", "account_takeover"}


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: str  # "template" | "faq"
    note: str = ""


def guess_intent(text: str, sentiment: str | None) -> str:
    """A first guess at what the post wants: complaint, question, praise, feedback, spam, other."""
    if looks_like_spam(text):
        return "spam"
    signals = {s.name for s in detect(text)}
    if sentiment == "negative" or signals & {"money", "safety", "account_takeover", "churn_legal"}:
        return "complaint"
    if _QUESTION.search(text):
        return "question"
    if sentiment == "positive":
        return "praise"
    return "other"


@lru_cache(maxsize=1)
def _templates() -> dict[str, Any]:
    return json.loads(TEMPLATES_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_faq(path: Path = FAQ_PATH) -> tuple[dict[str, Any], ...]:
    if not path.is_file():
        return ()
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def _tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"\w+", text.lower()) if len(t) > 2}


def match_faq(text: str, language: str, faq: tuple[dict[str, Any], ...] | None = None) -> dict[str, Any] | None:
    """The FAQ entry in ``language`` whose keywords best match ``text``, if any matches."""
    entries = faq if faq is not None else load_faq()
    lowered = text.lower()
    words = _tokens(text)
    best, best_score = None, 0.0
    for entry in entries:
        if entry.get("lang") != language:
            continue
        hits = sum(1 for k in entry.get("keywords", []) if k.lower() in lowered)
        overlap = len(words & _tokens(entry.get("question", ""))) * 0.25
        if hits + overlap > best_score:
            best, best_score = entry, hits + overlap
    return best if best_score >= 1.0 else None


def first_name(display_name: str) -> str:
    token = (display_name or "").strip().split(" ")[0] if display_name else ""
    return token if token.isalpha() and len(token) > 1 else ""


def _greeting(language: str, register: str, name: str) -> dict[str, str]:
    if language == "it":
        return {"ciao": f"Ciao {name}, " if name else "Ciao, ",
                "buongiorno": f"Buongiorno {name}, " if name else "Buongiorno, "}
    return {"hi": f"Hi {name}, " if name else "Hi, ", "hello": f"Hello {name}, " if name else "Hello, "}


def _fit(sentences: list[str], signature: str, limit: int, keep: str = "") -> str:
    """Join sentences within ``limit``: drop middle ones, then the closing one, never the first
    or the one holding ``keep`` (the FAQ answer); a still-too-long text is cut at a word."""
    parts = [s for s in sentences if s]
    tail = f" {signature}" if signature else ""
    droppable = [i for i in range(1, len(parts)) if not (keep and keep in parts[i])]
    droppable = [i for i in droppable if i != len(parts) - 1] + [i for i in droppable if i == len(parts) - 1]
    for index in droppable:
        if len(" ".join(p for p in parts if p) + tail) <= limit:
            break
        parts[index] = ""
    text = " ".join(p for p in parts if p) + tail
    if len(text) > limit:  # one long FAQ answer: shorten it at a word boundary
        room = limit - len(tail) - 1
        text = text[:room].rsplit(" ", 1)[0].rstrip(",;:") + "…" + tail
    return text


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def suggest(
    text: str,
    channel: str,
    author_name: str = "",
    language: str | None = None,
    sentiment: str | None = None,
    p_negative: float = 0.0,
    signature: str = "",
    seed: int = 0,
) -> tuple[ToneProfile, list[Suggestion]]:
    """The post's tone and reply drafts, best first (empty for spam)."""
    tone = profile(text, language, p_negative)
    intent = guess_intent(text, sentiment)
    if intent == "spam":
        return tone, []
    reply_language = tone.language if tone.language in REPLY_LANGUAGES else "en"
    note = "" if reply_language == tone.language else f"post is in '{tone.language}'; draft in English"
    templates = _templates()
    register = tone.register
    variants = templates[intent][reply_language][register]
    signals = {s.name for s in detect(text)}
    limit = LENGTH_LIMITS.get(channel, DEFAULT_LIMIT)
    fill: dict[str, str] = _greeting(reply_language, register, first_name(author_name))
    dm_key = "review" if channel in ("appstore", "googleplay") else register
    fill["dm"] = templates["dm"][reply_language][dm_key]
    emoji = tone.emoji and intent != "complaint" and not signals & _NO_EMOJI_SIGNALS

    closing_emoji = (" 💙" if intent == "praise" else " 🙂") if emoji else ""

    def render(variant: list[str], answer: str, source: str) -> Suggestion:
        sentences = [_capitalise(s.format(answer=answer, **fill)) for s in variant]
        sentences[-1] += closing_emoji
        return Suggestion(_fit(sentences, signature, limit, keep=answer if source == "faq" else ""), source, note)

    candidates: list[tuple[str, str]] = []
    faq = match_faq(text, reply_language) if intent in ("question", "complaint") else None
    if faq is not None:
        candidates.append(("faq", f"{faq['answer']} {faq.get('url', '')}".strip()))
    candidates.append(("template", templates["answer_fallback"][reply_language][register]))
    if intent not in ("question", "complaint"):
        candidates = candidates[:1]
    pick = zlib.crc32(f"{seed}{text}".encode()) % len(variants)
    suggestions: list[Suggestion] = []
    for source, answer in candidates:
        variant = variants[pick]
        if source == "faq" and intent == "complaint":  # empathy, then the self-service answer
            variant = [variant[0], "{answer}", variant[-1]]
        suggestions.append(render(variant, answer, source))
    if len(variants) > 1:  # a second template variant gives the agent a real alternative
        suggestions.append(render(variants[(pick + 1) % len(variants)], candidates[-1][1], "template"))
    return tone, suggestions
