"""Encoder speed under each runtime this machine could use: torch fp32, torch int8 (dynamic,
per channel), ONNX Runtime fp32 and ONNX Runtime int8.

``python -m bench.runtimes [--data ../shared/data] [--n 640]``, run from the repository
root (so ``triage`` comes from the checkout, or from ``pip install -e .``), prints texts per second at
batch 1 and batch 64 and the mean cosine between each runtime's sentence embeddings and
torch fp32's, on TweetEval sentiment val tweets. ONNX Runtime is not a dependency of
Ascolto; this script needs ``pip install onnxruntime onnxscript`` and says so otherwise.
It exists to answer one question with figures: would another runtime buy the speed the
encoder lacks on 2 CPU cores?
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from triage.models.sentiment import (
    SentenceEncoder,
    length_buckets,
    mean_pool,
    packaged_encoder_dir,
    quantize_int8,
)
from triage.tables.datasets import read_tsv  # noqa: E402
from triage.text.normalize import normalize  # noqa: E402

Embed = Callable[[list[str]], Any]


def rate_and_vectors(embed: Embed, texts: Sequence[str], batch_size: int) -> tuple[float, Any]:
    import numpy as np

    vectors: dict[int, Any] = {}
    started = time.perf_counter()
    for batch in length_buckets(texts, batch_size):
        for i, vector in zip(batch, embed([texts[i] for i in batch])):
            vectors[i] = np.asarray(vector)
    rate = len(texts) / (time.perf_counter() - started)
    return rate, np.stack([vectors[i] for i in range(len(texts))])


def onnx_embedders(encoder: SentenceEncoder, folder: Path) -> dict[str, Embed]:
    import numpy as np
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return mean_pool(hidden, attention_mask)

    sample = encoder.tokenizer(["a sample", "another sample text"], padding=True, return_tensors="pt")
    fp32, int8 = folder / "encoder.onnx", folder / "encoder.int8.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(encoder.model).eval(), (sample["input_ids"], sample["attention_mask"]), str(fp32),
                          input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}},
                          dynamo=False, opset_version=17)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()

    def embedder(path: Path) -> Embed:
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        def embed(texts: list[str]) -> Any:
            tokens = encoder.tokenizer(texts, padding=True, truncation=True, max_length=encoder.max_length,
                                       return_tensors="np")
            feed = {name: tokens[name].astype(np.int64) for name in ("input_ids", "attention_mask")}
            return session.run(None, feed)[0]

        return embed

    return {"onnxruntime fp32": embedder(fp32), "onnxruntime int8 (per channel)": embedder(int8)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--n", type=int, default=640, help="how many val tweets to embed")
    args = parser.parse_args(argv)
    texts = [normalize(r.text) for r in read_tsv(Path(args.data) / "tweeteval/sentiment/val.tsv")[: args.n]]

    encoder = SentenceEncoder(packaged_encoder_dir())
    plain = encoder.model
    quantized = quantize_int8(plain)

    def torch_embedder(model: Any) -> Embed:
        def embed(texts: list[str]) -> Any:
            encoder.model = model
            encoder.forget_recent()  # measure the encoder, not its memory of recent texts
            return encoder.embed_batch(texts).numpy()

        return embed

    systems: dict[str, Embed] = {"torch fp32": torch_embedder(plain),
                                 "torch int8 (per channel)": torch_embedder(quantized)}
    with tempfile.TemporaryDirectory() as folder:
        try:
            systems.update(onnx_embedders(encoder, Path(folder)))  # exports the plain fp32 model
        except ImportError:
            print("onnxruntime is not installed: pip install onnxruntime onnxscript (ONNX rows skipped)")
        reference = None
        print(f"{len(texts)} TweetEval val tweets, {encoder.torch.get_num_threads()} threads")
        print(f"{'runtime':34} {'texts/s batch 1':>16} {'texts/s batch 64':>17} {'cosine to fp32':>15}")
        for name, embed in systems.items():
            rate_and_vectors(embed, texts[:64], 64)  # warm up
            single, _ = rate_and_vectors(embed, texts[:128], 1)
            batched, vectors = rate_and_vectors(embed, texts, 64)
            reference = vectors if reference is None else reference
            cosine = float((vectors * reference).sum(1).mean())
            print(f"{name:34} {single:16.0f} {batched:17.0f} {cosine:15.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
