"""The risk model's second reader: hashed character n-grams of the post, one logistic output per risk.

The sentence encoder is English-only, so on Italian posts its embedding places a recipe
question close to a swollen battery; the words themselves ("gonfia", "scintilla", "codice",
"caldaia") do not. This model reads the post's character 3-, 4- and 5-grams (lower-cased,
whitespace collapsed, hashed into ``BUCKETS`` buckets, log term frequency, L2-normalised)
through one linear layer per risk. The shipped risk probability is the geometric mean of
the risk head's and this model's (``combine``): a post is a risk when both readers lean
that way, which cut the head's false alarms by about a third at the same recall on the
training posts' folds (README, ``evaluate risks``). Weights: ``risk_ngrams.safetensors`` in
the intent model's folder, trained with the heads by ``python -m triage train intent``.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from typing import Any

from triage.text.normalize import normalize

BUCKETS = 1 << 15
SIZES: tuple[int, ...] = (3, 4, 5)
WEIGHTS_FILE = "risk_ngrams.safetensors"
_SPACE = re.compile(r"\s+")


def ngram_counts(text: str) -> dict[int, int]:
    """Bucket -> count of the character n-grams of ``text`` (normalised, lower-cased, padded with a space)."""
    padded = " " + _SPACE.sub(" ", normalize(text).lower()).strip() + " "
    counts: dict[int, int] = {}
    for size in SIZES:
        for start in range(len(padded) - size + 1):
            bucket = zlib.crc32(padded[start : start + size].encode("utf-8")) % BUCKETS
            counts[bucket] = counts.get(bucket, 0) + 1
    return counts


def ngram_matrix(torch: Any, texts: Sequence[str]) -> Any:
    """A sparse (len(texts), BUCKETS) matrix: log term frequency of each n-gram bucket, rows L2-normalised."""
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row, text in enumerate(texts):
        weighted = {bucket: 1.0 + math.log(count) for bucket, count in ngram_counts(text).items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        for bucket, value in weighted.items():
            rows.append(row)
            columns.append(bucket)
            values.append(value / norm)
    return torch.sparse_coo_tensor([rows, columns], values, (len(texts), BUCKETS), dtype=torch.float32,
                                   check_invariants=True).coalesce()


def build_ngram_model(torch: Any, risks: int) -> Any:
    """One logistic output per risk over the n-gram buckets."""
    return torch.nn.Linear(BUCKETS, risks)


def ngram_logits(torch: Any, model: Any, texts: Sequence[str]) -> Any:
    """The model's logits for ``texts`` (one row per text, one column per risk)."""
    return torch.sparse.mm(ngram_matrix(torch, texts), model.weight.t()) + model.bias


def combine(torch: Any, head_logits: Any, ngram_logits_: Any) -> Any:
    """The shipped risk probability: the geometric mean of the head's and the n-gram model's probabilities."""
    return (torch.sigmoid(head_logits) * torch.sigmoid(ngram_logits_)).sqrt()
