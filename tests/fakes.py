"""Test doubles that behave like the real parts, deterministically and fast."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from triage.records import SentimentScores

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
"""The tests' clock (``conftest.NOW``)."""


@dataclass
class ScoredPost:
    """A mention as the ranking reads it: the fields of ``MentionRow`` that ``triage.ranking`` uses.

    The optional ones (``p_anger``, ``risks``, ``p_urgent``, ``overrides``, ``raw``) are read with
    ``getattr(..., None)`` by the ranking, so ``None`` means "not stored". A test module that wants
    other defaults binds them once: ``Post = partial(ScoredPost, author_handle="giorgia_b")``.
    """

    text: str = "my internet is down"
    channel: str = "x"
    created_at: datetime = NOW - timedelta(minutes=10)
    status: str = "new"
    author_followers: int = 100
    author_verified: bool = False
    rating: int | None = None
    p_negative: float | None = 0.8
    p_positive: float | None = 0.05
    author_handle: str = "marta_rm"
    p_anger: float | None = None
    intent: str | None = None
    topic: str | None = None
    not_spam: bool = False
    risks: str | None = None
    p_urgent: float | None = None
    overrides: dict | None = None
    raw: dict | None = None

_NEGATIVE = re.compile(
    r"down|broken|worst|charged|refund|hacked|smoke|cancel|never|still|again|no internet|not working|"
    r"addebit|rimbors|giù|non funziona|vergogna|pessim|schifo|disdetta|ancora|fumo|!!!",
    re.IGNORECASE,
)
_POSITIVE = re.compile(r"thank|love|great|amazing|fast|grazie|ottimo|perfett|bravi|fantastic|super", re.IGNORECASE)


class KeywordSentimentModel:
    """A ``SentimentModel`` that scores by keywords: same interface, no weights to load."""

    name = "fake-keywords"

    def __init__(self) -> None:
        self.calls = 0

    def predict(
        self, texts: Sequence[str], batch_size: int = 64, progress: Callable[[int, int], None] | None = None
    ) -> list[SentimentScores]:
        self.calls += 1
        out = []
        for text in texts:
            negative = len(_NEGATIVE.findall(text))
            positive = len(_POSITIVE.findall(text))
            if negative > positive:
                out.append(SentimentScores(0.8, 0.15, 0.05))
            elif positive > negative:
                out.append(SentimentScores(0.05, 0.15, 0.8))
            else:
                out.append(SentimentScores(0.1, 0.8, 0.1))
        if progress:
            progress(len(texts), len(texts))
        return out


class HashingEncoder:
    """A sentence encoder (``embed`` → unit vectors) from hashed words: posts sharing words are close.

    Same interface as ``triage.models.sentiment.SentenceEncoder.embed``; no weights, deterministic.
    """

    dim = 512

    def __init__(self) -> None:
        self.embedded = 0

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: Callable[[int, int], None] | None = None):
        import zlib

        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w{3,}", text.lower()):
                out[row, zlib.crc32(word.encode()) % self.dim] += 1.0
        self.embedded += len(texts)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-9, None)


class KeywordIntentModel:
    """An ``IntentModel`` that decides by the named cue words: same interface, no weights to load."""

    name = "fake-intent-keywords"

    def __init__(self) -> None:
        self.calls = 0

    def predict(self, texts: Sequence[str], batch_size: int = 64, progress: Callable[[int, int], None] | None = None):
        from triage.models.intent import CUES, IntentResult
        from triage.text.signals import detect
        from triage.text.spam import looks_like_spam

        self.calls += 1
        out = []
        for text in texts:
            counts = {name: len(pattern.findall(text)) for name, pattern in CUES.items()}
            if looks_like_spam(text):
                intent = "spam"
            elif detect(text) or counts["complaint_words"] > counts["praise_words"]:
                intent = "complaint"
            elif "?" in text or counts["question_words"]:
                intent = "question"
            elif counts["feedback_words"]:
                intent = "feedback"
            elif counts["praise_words"]:
                intent = "praise"
            else:
                intent = "other"
            topics = {"billing": counts["billing_words"], "outage": counts["outage_words"],
                      "account": counts["account_words"], "delivery": counts["delivery_words"],
                      "product_quality": counts["product_words"], "customer_service": counts["service_words"]}
            best = max(topics, key=topics.__getitem__)
            topic = (best if topics[best] else "other") if intent == "complaint" else None
            out.append(IntentResult(intent, 0.9, topic, {intent: 0.9}))
        if progress:
            progress(len(texts), len(texts))
        return out
