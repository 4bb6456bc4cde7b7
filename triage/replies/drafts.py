"""Reply suggestions that match the post's language and tone, best first, each with its source.

1. ``history``: the team's own earlier reply to the most similar post (``triage.replies.history``),
   adapted to this customer (name, order numbers and amounts, channel, signature);
2. ``faq``: the brand's FAQ answer with its self-service link, when the post asks what the
   FAQ answers (``data/demo/faq.json``; a short form keeps the link within X's 280);
3. ``template``: the reviewed template for intent × language × register
   (``data/reply_templates.json``);
4. ``generated``: optionally, a generative rewrite of the best one (``triage.replies.generation``).

Every suggestion passes ``triage.replies.rules.check`` or is dropped.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from triage.models.sentiment import PROJECT_ROOT
from triage.ranking.intent import final_intent
from triage.replies.originality import EarlierReply, generalise, repeated, shares_topic
from triage.replies.rules import (
    DEFAULT_LIMIT,
    LENGTH_LIMITS,
    NO_EMOJI_SIGNALS,
    REPLY_LANGUAGES,
    REVIEW_CHANNELS,
    Violation,
    check,
    length_limit,
    measured_length,
    reply_language,
    signals_of,
)
from triage.replies.tone import ToneProfile, profile

__all__ = [
    "DEFAULT_LIMIT", "DraftRequest", "LENGTH_LIMITS", "Provenance", "REPLY_LANGUAGES", "ReplyContext", "Suggestion",
    "context_for",
    "load_faq", "match_faq", "suggest",
]

TEMPLATES_PATH = PROJECT_ROOT / "data" / "reply_templates.json"
FAQ_PATH = PROJECT_ROOT / "data" / "demo" / "faq.json"
INTENTS: tuple[str, ...] = ("complaint", "question", "praise", "feedback", "other")
UPSET = 0.5  # intensity from which complaints get the "upset" templates
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "dott", "dottor", "dottssa", "sig", "sigra", "signor", "signora", "avv",
           "ing", "prof"}


@dataclass(frozen=True)
class Provenance:
    """Where a suggestion came from: the earlier reply (and the post it answered), the FAQ entry or the template."""

    kind: str  # "reply" | "faq" | "template" | "rewrite"
    ref: str  # the reply's id, the FAQ entry's id, the template's intent · language · register
    channel: str = ""
    at: datetime | None = None  # when the earlier reply was sent
    post_id: int | None = None  # the earlier post the reply answered
    generalised: bool = False  # sentences naming what this post does not were removed

    def describe(self) -> str:
        """One line, e.g. ``reply #12 to post #45 on x, 2026-11-20``."""
        if self.kind == "reply":
            line = f"reply #{self.ref}" if self.ref else "an earlier reply"
            if self.post_id is not None:
                line += f" to post #{self.post_id}"
        else:
            line = f"{self.kind} {self.ref}".strip()
        if self.channel:
            line += f" on {self.channel}"
        if self.at is not None:
            line += f", {self.at:%Y-%m-%d}"
        if self.generalised:
            line += " (generalised: its specifics removed)"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "channel": self.channel,
                "at": self.at.isoformat() if self.at else None, "post_id": self.post_id,
                "generalised": self.generalised}


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: str  # "history" | "faq" | "template" | "generated"
    note: str = ""  # a warning for the agent (e.g. the post's language has no templates)
    detail: str = ""  # where it came from, in words (with the provenance's line)
    score: float | None = None  # retrieval similarity for history suggestions
    origin: Provenance | None = None  # where it came from: id, channel, date

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source, "note": self.note, "detail": self.detail,
                "score": self.score, "origin": self.origin.to_dict() if self.origin else None}


@dataclass
class ReplyContext:
    """Everything a suggestion must fit: the post, its tone and intent, the channel, the agent."""

    text: str
    channel: str
    author_name: str
    tone: ToneProfile
    intent: str
    signals: set[str]
    signature: str
    language: str  # the reply's language
    register: str
    limit: int
    fill: dict[str, str] = field(default_factory=dict)
    emoji_ok: bool = False
    note: str = ""
    mention_id: int | None = None
    topic: str | None = None  # the post's stored topic, when known
    earlier: tuple[EarlierReply, ...] = ()  # replies already sent to this author or thread
    guard: bool = True  # the originality rules (off only to measure what they change)

    @property
    def first_name(self) -> str:
        return first_name(self.author_name)

    def check(self, text: str) -> list[Violation]:
        violations = check(text, self.tone, self.channel, self.intent, self.signals, self.signature,
                           reviewed_texts(), limit=self.limit,
                           post=f"{self.text} {self.author_name}" if self.guard else None,
                           earlier=self.earlier if self.guard else ())
        return violations

    def repeats(self, text: str) -> bool:
        """Whether ``text`` (nearly) repeats a reply already sent to this author or thread."""
        return self.guard and repeated(text, self.earlier, self.signature) is not None


class HistorySource(Protocol):
    def suggestion(self, ctx: ReplyContext) -> Suggestion | None: ...


class Rewriter(Protocol):
    def rewrite(self, best: Suggestion, ctx: ReplyContext) -> Suggestion | None: ...


@lru_cache(maxsize=1)
def _templates() -> dict[str, Any]:
    return json.loads(TEMPLATES_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_faq(path: Path = FAQ_PATH) -> tuple[dict[str, Any], ...]:
    if not path.is_file():
        return ()
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@lru_cache(maxsize=1)
def reviewed_texts() -> tuple[str, ...]:
    """Templates and FAQ answers: the only texts whose promises a reply may repeat."""
    texts = _strings({k: v for k, v in _templates().items() if not k.startswith("_")})
    for entry in load_faq():
        texts += [entry.get("answer", ""), entry.get("short", ""), entry.get("short_formal", "")]
    return tuple(t for t in texts if t)


def _tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"\w+", text.lower()) if len(t) > 2}


@lru_cache(maxsize=512)
def _keyword(keyword: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(keyword.lower()) + r"(?!\w)")


def match_faq(text: str, language: str, faq: tuple[dict[str, Any], ...] | None = None) -> dict[str, Any] | None:
    """The FAQ entry in ``language`` whose keywords best match ``text``, if any matches."""
    entries = faq if faq is not None else load_faq()
    lowered = text.lower()
    words = _tokens(text)
    best, best_score = None, 0.0
    for entry in entries:
        if entry.get("lang") != language:
            continue
        hits = sum(1 for k in entry.get("keywords", []) if _keyword(k).search(lowered))
        overlap = len(words & _tokens(entry.get("question", ""))) * 0.25
        if hits + overlap > best_score:
            best, best_score = entry, hits + overlap
    return best if best_score >= 1.0 else None


def first_name(display_name: str) -> str:
    """The first name to greet, skipping titles ("Mr T. Adeyemi" has none we can use)."""
    for token in (display_name or "").strip().split():
        bare = token.strip(".,").lower()
        if bare in _TITLES:
            return ""
        return token if token.isalpha() and len(token) > 1 else ""
    return ""


def _greeting(language: str, name: str) -> dict[str, str]:
    if language == "it":
        return {"ciao": f"Ciao {name}, " if name else "Ciao, ",
                "buongiorno": f"Buongiorno {name}, " if name else "Buongiorno, "}
    return {"hi": f"Hi {name}, " if name else "Hi, ", "hello": f"Hello {name}, " if name else "Hello, "}


def greeting_for(ctx: ReplyContext) -> str:
    key = {("it", "informal"): "ciao", ("it", "formal"): "buongiorno", ("en", "informal"): "hi"}.get(
        (ctx.language, ctx.register), "hello")
    return ctx.fill[key]


def fit(parts: Sequence[str], signature: str, limit: int, channel: str, keep: Sequence[int] = (0,)) -> str | None:
    """Join sentences within ``limit``: drop droppable middle ones, then the last; never cut a
    sentence. ``None`` when even the kept sentences do not fit."""
    parts = [p for p in parts]
    tail = f" {signature}" if signature else ""
    kept = set(keep) | {0}
    middle = [i for i in range(1, len(parts) - 1) if i not in kept]
    last = [len(parts) - 1] if len(parts) > 1 and (len(parts) - 1) not in kept else []
    for index in [None, *middle, *last]:
        if index is not None:
            parts[index] = ""
        text = " ".join(p for p in parts if p) + tail
        if measured_length(text, channel) <= limit:
            return text
    return None


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def context_for(
    text: str,
    channel: str,
    author_name: str = "",
    tone: ToneProfile | None = None,
    intent: str | None = None,
    signature: str = "",
    sentiment: str | None = None,
    p_negative: float = 0.0,
    language: str | None = None,
    mention_id: int | None = None,
    limit: int | None = None,
    topic: str | None = None,
    earlier: Sequence[EarlierReply] = (),
    guard: bool = True,
) -> ReplyContext:
    """The reply context for a post (tone computed unless given; ``limit`` the channel's unless given)."""
    intent = intent or final_intent(text, sentiment=sentiment) or "other"
    tone = tone or profile(text, language, p_negative, sentiment=sentiment, intent=intent)
    language_out = reply_language(tone)
    note = "" if language_out == tone.language else f"post is in '{tone.language}'; draft in English"
    signals = signals_of(text)
    register = tone.register
    templates = _templates()
    fill = _greeting(language_out, first_name(author_name))
    dm = templates["dm"][language_out]
    review = dm["review"]
    if channel in REVIEW_CHANNELS:
        fill["dm"] = review[register] if isinstance(review, dict) else review
    else:
        fill["dm"] = dm[register]
    emoji_ok = tone.emoji and intent != "complaint" and not signals & NO_EMOJI_SIGNALS
    return ReplyContext(text, channel, author_name, tone, intent, signals, signature, language_out, register,
                        limit or length_limit(channel), fill, emoji_ok, note, mention_id, topic, tuple(earlier), guard)


def _closing_emoji(ctx: ReplyContext) -> str:
    if not ctx.emoji_ok:
        return ""
    return " 💙" if ctx.intent == "praise" else " 🙂"


def _variants(ctx: ReplyContext) -> list[list[str]]:
    intent = ctx.intent if ctx.intent in INTENTS else "other"
    by_register = _templates()[intent][ctx.language][ctx.register]
    if isinstance(by_register, dict):  # complaints: calm or upset
        return by_register["upset" if ctx.tone.intensity >= UPSET else "calm"]
    return by_register


def render(ctx: ReplyContext, variant: Sequence[str], answer: str, keep_answer: bool) -> str | None:
    sentences = [_capitalise(s.format(answer=answer, **ctx.fill)) for s in variant]
    closing = _closing_emoji(ctx)
    if closing:
        sentences[-1] += closing
    keep = [i for i, s in enumerate(variant) if keep_answer and "{answer}" in s]
    return fit(sentences, ctx.signature, ctx.limit, ctx.channel, keep=keep)


def _faq_answers(entry: dict[str, Any], ctx: ReplyContext) -> list[str]:
    """The FAQ answer forms to try, longest first; the long Italian answers use *tu*."""
    url = entry.get("url", "")
    forms = []
    if (ctx.language == "en" or ctx.register == "informal") and ctx.channel not in REVIEW_CHANNELS:
        forms.append(entry.get("answer", ""))  # the long answers mention DMs, which reviews do not have
    short = entry.get("short_formal") if ctx.language == "it" and ctx.register == "formal" else entry.get("short")
    forms.append(short or "")
    return [f"{form} {url}".strip() for form in forms if form]


def _faq_text(entry: dict[str, Any]) -> str:
    return " ".join([entry.get("question", ""), *entry.get("keywords", [])])


def _faq_suggestion(ctx: ReplyContext, variant: list[str]) -> Suggestion | None:
    entry = match_faq(ctx.text, ctx.language) if ctx.intent in ("question", "complaint") else None
    if entry is None:
        return None
    money_back = ctx.guard and ctx.intent == "complaint" and "money" in ctx.signals  # wants money back, not directions
    if money_back and "churn_legal" in ctx.signals:
        return None  # money taken and a regulator or a lawyer named: a person answers, not self-service
    if ctx.guard and not shares_topic(ctx.text, _faq_text(entry)):
        return None
    if ctx.intent == "complaint":  # empathy first, then the self-service answer
        variant = [variant[0], "{answer}", variant[-1]]
    for answer in _faq_answers(entry, ctx):
        general = answer
        if money_back:  # the post did not ask where things are: no menu tours it did not ask for
            general = generalise(answer, f"{ctx.text} {ctx.author_name}") or ""
            if not general:
                continue
        text = render(ctx, variant, general, keep_answer=True)
        if text is not None and not ctx.check(text):
            origin = Provenance("faq", str(entry.get("id", "")), generalised=general != answer)
            return Suggestion(text, "faq", ctx.note,
                              f"FAQ: {entry.get('question', entry.get('id', ''))} · {origin.describe()}",
                              origin=origin)
    return None


def _template_suggestions(ctx: ReplyContext, seed: int) -> list[Suggestion]:
    variants = _variants(ctx)
    answer = _templates()["answer_fallback"][ctx.language][ctx.register]
    pick = zlib.crc32(f"{seed}{ctx.text}".encode()) % len(variants)
    out = []
    for step in range(len(variants)):
        number = (pick + step) % len(variants)
        text = render(ctx, variants[number], answer, keep_answer=False)
        if text is not None:
            origin = Provenance("template", f"{ctx.intent} · {ctx.language} · {ctx.register} · {number + 1}")
            out.append(Suggestion(text, "template", ctx.note,
                                  f"template: {ctx.intent} · {ctx.language} · {ctx.register}", origin=origin))
    return out


@dataclass(frozen=True)
class DraftRequest:
    """The post to answer and what the triage knows about it: everything ``suggest`` needs but its sources."""

    text: str
    channel: str
    author_name: str = ""
    language: str | None = None  # the post's language when known, else detected
    sentiment: str | None = None
    p_negative: float = 0.0
    signature: str = ""
    intent: str | None = None  # the triage's (``mentions.intent``) when known, else guessed
    mention_id: int | None = None  # a stored mention: its own earlier reply is never suggested back
    seed: int = 0  # picks which template variant comes first
    count: int = 3  # how many suggestions at most (a generative rewrite comes on top)
    limit: int | None = None  # the reply's length limit when not the channel's (a Mastodon instance's own)
    topic: str | None = None  # the triage's topic when known (history replies to other topics are not offered)
    earlier: tuple[EarlierReply, ...] = ()  # replies already sent to this author or thread: never suggested again
    guard: bool = True  # the originality rules; off only to measure what they change (``evaluate replies``)

    def context(self) -> ReplyContext:
        """The reply context for this post (tone computed from the text)."""
        return context_for(self.text, self.channel, self.author_name, None, self.intent, self.signature,
                           self.sentiment, self.p_negative, self.language, self.mention_id, self.limit,
                           self.topic, self.earlier, self.guard)


def suggest(
    request: DraftRequest, history: HistorySource | None = None, rewriter: Rewriter | None = None
) -> tuple[ToneProfile, list[Suggestion]]:
    """The post's tone and ``request.count`` reply suggestions, best first (none for spam).

    ``history`` (a ``triage.replies.history.HistoryIndex``) adds the team's own earlier reply;
    ``rewriter`` (``triage.replies.generation.Rewriter``) adds a generative rewrite of the best
    suggestion on top.
    """
    ctx = request.context()
    seed, count = request.seed, request.count
    if ctx.intent == "spam":
        return ctx.tone, []
    templates = _template_suggestions(ctx, seed)
    candidates: list[Suggestion] = []
    if history is not None:
        found = history.suggestion(ctx)
        if found is not None:
            candidates.append(replace(found, note=found.note or ctx.note))
    if templates:
        faq = _faq_suggestion(ctx, _variants(ctx)[0])
        if faq is not None:
            candidates.append(faq)
    suggestions: list[Suggestion] = []
    for candidate in candidates + templates:
        if len(suggestions) >= count:
            break
        if candidate.text in {s.text for s in suggestions}:
            continue
        if candidate.source == "template" and ctx.check(candidate.text):
            continue
        if ctx.repeats(candidate.text):  # the customer already has this reply from us
            continue
        suggestions.append(candidate)
    fresh = [t for t in templates if not ctx.repeats(t.text)]
    if not suggestions and fresh:  # never leave the agent with nothing; the checker says what to fix
        suggestions.append(fresh[0])
    if rewriter is not None and suggestions:
        generated = rewriter.rewrite(suggestions[0], ctx)
        if generated is not None:
            suggestions.insert(0, generated)
    return ctx.tone, suggestions
