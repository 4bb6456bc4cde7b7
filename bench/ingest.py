"""Ingestion speed, end to end and per stage, against a plain forward pass of the encoder.

``python -m bench.ingest [--n 2000] [--batch-size 64]`` from the repository root. It makes
``n`` demo-like posts (the demo's posts, each copy with its own id and a reference number,
so no text repeats), then, in one run:

1. the **yardstick**: a plain fp32 forward pass of the packaged encoder (the Hugging Face
   model as shipped, no adapter, no pooling, no heads) over the same texts, in input order
   at batch 64, each batch padded to its longest text: texts/s;
2. the **classifier**: ``triage.models.analysis.analyse`` over the texts (one shared pass,
   length-bucketed batches, every output: sentiment, anger, offensive, intent, topic, risks
   and the history embedding): texts/s;
3. **end to end**: ``triage.ingest.pipeline.ingest`` on a fresh SQLite database (store,
   classify, tone profiles, incidents, priorities): mentions/s;
4. the same work **stage by stage** on another fresh database: store, encoder pass, heads,
   language, DB writes, tone profiles, incidents, signals/priority, in seconds and share.

Then the ratios classifier/yardstick (target ≥ 2) and ingest/yardstick (target ≥ 0.6),
and the load average, since the machine's other work moves every figure. The embeddings
of recently seen texts are forgotten before each timed part.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from triage.db.store import open_store
from triage.ingest.demo import demo_mentions
from triage.ingest.pipeline import ingest
from triage.models.analysis import shared_models
from triage.models.intent import load_intent_model
from triage.models.sentiment import length_buckets, load_sentiment_model, packaged_encoder_dir
from triage.ranking.incidents import assign_incidents
from triage.ranking.intent import final_result
from triage.ranking.refresh import refresh_priorities
from triage.records import Mention, utcnow
from triage.replies.suggest import profile_pending
from triage.text.language import detect_language
from triage.text.normalize import normalize

Log = Callable[[str], None]


def synthetic_mentions(n: int) -> list[Mention]:
    """``n`` demo-like mentions: the demo's posts over and over, each with its own id and reference."""
    now = utcnow()
    demo = demo_mentions(now)
    out = []
    for k in range(n):
        base = demo[k % len(demo)]
        copy = k // len(demo)
        text = base.text if copy == 0 else f"{base.text} (ref {copy * 7919 + k})"
        out.append(replace(base, external_id=f"{base.external_id}-{k}", text=text, raw={}))
    return out


def yardstick(texts: Sequence[str], batch_size: int = 64) -> float:
    """Texts/s of a plain fp32 forward pass of the packaged encoder, in input order, batches padded to their longest."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(packaged_encoder_dir())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    with torch.inference_mode():
        model(**tokenizer(list(texts[:8]), padding=True, truncation=True, max_length=128, return_tensors="pt"))
        started = time.perf_counter()
        for start in range(0, len(texts), batch_size):
            tokens = tokenizer(list(texts[start : start + batch_size]), padding=True, truncation=True,
                               max_length=128, return_tensors="pt")
            model(**tokens)
    return len(texts) / (time.perf_counter() - started)


class Stages:
    """Seconds spent per named stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = work()
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        return result


def staged(folder: Path, mentions: Sequence[Mention], sentiment: Any, intent: Any, batch_size: int) -> Stages:
    """The pipeline's work on a fresh database, each stage timed on its own."""
    pair = shared_models(sentiment, intent)
    if pair is None:
        raise SystemExit("bench.ingest times the packaged models; unset TRIAGE_SENTIMENT_MODEL/TRIAGE_INTENT_MODEL")
    tuned_model, intent_model = pair
    shared = tuned_model.encoder.shared
    shared.forget_recent()
    stages = Stages()
    store = open_store(f"sqlite:///{folder / 'staged.db'}")
    stages.time("store", lambda: store.upsert_mentions(mentions))
    rows = store.mentions(store.unclassified_ids())
    cleaned = [normalize(r.text) for r in rows]
    sentiments: list[Any] = [None] * len(rows)
    intents: list[Any] = [None] * len(rows)
    for batch in length_buckets(cleaned, batch_size):
        if intent_model.encoder.tuned:  # one stack of top layers for every output, as analyse does
            tuned = plain = stages.time("encoder pass",
                                        lambda b=batch: shared.embed_half([cleaned[i] for i in b], tuned=True))
        else:
            tuned, plain = stages.time("encoder pass", lambda b=batch: shared.embed_pair([cleaned[i] for i in b]))
        scores = stages.time("heads", lambda t=tuned, b=batch: tuned_model.scores(t, [cleaned[i] for i in b]))
        results = stages.time("heads", lambda p=plain, b=batch: intent_model.results(p, [rows[i].text for i in b]))
        for i, s, r in zip(batch, scores, results):
            sentiments[i], intents[i] = s, r
    languages = stages.time("language", lambda: [r.language or detect_language(r.text) for r in rows])
    finals = stages.time("signals/priority", lambda: [
        final_result(r, row.text, row.author_handle, row.author_followers) for row, r in zip(rows, intents)])

    def write() -> None:
        store.save_classifications({row.id: (s, lang) for row, s, lang in zip(rows, sentiments, languages)},
                                   tuned_model.name)
        store.save_intents({row.id: (f.intent, f.topic) for row, f in zip(rows, finals)})

    stages.time("DB writes", write)
    stages.time("tone profiles", lambda: profile_pending(store))
    stages.time("incidents", lambda: assign_incidents(store))
    stages.time("signals/priority", lambda: refresh_priorities(store))
    return stages


def run(n: int = 2000, batch_size: int = 64, log: Log = print) -> dict[str, float]:
    """The benchmark's lines through ``log``; returns the figures by name."""
    mentions = synthetic_mentions(n)
    texts = [m.text for m in mentions]
    sentiment, intent = load_sentiment_model(), load_intent_model()
    pair = shared_models(sentiment, intent)
    figures: dict[str, float] = {}
    log(f"{n} demo-like posts, batch {batch_size}, {_threads()} threads, load average {_load()} at start")
    figures["yardstick"] = yardstick(texts, batch_size)
    log(f"{'yardstick: plain fp32 forward pass (HF, input order)':56} {figures['yardstick']:9.1f} texts/s")

    from triage.models.analysis import analyse

    analyse(texts[:16], sentiment, intent)  # warm up
    if pair is not None:
        pair[0].encoder.shared.forget_recent()
    started = time.perf_counter()
    analyse(texts, sentiment, intent, batch_size=batch_size)
    figures["classifier"] = n / (time.perf_counter() - started)
    name = getattr(sentiment, "name", "model")
    log(f"{'classifier: analyse() (' + name + ')':56} {figures['classifier']:9.1f} texts/s")

    with tempfile.TemporaryDirectory() as folder:
        if pair is not None:
            pair[0].encoder.shared.forget_recent()
        store = open_store(f"sqlite:///{Path(folder) / 'ingest.db'}")
        started = time.perf_counter()
        ingest(store, mentions, sentiment, intent_model=intent)
        figures["ingest"] = n / (time.perf_counter() - started)
        log(f"{'end to end: ingest() on a fresh SQLite database':56} {figures['ingest']:9.1f} mentions/s")
        store.dispose()
        stages = staged(Path(folder), mentions, sentiment, intent, batch_size)
    total = sum(stages.seconds.values())
    log("")
    log(f"{'stage':24} {'seconds':>9} {'share':>7} {'per second':>11}")
    for stage, seconds in stages.seconds.items():
        log(f"{stage:24} {seconds:9.2f} {seconds / total:7.1%} {n / max(seconds, 1e-9):11.0f}")
        figures[f"stage {stage}"] = seconds
    log(f"{'all stages':24} {total:9.2f} {1:7.0%} {n / total:11.0f}")
    log("")
    figures["classifier/yardstick"] = figures["classifier"] / figures["yardstick"]
    figures["ingest/yardstick"] = figures["ingest"] / figures["yardstick"]
    log(f"classifier/yardstick {figures['classifier/yardstick']:.2f} (target >= 2.0)   "
        f"ingest/yardstick {figures['ingest/yardstick']:.2f} (target >= 0.6)   load average {_load()} at end")
    return figures


def _threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="how many posts to ingest")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    run(args.n, args.batch_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
