"""Test doubles that behave like the real parts, deterministically and fast."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from triage.records import SentimentScores

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
