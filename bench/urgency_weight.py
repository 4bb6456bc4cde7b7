"""How many priority points the learned urgency head should get, chosen on the authored TRAIN split:
``python -m bench.urgency_weight [--points 0,4,8,12,16,24] [--from 0.5,0.7]``.

The authored customer posts' train split (``data/training/customer_posts.jsonl``, labelled urgent
0/1) is ingested into a scratch database exactly as listeners' posts are (same models, same
scoring, one fixed "now", every post 30 minutes old, no followers), so each post gets its
sentiment, intent, risks and reasons. Each post's ``p_urgent`` is then replaced by its
**out-of-fold** probability (folds by author: the head that scores a post never saw its author;
``triage.training.urgency.out_of_fold``, trained on the train split and the demo labels), and
the queue is ranked for each ``[priority] learned_urgency`` / ``learned_urgency_from`` pair.
Printed per pair: precision@10, @50 and @100 of "urgent", recall of "urgent" in the top
quarter, and how many of the top 50 carry the "urgent by meaning" reason. Neither the
validation split nor the priority evaluation set (``bench/data``) is read.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from triage.evaluation.priority import NOW, ranking_figures
from triage.ranking.priority import LEARNED_URGENCY_PHRASE, PriorityWeights, score
from triage.records import Author, Mention
from triage.tables.customer_posts import CUSTOMER_POSTS, read_customer_posts
from triage.training.intent import DEMO_FILE
from triage.training.urgency import (
    UrgencyInputs,
    UrgencyTrainingConfig,
    customer_examples,
    demo_examples,
    out_of_fold,
)


def out_of_fold_probabilities(cache: Path | None) -> dict[str, float]:
    """Each train-split post's p(urgent) from a head fitted without its author (the demo labels always in)."""
    import torch

    config = UrgencyTrainingConfig()
    posts = read_customer_posts(CUSTOMER_POSTS, "train")
    examples = customer_examples(posts, config.customer_weight) + demo_examples(DEMO_FILE, config.demo_weight)
    inputs = UrgencyInputs(_adapter(), config, cache, lambda _m: None)
    x = inputs([e.text for e in examples])
    y = torch.tensor([1.0 if e.urgent else 0.0 for e in examples])
    weights = torch.tensor([e.weight for e in examples], dtype=torch.float32)
    probs = out_of_fold(x, y, weights, [e.author or e.text for e in examples], config)
    return {post.id: probs[i] for i, post in enumerate(posts)}


def _adapter() -> Path | None:
    from triage.models.sentiment import sentiment_adapter_dir

    return sentiment_adapter_dir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="0,4,8,12,16,24")
    parser.add_argument("--from", dest="start", default="0.5,0.7")
    parser.add_argument("--cache", default=".cache/intent")
    args = parser.parse_args()
    from triage.db.store import open_store
    from triage.ingest.pipeline import ingest
    from triage.models.intent import load_intent_model
    from triage.models.sentiment import load_sentiment_model

    oof = out_of_fold_probabilities(Path(args.cache) if args.cache else None)
    posts = read_customer_posts(CUSTOMER_POSTS, "train")
    gold = {p.id: "urgent" if p.urgent else "normal" for p in posts}
    mentions = [Mention(p.channel or "x", p.id, p.text, Author(p.author or p.id), NOW - timedelta(minutes=30),
                        language=p.lang, fetched_at=NOW) for p in posts]
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'weights.db'}")
        try:
            ingest(store, mentions, load_sentiment_model(), now=NOW, intent_model=load_intent_model())
            rows = store.mentions()
        finally:
            store.dispose()
    for row in rows:
        row.p_urgent = oof[row.external_id]
    base = PriorityWeights()
    print("learned_urgency  from  p@10   p@50   p@100  recall top 1/4  'urgent by meaning' in top 50")
    for start in (float(v) for v in args.start.split(",")):
        for points in (float(v) for v in args.points.split(",")):
            weights = replace(base, learned_urgency=points, learned_urgency_from=start)
            scored = [(score(row, NOW, weights=weights), row) for row in rows]
            ranked = sorted(scored, key=lambda pr: (-pr[0].score, pr[1].id))
            figures = ranking_figures([gold[row.external_id] for _, row in ranked])
            top = ranked[:100]
            p100 = sum(gold[row.external_id] == "urgent" for _, row in top) / len(top)
            learned = sum(any(r.phrase == LEARNED_URGENCY_PHRASE for r in p.reasons) for p, _ in ranked[:50])
            print(f"{points:15.0f}  {start:4.2f}  {figures['precision_at_10']:.3f}  {figures['precision_at_50']:.3f}  "
                  f"{p100:.3f}  {figures['urgent_recall_top_quarter']:.3f}            {learned}")
    print(f"({len(rows)} train-split posts, {sum(v == 'urgent' for v in gold.values())} urgent)")


if __name__ == "__main__":
    main()
