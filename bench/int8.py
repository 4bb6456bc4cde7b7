"""Which int8 design keeps the sentiment model's figures: ``python -m bench.int8 [--data ../shared/data] [--limit N]``.

For fp32 and each design of ``triage.models.shared_pass.quantize_int8``, prints the
sentiment macro-recall on every validation set of ``python -m triage bench classify``
(validation splits only, the same seeded samples), the largest loss against fp32, and
whether the design qualifies as the default (within 0.01 macro-recall of fp32 on every
set). Also prints how often the intent model's decision changes on the demo posts (the
half of the pass its heads read runs in int8 too). Accuracy only: figures do not depend on load.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from triage.evaluation.metrics import classification_report
from triage.models.intent import EncoderIntentModel, load_intent_model
from triage.models.sentiment import DEFAULT_MODEL_DIR, EncoderHeadModel, length_buckets, packaged_encoder_dir
from triage.models.shared_pass import INT8_DESIGNS, SharedPass
from triage.records import SENTIMENTS
from triage.tables.datasets import read_tsv, sample, sentiment_validation_sets
from triage.text.normalize import normalize

TOLERANCE = 0.01


def embeddings(shared: SharedPass, texts: Sequence[str], tuned_half: bool, batch_size: int = 64) -> Any:
    """The tuned (or plain) half's embeddings of ``texts`` in input order, computing only that half."""
    from triage.models.sentiment import mean_pool

    torch = shared.torch
    out = torch.zeros((len(texts), shared.dim))
    cleaned = [normalize(t) for t in texts]
    for batch in length_buckets(cleaned, batch_size):
        tokens = shared.tokenizer([cleaned[i] for i in batch], padding=True, truncation=True,
                                  max_length=shared.max_length, return_tensors="pt")
        with torch.inference_mode():
            plain, tuned = shared.forward(tokens, plain_half=not tuned_half, tuned_half=tuned_half)
            out[batch] = mean_pool(tuned if tuned_half else plain, tokens["attention_mask"])
    return out


def run(data: Path, limit: int | None, designs: Sequence[str], intent_sample: int = 200,
        log: Callable[[str], None] = print, fp32_from_card: bool = False) -> dict[str, bool]:
    """Each design's figures through ``log``; returns which designs qualify.

    ``fp32_from_card`` takes fp32's sentiment figures from the model card's validation
    figures (measured by training with the same seeded samples at ``--limit 2000``) instead
    of computing them again.
    """
    sets = {name: sample(read_tsv(path), limit, 13) for name, path in sentiment_validation_sets(data).items()}
    model = EncoderHeadModel(DEFAULT_MODEL_DIR, int8=False)
    intent = load_intent_model()
    demo = [json.loads(line)["text"] for line in (DEFAULT_MODEL_DIR.parent.parent / "demo" / "mentions.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    adapter = model.encoder.shared.adapter
    texts = [r.text for rows in sets.values() for r in rows]
    log(f"{'design':12} " + " ".join(f"{name[:18]:>18}" for name in sets) + f" {'worst loss':>10} "
        f"{'intent changed':>14}  qualifies")
    reference: dict[str, float] = {}
    reference_intents: list[str] = []
    qualifies: dict[str, bool] = {}
    for design in ("fp32", *designs):
        shared = (model.encoder.shared if design == "fp32" else
                  SharedPass(packaged_encoder_dir(), 128, adapter=adapter, int8=True, int8_design=design))
        figures, start = {}, 0
        if design == "fp32" and fp32_from_card:
            figures = {name: float(model.card.validation[name]["macro_recall"]) for name in sets}
        else:
            labels = [s.label for s in model.scores(embeddings(shared, texts, tuned_half=True),
                                                    [normalize(t) for t in texts])]
            for name, rows in sets.items():
                gold = [r.label for r in rows]
                report = classification_report(gold, labels[start : start + len(rows)], SENTIMENTS)
                figures[name] = report["macro_recall"]
                start += len(rows)
        intents: list[str] = []
        if isinstance(intent, EncoderIntentModel):  # the half the intent heads read (tuned for current cards)
            read = embeddings(shared, demo[:intent_sample], tuned_half=intent.encoder.tuned)
            intents = [r.intent for r in intent.results(read, demo[:intent_sample])]
        if design == "fp32":
            reference, reference_intents = figures, intents
        loss = max(reference[n] - figures[n] for n in sets)
        changed = sum(a != b for a, b in zip(intents, reference_intents))
        qualifies[design] = design != "fp32" and loss <= TOLERANCE
        log(f"{design:12} " + " ".join(f"{figures[n]:18.3f}" for n in sets) + f" {loss:10.3f} "
            f"{changed:>6}/{len(intents):<7}  {'yes' if qualifies[design] else '-'}")
    return qualifies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", help="folder of the labeled data sets")
    parser.add_argument("--limit", type=int, help="at most this many rows per validation set")
    parser.add_argument("--designs", default=",".join(INT8_DESIGNS), help="comma-separated int8 designs")
    parser.add_argument("--intent-sample", type=int, default=200, help="demo posts whose intent is compared")
    parser.add_argument("--fp32-from-card", action="store_true",
                        help="take fp32's figures from the model card (valid with --limit 2000 only)")
    args = parser.parse_args(argv)
    if args.fp32_from_card and args.limit != 2000:
        parser.error("--fp32-from-card needs --limit 2000, the limit the card's figures were measured with")
    run(Path(args.data), args.limit, [d for d in args.designs.split(",") if d], args.intent_sample,
        fp32_from_card=args.fp32_from_card)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
