"""How long ``train from-corrections`` takes and how much memory it needs:
``python -m bench.retrain [--corrections 1000] [--data ../shared/data] [--public-limit N] [--cold] [--adapter]``.

Stores ``--corrections`` labelled mentions in a scratch SQLite database (each a pair of
authored customer posts joined into one new text, so every text is new to the encoder;
sentiment, intent and urgent labels from the first of the pair, 40 authors), then runs
``train_from_corrections`` with the shipped configuration (``--public-limit`` smaller for a
quick look; the sentiment, intent/topic and urgency heads) and prints its wall time, CPU
time, the embedding cache's state (``--cold``: an empty cache, as the very first retrain;
otherwise the cache under ``--cache`` is kept, as for a team retraining every week: only the
new corrections are embedded) and the process's peak memory. The machine's load matters:
compare with ``python -m triage bench classify`` run at the same time, not across machines.

``--adapter``: the adapter option (``train from-corrections --adapter``: the LoRA adapter continued
on ``--adapter-public-limit`` public rows plus the customer posts and the team's labels, then every
head refitted on the new encoder). It also prints the adapter stage's examples/s and what that
stage would take at the shipped sample size, so a quick run at a small size estimates the full one.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from triage.db.corrections import Label, record
from triage.db.store import open_store
from triage.records import Author, Mention, utcnow
from triage.tables.customer_posts import CUSTOMER_POSTS, read_customer_posts
from triage.training.adapter import AdapterRefitConfig
from triage.training.from_corrections import RetrainConfig, train_from_corrections
from triage.training.intent import IntentTrainingConfig
from triage.training.sentiment_head import HeadRefitConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corrections", type=int, default=1000)
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--public-limit", type=int, default=HeadRefitConfig.public_limit)
    parser.add_argument("--cache", default=".cache/retrain")
    parser.add_argument("--cold", action="store_true", help="start from an empty embedding cache")
    parser.add_argument("--adapter", action="store_true", help="the adapter option (train from-corrections --adapter)")
    parser.add_argument("--adapter-public-limit", type=int, default=AdapterRefitConfig.public_limit,
                        help="--adapter: public rows the adapter continues on")
    parser.add_argument("--extra-limit", type=int, help="--adapter: rows for the anger/offensive heads (default all)")
    parser.add_argument("--validation-limit", type=int, default=HeadRefitConfig.validation_limit,
                        help="rows per public validation set (a quick look: fewer)")
    parser.add_argument("--bitext-limit", type=int, help="intent: a sample of Bitext rows (a quick look; default all)")
    args = parser.parse_args()
    posts = read_customer_posts(CUSTOMER_POSTS)
    rng = random.Random(16)
    now = utcnow()
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(f"sqlite:///{scratch}/bench.db")
        pairs = [(rng.choice(posts), rng.choice(posts)) for _ in range(args.corrections)]
        mentions = [Mention("x", f"bench-{i}", f"{a.text} {b.text}", Author(f"customer{i % 40}"),
                            now - timedelta(minutes=i), language=a.lang) for i, (a, b) in enumerate(pairs)]
        ids = store.upsert_mentions(mentions).ids
        for mention_id, (a, _b) in zip(ids, pairs):
            record(store, mention_id, [Label("sentiment", a.sentiment), Label("intent", a.intent),
                                       Label("urgent", "1" if a.urgent else "0")], "bench", now)
        cache = Path(scratch) / "cache" if args.cold else Path(args.cache)
        config = RetrainConfig(sentiment=HeadRefitConfig(public_limit=args.public_limit,
                                                         validation_limit=args.validation_limit),
                               intent=IntentTrainingConfig(bitext_limit=args.bitext_limit),
                               adapter=AdapterRefitConfig(public_limit=args.adapter_public_limit,
                                                          extra_limit=args.extra_limit))
        retrain = train_from_corrections
        if args.adapter:
            from triage.training.adapter_set import train_adapter_set

            retrain = train_adapter_set
        started, cpu_started = time.perf_counter(), time.process_time()
        result = retrain(store, Path(args.data), config=config, root=Path(scratch) / "models", cache=cache,
                         promote=False, log=lambda _m: None)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        stage = _adapter_stage(Path(scratch) / "models", result) if args.adapter else None
    for outcome in result.outcomes:
        print(outcome.line())
    if result.set_line:
        print(result.set_line)
    if stage is not None:
        examples, stage_seconds = stage
        rate = examples / max(stage_seconds, 1e-9)
        full = AdapterRefitConfig.public_limit + (examples - args.adapter_public_limit)
        print(f"adapter stage: {examples} examples in {stage_seconds:.0f} s ({rate:.1f} examples/s); at the shipped "
              f"sample ({AdapterRefitConfig.public_limit} public rows, {full} examples) it would take about "
              f"{full / rate:.0f} s, the rest of this run took {seconds - stage_seconds:.0f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.corrections} corrections ({result.train} trained on, {result.held_out} held out), public anchor "
          f"{args.public_limit} rows, {'cold' if args.cold else 'kept'} embedding cache: {seconds:.0f} s wall, "
          f"{cpu:.0f} s CPU; peak memory {peak:.0f} MB")


def _adapter_stage(root: Path, result: object) -> tuple[int, float] | None:
    """(examples, seconds) of the adapter stage, from the new sentiment version's card."""
    from triage.models import registry

    outcome = next((o for o in getattr(result, "outcomes", []) if o.task == "sentiment" and o.version), None)
    if outcome is None:
        return None
    card = next(v.card for v in registry.versions("sentiment", root) if v.name == outcome.version)
    refit = card.training["adapter_refit"]
    return int(card.training["examples"]), float(refit["seconds"])


if __name__ == "__main__":
    main()
