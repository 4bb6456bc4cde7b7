"""The team's own earlier replies as suggestions: embedding retrieval over the replies table.

Each earlier reply is indexed by the customer post it answered. For a new post the most
similar earlier posts are found (cosine over sentence embeddings), and their replies are
adapted to this customer: the greeting names this customer, order numbers and amounts are
this post's (or the reply is skipped), "DM us" becomes the contact form on app-store
reviews, emoji go where the tone rules say so, the agent's signature replaces the old one.
A reply in the wrong language or register, or one that breaks any tone rule after
adaptation, is skipped. One index per database is kept per process and grows as new
replies are stored (``index_for`` picks up replies added since the last call).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from triage.db.store import Store
from triage.ranking.intent import intent_of
from triage.replies.drafts import ReplyContext, Suggestion, first_name, fit
from triage.replies.rules import REVIEW_CHANNELS, signals_of
from triage.replies.rules import SIGNATURE as _SIGNATURE
from triage.replies.tone import EMOJI, register_of
from triage.text.normalize import normalize

CRITICAL_SIGNALS = frozenset({"money", "safety", "account_takeover"})
MIN_SIMILARITY = 0.5  # below this an earlier post is not "similar" (all-MiniLM-L6-v2 cosine; an encoder may say
# its own: ``min_similarity``, e.g. 0.55 for the tuned one, whose cosines run higher)
# Intents whose replies can stand in for each other: help needed (complaint, question) or not.
_NEEDS_HELP = {"complaint": True, "question": True, "praise": False, "feedback": False, "other": False}
_LEADING_HANDLES = re.compile(r"^(?:\s*@[\w.@-]+)+\s*")
_GREETING = re.compile(
    r"^(?P<word>hi|hello|hey|dear|ciao|buongiorno|buonasera|salve|gentil\w*|good (?:morning|afternoon|evening))"
    r"(?P<name>[^,!.:\n]{0,40}?)(?P<punct>[,!.:])\s*",
    re.IGNORECASE,
)
_DM = re.compile(r"\b(DMs?|in DM|direct message|private message|messaggio privato|in privato)\b", re.IGNORECASE)
SPECIFICS: dict[str, re.Pattern[str]] = {
    "order": re.compile(r"#?\bLM-\d{4,}\b|#\d{4,}\b"),
    "amount": re.compile(r"[€£$]\s?\d+(?:[.,]\d{1,2})?|\b\d+(?:[.,]\d{1,2})?\s?(?:€|euro|EUR|GBP|pounds?|sterline)"),
}


class Encoder(Protocol):
    """What retrieval needs of a sentence encoder (``triage.models.sentiment.SentenceEncoder`` fits)."""

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: Any = None) -> Any: ...


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier reply and the customer post it answered."""

    post: str
    reply: str
    language: str
    register: str
    channel: str = ""
    author_name: str = ""
    intent: str | None = None
    agent: str = ""
    mention_id: int | None = None
    reply_id: int | None = None
    brand: str = ""


def default_encoder() -> Encoder:
    """The packaged all-MiniLM-L6-v2 encoder (offline), loaded once per process: the half of the pass
    ingestion runs that the intent heads read (``triage.models.sentiment.history_encoder``; the tuned
    one for current models), so a post classified lately is not run through the encoder again when
    its suggestions are asked for."""
    from triage.models.sentiment import history_encoder

    return history_encoder(128)


def _as_matrix(vectors: Any) -> np.ndarray:
    matrix = np.asarray(vectors.detach().cpu() if hasattr(vectors, "detach") else vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.clip(norms, 1e-9, None)


def _name_tokens(display_name: str) -> list[str]:
    return [t for t in re.findall(r"[^\W\d_]{3,}", display_name or "") if t.lower() not in {"mrs", "miss", "the"}]


_VECTORS: dict[tuple[int, str], np.ndarray] = {}


def _capitalised(text: str) -> set[str]:
    """Capitalised words inside sentences (places, people, products), without the brand."""
    words = set()
    for sentence in re.split(r"(?<=[.!?:])\s+|\n+", text):
        for match in re.finditer(r"(?<=\s)[A-Z][\w'’-]{2,}", sentence):
            word = match.group(0)
            if "lumora" not in word.lower():
                words.add(word)
    return words


def _about_something_else(entry: HistoryEntry, post: str) -> bool:
    """Whether the earlier reply names something (a city, a person, a country) that the earlier
    post named and this post does not: "calls to Nigeria" does not answer "calls to Ghana"."""
    names = set(_name_tokens(entry.author_name))
    shared = (_capitalised(entry.reply) & _capitalised(entry.post)) - names
    lowered = post.lower()
    return any(word.lower() not in lowered for word in shared)


class HistoryIndex:
    """Earlier replies indexed by the embeddings of the posts they answered."""

    def __init__(self, encoder: Encoder, min_similarity: float | None = None) -> None:
        self.encoder = encoder
        chosen = getattr(encoder, "min_similarity", MIN_SIMILARITY) if min_similarity is None else min_similarity
        self.min_similarity = float(chosen)
        self.entries: list[HistoryEntry] = []
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self.last_reply_id = 0
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts``; each text is embedded once per process and encoder."""
        cleaned = [normalize(t) for t in texts]
        key = id(self.encoder)
        missing = sorted({t for t in cleaned if (key, t) not in _VECTORS})
        if missing:
            for text, vector in zip(missing, _as_matrix(self.encoder.embed(missing))):
                _VECTORS[(key, text)] = vector
        return np.stack([_VECTORS[(key, t)] for t in cleaned]) if cleaned else np.zeros((0, 0), np.float32)

    def add(self, entries: Sequence[HistoryEntry], vectors: np.ndarray | None = None) -> None:
        """Index ``entries`` (their posts are embedded unless ``vectors`` are given)."""
        if not entries:
            return
        matrix = _as_matrix(vectors) if vectors is not None else self.embed([e.post for e in entries])
        with self._lock:
            self.matrix = matrix if not self.entries else np.vstack([self.matrix, matrix])
            self.entries.extend(entries)

    def refresh(self, store: Store) -> int:
        """Index the replies stored since the last refresh; returns how many were added."""
        with self._refreshing:
            return self._refresh(store)

    def _refresh(self, store: Store) -> int:
        rows = store.replies_after(self.last_reply_id)
        if not rows:
            return 0
        entries = []
        for reply, mention in rows:
            if not reply.text.strip():
                continue
            language = mention.language or "en"
            entries.append(HistoryEntry(
                post=mention.text, reply=reply.text, language=language, register=register_of(mention.text, language),
                channel=mention.channel, author_name=mention.author_name or "",
                intent=intent_of(mention, guess=True) or "other",
                agent=reply.agent, mention_id=mention.id, reply_id=reply.id,
            ))
        self.add(entries)
        self.last_reply_id = max(reply.id for reply, _ in rows)
        return len(entries)

    def nearest(self, vector: np.ndarray, k: int = 8) -> list[tuple[int, float]]:
        """Indices of the ``k`` entries most similar to ``vector`` and their cosine."""
        if not self.entries:
            return []
        scores = self.matrix @ vector.reshape(-1)
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top]

    def similar(self, text: str, k: int = 8) -> list[tuple[HistoryEntry, float]]:
        if not self.entries:
            return []
        return [(self.entries[i], s) for i, s in self.nearest(self.embed([text])[0], k)]

    def suggestion(self, ctx: ReplyContext, k: int = 8) -> Suggestion | None:
        """The best earlier reply to a similar post, adapted to ``ctx``; ``None`` when none fits."""
        found = self.best(ctx, k)
        return found[0] if found else None

    def best(self, ctx: ReplyContext, k: int = 8, vector: np.ndarray | None = None
             ) -> tuple[Suggestion, HistoryEntry] | None:
        """Like ``suggestion``, also returning the entry used; ``vector`` is the post's embedding if known."""
        if not self.entries:
            return None
        query = vector if vector is not None else self.embed([ctx.text])[0]
        similar = [(self.entries[i], s) for i, s in self.nearest(query, k)]
        candidates = []
        critical = ctx.signals & CRITICAL_SIGNALS
        for entry, similarity in similar:
            if similarity < self.min_similarity or (ctx.mention_id is not None and entry.mention_id == ctx.mention_id):
                continue
            if entry.intent and _NEEDS_HELP.get(entry.intent) != _NEEDS_HELP.get(ctx.intent):
                continue  # a reply to praise does not answer a complaint
            if signals_of(entry.post) & CRITICAL_SIGNALS != critical:
                continue  # a double charge needs a reply written for a double charge
            bonus = (0.05 if entry.intent and entry.intent == ctx.intent else 0.0) + (
                0.02 if entry.channel == ctx.channel else 0.0)
            candidates.append((similarity + bonus, similarity, entry))
        for _rank, similarity, entry in sorted(candidates, key=lambda c: -c[0]):
            if reply_language_of(entry) != ctx.language:
                continue  # a reply in another language: skip (translating is the rewrite's job)
            if ctx.language == "it" and entry.register != ctx.register:
                continue  # tu and Lei are not swapped word by word: skip
            if _about_something_else(entry, ctx.text):
                continue
            text = adapt(entry, ctx)
            if text is None or ctx.check(text):
                continue
            who = f"{entry.agent}'s" if entry.agent else "an earlier"
            return Suggestion(text, "history", ctx.note,
                              f"{who} reply to a similar post on {entry.channel or 'another channel'}",
                              round(similarity, 3)), entry
        return None


def reply_language_of(entry: HistoryEntry) -> str:
    return entry.language if entry.language in ("en", "it") else "en"


def _swap_specifics(text: str, post: str) -> str | None:
    """Put this post's order numbers and amounts in place of the old ones; ``None`` if it has none."""
    for pattern in SPECIFICS.values():
        if pattern.search(text):
            found = pattern.findall(post)
            if not found:
                return None
            text = pattern.sub(found[0], text)
    return text


def adapt(entry: HistoryEntry, ctx: ReplyContext) -> str | None:
    """``entry``'s reply rewritten for this customer and channel, or ``None`` when it cannot be."""
    text = _SIGNATURE.sub("", _LEADING_HANDLES.sub("", entry.reply.strip())).strip()
    name = first_name(ctx.author_name)
    greeting = _GREETING.match(text)
    old_names = _name_tokens(entry.author_name)
    if greeting:
        word = greeting.group("word")
        if ctx.language == "en":  # the greeting follows this post's register
            if ctx.register == "informal" and word.lower() in ("dear", "hello", "good morning", "good afternoon"):
                word = "Hi"
            elif ctx.register == "formal" and word.lower() in ("hi", "hey"):
                word = "Hello"
        if name:
            opening = f"{word} {name}{greeting.group('punct')} "
        elif word.lower().startswith(("dear", "gentil")):
            opening = ("Buongiorno" if ctx.language == "it" else "Hello") + greeting.group("punct") + " "
        else:
            opening = f"{word}{greeting.group('punct')} "
        text = opening + text[greeting.end():]
    else:
        for token in old_names:  # "Rachel, ..." without a greeting word
            found = re.match(rf"{re.escape(token)}\s*[,!]\s*", text)
            if found:
                rest = text[found.end():]
                text = f"{name}, {rest}" if name else rest[:1].upper() + rest[1:]
                break
    for token in old_names:  # the old customer's name anywhere else
        if token == name or not re.search(rf"\b{re.escape(token)}\b", text):
            continue
        if not name:
            return None
        text = re.sub(rf"\b{re.escape(token)}\b", name, text)
    swapped = _swap_specifics(text, ctx.text)
    if swapped is None:
        return None
    text = swapped
    if ctx.channel in REVIEW_CHANNELS:  # no DMs under an app-store review
        sentences = re.split(r"(?<=[.!?])\s+", text)
        text = " ".join(ctx.fill["dm"] if _DM.search(s) else s for s in sentences)
    if not ctx.emoji_ok:
        text = re.sub(r"\s{2,}", " ", EMOJI.sub("", text)).strip()
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    return fit(sentences, ctx.signature, ctx.limit, ctx.channel)


_INDEXES: dict[str, HistoryIndex] = {}
_INDEXES_LOCK = threading.Lock()


def index_for(store: Store, encoder: Encoder | Callable[[], Encoder] | None = None) -> HistoryIndex:
    """The process-wide index for ``store``'s database, brought up to date with its replies."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(store.url)
        if index is None:
            chosen = encoder() if callable(encoder) and not hasattr(encoder, "embed") else encoder
            index = HistoryIndex(chosen or default_encoder())
            _INDEXES[store.url] = index
    index.refresh(store)
    return index


def forget(store: Store) -> None:
    """Drop ``store``'s cached index (tests, or after replies were deleted)."""
    with _INDEXES_LOCK:
        _INDEXES.pop(store.url, None)

