"""Sentence embeddings of training texts, cached on disk by text so no text is embedded twice.

Training several heads (sentiment, emotion, offensive) over overlapping sets, or with a
different sample, only embeds the texts not seen before. The cache is a folder of torch
files (``--cache``); without one, everything is embedded in memory.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from triage.models.sentiment import SentenceEncoder

Log = Callable[[str], None]


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class TextEmbeddingCache:
    """Embeddings of (already normalised) texts, looked up by the text's hash."""

    FILE = "embeddings.pt"

    def __init__(self, encoder: SentenceEncoder, folder: Path | None, log: Log = print) -> None:
        self.encoder = encoder
        self.torch = encoder.torch
        self.folder = folder
        self.log = log
        self.index: dict[str, int] = {}
        self.vectors = self.torch.zeros((0, encoder.dim))
        if folder and (folder / self.FILE).is_file():
            stored = self.torch.load(folder / self.FILE)
            self.vectors = stored["x"]
            self.index = {key: i for i, key in enumerate(stored["keys"])}

    def add(self, texts: Sequence[str], vectors: Any) -> None:
        """Remember ``vectors`` (one row per text) without embedding anything."""
        new = [(i, text_key(t)) for i, t in enumerate(texts) if text_key(t) not in self.index]
        unique: dict[str, int] = {}
        for i, key in new:
            unique.setdefault(key, i)
        if not unique:
            return
        start = len(self.vectors)
        self.vectors = self.torch.cat([self.vectors, vectors[list(unique.values())]])
        for offset, key in enumerate(unique):
            self.index[key] = start + offset

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> Any:
        """Embeddings of ``texts`` in input order; only unseen texts go through the encoder."""
        missing = list(dict.fromkeys(t for t in texts if text_key(t) not in self.index))
        if missing:
            started = time.perf_counter()
            last = [0]

            def report(done: int, total: int) -> None:
                if done - last[0] >= 2000 or done == total:
                    last[0] = done
                    self.log(f"  embedded {done}/{total}")

            self.add(missing, self.encoder.embed(missing, batch_size=batch_size, progress=report))
            self.log(f"  {len(missing)} new texts embedded in {time.perf_counter() - started:.0f}s")
            self.save()
        return self.vectors[[self.index[text_key(t)] for t in texts]]

    def save(self) -> None:
        if not self.folder:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.index, key=self.index.__getitem__)
        tmp = self.folder / (self.FILE + ".tmp")
        self.torch.save({"keys": keys, "x": self.vectors}, tmp)
        tmp.replace(self.folder / self.FILE)
