"""How long ``train from-corrections`` takes and how much memory it needs:
``python -m bench.retrain [--corrections 1000] [--data ../shared/data] [--public-limit N] [--cold]``.

Stores ``--corrections`` labelled mentions in a scratch SQLite database (each a pair of
authored customer posts joined into one new text, so every text is new to the encoder;
sentiment, intent and urgent labels from the first of the pair, 40 authors), then runs
``train_from_corrections`` with the shipped configuration (``--public-limit`` smaller for a
quick look; the sentiment, intent/topic and urgency heads) and prints its wall time, CPU
time, the embedding cache's state (``--cold``: an empty cache, as the very first retrain;
otherwise the cache under ``--cache`` is kept, as for a team retraining every week: only the
new corrections are embedded) and the process's peak memory. The machine's load matters:
compare with ``python -m triage bench classify`` run at the same time, not across machines.
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
from triage.training.from_corrections import RetrainConfig, train_from_corrections
from triage.training.sentiment_head import HeadRefitConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corrections", type=int, default=1000)
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--public-limit", type=int, default=HeadRefitConfig.public_limit)
    parser.add_argument("--cache", default=".cache/retrain")
    parser.add_argument("--cold", action="store_true", help="start from an empty embedding cache")
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
        config = RetrainConfig(sentiment=HeadRefitConfig(public_limit=args.public_limit))
        started, cpu_started = time.perf_counter(), time.process_time()
        result = train_from_corrections(store, Path(args.data), config=config, root=Path(scratch) / "models",
                                        cache=cache, promote=False, log=lambda _m: None)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    for outcome in result.outcomes:
        print(outcome.line())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.corrections} corrections ({result.train} trained on, {result.held_out} held out), public anchor "
          f"{args.public_limit} rows, {'cold' if args.cold else 'kept'} embedding cache: {seconds:.0f} s wall, "
          f"{cpu:.0f} s CPU; peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
