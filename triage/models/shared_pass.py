"""One encoder pass for every output: the tuned and the plain encoder share their lower layers.

The sentiment model's LoRA adapter touches only the top layers (3-5) of ``all-MiniLM-L6-v2``;
the embeddings and layers 0-2 of the tuned copy are the plain encoder's, weight for weight.
So a text runs through the shared lower layers once, then through the tuned top layers
(sentiment, anger, offensive) and the plain top layers (intent, topic, reply history) from
the same hidden states: 9 layers instead of 12, with every output what the two separate
passes gave (to float rounding). Where the layers to share are found by comparing weights,
not by trusting the card; a tuned copy that differs from the bottom up shares nothing.

With intent heads trained on the tuned encoder (current cards, see ``triage.models.intent``),
every output reads the tuned half: ``analyse`` asks for that half only, and a text runs
through 6 layers, the plain top layers never. Older intent cards still get the plain half.

``SharedPass`` keeps the embeddings of recently seen texts (each half), so a text
embedded during ingestion is not run again when the reply suggestions ask for it.
``EncoderView`` is one half of a pass with the interface of ``SentenceEncoder``.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from triage.errors import ModelUnavailable

Progress = Callable[[int, int], None]
INT8_DESIGNS = ("all", "ffn", "attention", "lower", "not-last", "per-tensor")


def _torch() -> Any:
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    return torch


def _same(a: Any, b: Any) -> bool:
    torch = _torch()
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def first_differing_layer(plain: Any, tuned: Any) -> int | None:
    """Index of the first encoder layer whose weights differ between two BERT models
    (their layer count when none does); ``None`` when even the embeddings differ."""
    if not _same(plain.embeddings, tuned.embeddings):
        return None
    for index, (a, b) in enumerate(zip(plain.encoder.layer, tuned.encoder.layer)):
        if not _same(a, b):
            return index
    return len(plain.encoder.layer)


def quantize_int8(model: Any, design: str = "all") -> Any:
    """``model`` with linear layers' weights in int8 (torch dynamic quantization, CPU).

    ``design`` picks which linear layers: ``all`` (per output channel), ``ffn`` (the
    feed-forward layers only, attention in fp32), ``attention`` (the attention's
    projections only, feed-forward in fp32), ``lower`` (only the shared layers below
    the adapter's), ``not-last`` (all but the last layer of each stack), ``per-tensor``
    (all, one scale per weight matrix). Per-tensor scales cost far more accuracy on this
    encoder (mean cosine to the fp32 embedding 0.935 against 0.973 per channel).
    """
    import warnings

    torch = _torch()
    if design not in INT8_DESIGNS:
        raise ModelUnavailable(f"unknown int8 design {design!r}; use one of: {', '.join(INT8_DESIGNS)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        from torch.ao.quantization import (
            default_dynamic_qconfig,
            per_channel_dynamic_qconfig,
            quantize_dynamic,
        )

        qconfig = default_dynamic_qconfig if design == "per-tensor" else per_channel_dynamic_qconfig
        linear = [name for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)]
        chosen = [name for name in linear if _quantized_in(name, design, model)]
        return quantize_dynamic(model, dict.fromkeys(chosen, qconfig), dtype=torch.qint8)


def _quantized_in(name: str, design: str, model: Any) -> bool:
    if design in ("all", "per-tensor"):
        return True
    if design == "ffn":
        return name.endswith(("intermediate.dense", "output.dense")) and "attention" not in name
    if design == "attention":
        return "attention" in name
    if design == "lower":
        return name.startswith("lower.")
    # not-last: every linear layer but those of the last layer of a stack
    parts = name.split(".")
    for stack in ("tuned", "plain"):
        if parts[0] == stack and len(parts) > 1 and parts[1].isdigit():
            return int(parts[1]) < len(getattr(model, stack)) - 1
    return True


class SharedPass:
    """Tokenizer + embeddings and the shared lower layers, then a plain and (with an adapter)
    a tuned stack of top layers. ``embed_pair`` gives both mean-pooled embeddings."""

    RECENT = 16384  # embeddings kept, a text's two halves counting two (about 25 MB)

    def __init__(self, path: Path, max_length: int = 128, adapter: Path | None = None,
                 int8: bool = False, int8_design: str = "all") -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        from transformers import AutoModel, AutoTokenizer

        self.path, self.max_length, self.adapter = path, max_length, adapter
        self.torch = torch = _torch()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            plain = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
            tuned = None
            if adapter is not None:
                from triage.models.sentiment import merge_adapter

                tuned = merge_adapter(AutoModel.from_pretrained(str(path), local_files_only=True).eval(), adapter)
        except OSError as exc:
            raise ModelUnavailable(f"cannot load encoder from {path}: {exc}".splitlines()[0]) from None
        self.config = plain.config
        self.dim = int(plain.config.hidden_size)
        layers = len(plain.encoder.layer)
        self.split = layers if tuned is None else first_differing_layer(plain, tuned)
        stacks = torch.nn.Module()
        stacks.embeddings = plain.embeddings
        stacks.lower = torch.nn.ModuleList(plain.encoder.layer[: self.split or 0])
        stacks.plain = torch.nn.ModuleList(plain.encoder.layer[self.split or 0 :])
        if tuned is not None:
            stacks.tuned_embeddings = tuned.embeddings if self.split is None else plain.embeddings
            stacks.tuned = torch.nn.ModuleList(tuned.encoder.layer[self.split or 0 :])
        self.int8 = int8
        self.int8_design = int8_design if int8 else ""
        self.stacks = quantize_int8(stacks, int8_design) if int8 else stacks.eval()
        self.tuned = tuned is not None
        self._recent: OrderedDict[tuple[str, bool], Any] = OrderedDict()  # (text, tuned half?) -> vector
        self._lock = threading.Lock()
        self._views = {half: EncoderView(self, half) for half in (True, False)}

    def _mask(self, hidden: Any, attention_mask: Any) -> Any:
        from transformers.masking_utils import create_bidirectional_mask

        return create_bidirectional_mask(config=self.config, inputs_embeds=hidden, attention_mask=attention_mask)

    @staticmethod
    def _run(layers: Any, hidden: Any, mask: Any) -> Any:
        for layer in layers:
            hidden = layer(hidden, mask)
        return hidden

    def forward(self, tokens: Any, plain_half: bool = True, tuned_half: bool = True) -> tuple[Any, Any]:
        """Last hidden states of the plain and the tuned stacks (the plain one for both without an
        adapter); a half not asked for is skipped (``None`` in its place)."""
        s = self.stacks
        ids, types, attention = tokens["input_ids"], tokens.get("token_type_ids"), tokens["attention_mask"]
        hidden = s.embeddings(input_ids=ids, token_type_ids=types)
        mask = self._mask(hidden, attention)
        if not self.tuned:
            plain = self._run(s.lower, hidden, mask) if len(s.lower) else hidden
            plain = self._run(s.plain, plain, mask)
            return plain, plain
        if self.split is None:  # nothing shared: two full passes
            plain = self._run(s.plain, hidden, mask) if plain_half else None
            tuned = (self._run(s.tuned, s.tuned_embeddings(input_ids=ids, token_type_ids=types), mask)
                     if tuned_half else None)
            return plain, tuned
        shared = self._run(s.lower, hidden, mask)
        return (self._run(s.plain, shared, mask) if plain_half else None,
                self._run(s.tuned, shared, mask) if tuned_half else None)

    def _halves(self, texts: Sequence[str], wanted: Sequence[bool]) -> dict[bool, Any]:
        """Embeddings of ``texts`` per half asked for (``True``: tuned), computing only what is not remembered."""
        from triage.models.sentiment import mean_pool

        torch = self.torch
        halves = list(dict.fromkeys(half and self.tuned for half in wanted))
        with self._lock:
            known = {(t, h): self._recent[(t, h)] for t in texts for h in halves if (t, h) in self._recent}
        missing = list(dict.fromkeys(t for t in texts for h in halves if (t, h) not in known))
        if missing:
            tokens = self.tokenizer(missing, padding=True, truncation=True, max_length=self.max_length,
                                    return_tensors="pt")
            with torch.inference_mode():
                plain, tuned = self.forward(tokens, plain_half=False in halves, tuned_half=True in halves)
                fresh = {}
                for half, hidden in ((False, plain), (True, tuned)):
                    if half in halves:
                        pooled = mean_pool(hidden, tokens["attention_mask"])
                        fresh.update({(text, half): pooled[i] for i, text in enumerate(missing)})
            with self._lock:
                self._recent.update(fresh)
                while len(self._recent) > self.RECENT:
                    self._recent.popitem(last=False)
            known.update(fresh)
        if not texts:
            return dict.fromkeys(halves, torch.zeros((0, self.dim)))
        return {h: torch.stack([known[(t, h)] for t in texts]) for h in halves}

    def embed_pair(self, texts: Sequence[str]) -> tuple[Any, Any]:
        """(tuned, plain) embeddings of ``texts`` (already normalised), one pass for both;
        texts embedded lately are not run again."""
        found = self._halves(texts, (True, False))
        return found[self.tuned], found[False]

    def embed_half(self, texts: Sequence[str], tuned: bool) -> Any:
        """The tuned (or plain) embeddings of ``texts``, running the lower layers and that half only."""
        return self._halves(texts, (tuned,))[tuned and self.tuned]

    def forget_recent(self) -> None:
        """Drop the remembered embeddings (benchmarks time the encoder, not the memory)."""
        with self._lock:
            self._recent.clear()

    def view(self, tuned: bool) -> EncoderView:
        """The tuned half (``tuned``) or the plain half, as an encoder; the same object each time."""
        return self._views[tuned]


class EncoderView:
    """One half of a ``SharedPass`` (the tuned one, or the plain one), with the interface of
    ``SentenceEncoder``: it runs the shared lower layers and its own top layers only (a
    caller that wants both halves asks the pass's ``embed_pair``, as ``analyse`` does)."""

    def __init__(self, shared: SharedPass, tuned: bool) -> None:
        self.shared = shared
        self.tuned = tuned and shared.tuned
        self.path, self.max_length, self.dim = shared.path, shared.max_length, shared.dim
        self.torch, self.tokenizer = shared.torch, shared.tokenizer
        self.adapter = shared.adapter if self.tuned else None
        self.int8 = shared.int8
        # the cosine from which reply history counts two posts similar: the tuned half's cosines run higher
        # (0.55 there keeps the share of demo post pairs that 0.5 gave the plain half)
        self.min_similarity = 0.55 if self.tuned else 0.5

    def embed_batch(self, texts: Sequence[str]) -> Any:
        return self.shared.embed_half(texts, self.tuned)

    def forget_recent(self) -> None:
        self.shared.forget_recent()

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None) -> Any:
        """Embeddings of ``texts`` (already normalised), in input order, in length-bucketed batches."""
        from triage.models.sentiment import embed_in_buckets

        return embed_in_buckets(self.torch, self.dim, self.embed_batch, texts, batch_size, progress)
