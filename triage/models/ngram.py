"""A word and character n-gram linear model beside the encoder heads: ``python -m triage train ngram``.

The packaged encoder is English-only; n-grams of the words and of the characters inside
words ("addebit", "bollett", "vergogn") carry the Italian (and the in-domain English)
cues it misses. Each model is a TF-IDF vector (sublinear term counts, L2-normalised) of
word 1-2-grams and character 2-5-grams within words, times a weight matrix: a multinomial
logistic regression, trained by ``triage.training.ngram``. Its probabilities are
combined with the encoder head's (``Combination``): a weighted average of the two
log-probabilities, or a small stacked logistic regression over both, whichever the
training posts' folds chose.

The artifacts live in ``data/models/ngram/`` with one card (``model.json``): per task
(``intent``; ``sentiment``, applied only to texts detected in the card's languages) a
vocabulary (JSON) and the weights (safetensors), no pickle. Inference is a dictionary
look-up per n-gram and one small matrix product: no encoder, no sklearn.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from triage.errors import ModelUnavailable
from triage.models.card import CARD_FILE, ModelCard
from triage.text.normalize import normalize

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_NGRAM_DIR = PROJECT_ROOT / "data" / "models" / "ngram"
REBUILD = "python -m triage train ngram"
_WORD = re.compile(r"\w\w+")
CHAR_RANGE = (2, 5)


def ngrams(text: str) -> list[str]:
    """The n-grams of ``text``: ``w <word>``, ``w <word> <word>`` and ``c<2-5 characters>`` inside words
    (each word padded with a space on both sides, as scikit-learn's ``char_wb``)."""
    lowered = normalize(text).lower()
    words = _WORD.findall(lowered)
    out = [f"w {w}" for w in words]
    out += [f"w {a} {b}" for a, b in zip(words, words[1:])]
    low, high = CHAR_RANGE
    for token in lowered.split():
        padded = f" {token[:40]} "
        for n in range(low, high + 1):
            out += ["c" + padded[i : i + n] for i in range(len(padded) - n + 1)]
    return out


def softmax_rows(logits: Any) -> Any:
    import numpy as np

    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class NgramModel:
    """Vocabulary, idf and a linear layer (``weight``: labels × vocabulary, ``bias``: labels)."""

    labels: list[str]
    vocabulary: dict[str, int]
    idf: Any  # numpy float32 (vocabulary,)
    weight: Any  # numpy float32 (labels, vocabulary)
    bias: Any  # numpy float32 (labels,)

    def vectors(self, texts: Sequence[str]) -> tuple[list[Any], list[Any]]:
        """Per text, the indices of its known n-grams and their TF-IDF values (L2-normalised)."""
        import numpy as np

        indices, values = [], []
        for text in texts:
            counts = Counter(self.vocabulary[g] for g in ngrams(text) if g in self.vocabulary)
            index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            value = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
            value *= self.idf[index]
            norm = float(np.sqrt((value * value).sum()))
            indices.append(index)
            values.append(value / norm if norm else value)
        return indices, values

    def log_probabilities(self, texts: Sequence[str]) -> Any:
        """log P(label | text), one row per text (numpy, labels in ``self.labels`` order)."""
        import numpy as np

        by_ngram = self.__dict__.get("_by_ngram")
        if by_ngram is None or by_ngram.shape[0] != self.weight.shape[1]:  # rows by n-gram: contiguous look-ups
            by_ngram = self.__dict__["_by_ngram"] = np.ascontiguousarray(self.weight.T)
        logits = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for row, (index, value) in enumerate(zip(*self.vectors(texts))):
            logits[row] = value @ by_ngram[index] + self.bias
        z = logits - logits.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    def save(self, folder: Path, stem: str) -> dict[str, str]:
        """Write ``<stem>.safetensors`` and ``<stem>_vocabulary.json``; the card entry's file names."""
        import numpy as np
        from safetensors.numpy import save_file

        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / f"{stem}_vocabulary.json").write_text(json.dumps(terms, ensure_ascii=False) + "\n",
                                                         encoding="utf-8")
        save_file({"idf": np.ascontiguousarray(self.idf, dtype=np.float32),
                   "weight": np.ascontiguousarray(self.weight, dtype=np.float16),
                   "bias": np.ascontiguousarray(self.bias, dtype=np.float32)}, str(folder / f"{stem}.safetensors"))
        return {"weights": f"{stem}.safetensors", "vocabulary": f"{stem}_vocabulary.json"}

    @classmethod
    def load(cls, folder: Path, files: dict[str, str], labels: Sequence[str]) -> NgramModel:
        import numpy as np
        from safetensors.numpy import load_file

        for name in (files["weights"], files["vocabulary"]):
            if not (folder / name).is_file():
                raise ModelUnavailable(f"model file missing: {folder / name}; rebuild it with: {REBUILD}")
        terms = json.loads((folder / files["vocabulary"]).read_text(encoding="utf-8"))
        tensors = load_file(str(folder / files["weights"]))
        return cls(list(labels), {t: i for i, t in enumerate(terms)}, tensors["idf"].astype(np.float32),
                   tensors["weight"].astype(np.float32), tensors["bias"].astype(np.float32))


@dataclass
class Combination:
    """How the n-gram model's log-probabilities join the encoder head's.

    ``average``: ``(1 - weight) * log p_encoder + weight * log p_ngram``, renormalised.
    ``stacked``: a logistic regression over ``[log p_encoder, log p_ngram]`` (``stack_weight``:
    labels × 2·labels, ``stack_bias``: labels).
    ``offsets`` (either design, optional): one additive offset per label on the combined
    log-probabilities, chosen on the training folds for macro-F1 (``triage.training.offsets``).
    """

    design: str = "average"
    weight: float = 0.5
    stack_weight: list[list[float]] | None = None
    stack_bias: list[float] | None = None
    offsets: list[float] | None = None

    def log_probabilities(self, encoder: Any, ngram: Any) -> Any:
        """Combined log-probabilities from two numpy arrays of log-probabilities (rows: texts)."""
        import numpy as np

        if self.design == "stacked" and self.stack_weight is not None and self.stack_bias is not None:
            z = np.concatenate([encoder, ngram], axis=-1) @ np.asarray(self.stack_weight, dtype=np.float32).T
            z = z + np.asarray(self.stack_bias, dtype=np.float32)
        else:
            z = (1.0 - self.weight) * encoder + self.weight * ngram
        if self.offsets is not None:
            z = z + np.asarray(self.offsets, dtype=np.float32)
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"design": self.design, "weight": self.weight}
        if self.design == "stacked":
            out.update(stack_weight=self.stack_weight, stack_bias=self.stack_bias)
        if self.offsets is not None:
            out["offsets"] = self.offsets
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Combination:
        return cls(str(data.get("design", "average")), float(data.get("weight", 0.5)), data.get("stack_weight"),
                   data.get("stack_bias"), data.get("offsets"))


@dataclass
class NgramHead:
    """One task's n-gram model, how it joins the encoder head, and for which languages (empty: all)."""

    task: str
    model: NgramModel
    combination: Combination
    languages: tuple[str, ...] = ()

    def combine(self, encoder_probabilities: Any, texts: Sequence[str], labels: Sequence[str]) -> Any:
        """The encoder head's probabilities (numpy, rows: ``texts``, columns: ``labels``) joined with
        the n-gram model's for the texts in this head's languages; the other rows are left as they are."""
        import numpy as np

        probs = np.asarray(encoder_probabilities, dtype=np.float32).copy()
        rows = list(range(len(texts)))
        if self.languages:
            from triage.text.language import detect_language

            rows = [i for i in rows if detect_language(texts[i]) in self.languages]
        if not rows:
            return probs
        order = [self.model.labels.index(label) for label in labels]
        ngram = self.model.log_probabilities([texts[i] for i in rows])[:, order]
        encoder = np.log(np.clip(probs[rows], 1e-7, 1.0))
        probs[rows] = np.exp(self.combination.log_probabilities(encoder, ngram))
        return probs


def head_from_card(folder: Path, card: ModelCard, task: str) -> NgramHead | None:
    """The ``task`` head named in ``card.heads`` (None when the card has none for it)."""
    spec = (card.heads or {}).get(task)
    if not spec:
        return None
    model = NgramModel.load(folder, spec["files"], spec["labels"])
    return NgramHead(task, model, Combination.from_dict(spec.get("combination") or {}),
                     tuple(spec.get("languages") or ()))


VERSION_KEY = "ngram"  # a sentiment/intent card's heads[VERSION_KEY]["combination"]: the combination of its set


def for_version(head: NgramHead | None, card: ModelCard) -> NgramHead | None:
    """``head`` joined the way the version's card says (``card.heads["ngram"]["combination"]``, written by
    ``train from-corrections --adapter``, whose set of heads reads a new encoder); ``head`` as it is when the
    card says nothing (the combination of ``data/models/ngram``)."""
    spec = ((card.heads or {}).get(VERSION_KEY) or {}).get("combination")
    if head is None or not spec:
        return head
    from dataclasses import replace

    return replace(head, combination=Combination.from_dict(spec))


@lru_cache(maxsize=4)
def _load(folder: str, task: str) -> NgramHead | None:
    path = Path(folder)
    if not (path / CARD_FILE).is_file():
        return None  # no n-gram model shipped: the encoder heads alone
    return head_from_card(path, ModelCard.load(path, REBUILD), task)


def load_ngram_head(task: str, folder: Path | None = None) -> NgramHead | None:
    """The packaged n-gram head for ``task`` (``intent`` or ``sentiment``), loaded once per process; None
    where ``data/models/ngram`` is absent or names no such head."""
    return _load(str(folder or DEFAULT_NGRAM_DIR), task)
