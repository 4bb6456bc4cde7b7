"""Out-of-fold intent figures for a batch of further train posts and the demo posts' weight (issue 13).

Like for like with issue 13's last pass: scored on the second pass's customer train rows (the customer
posts' train split and the 112 ``en-x``/``it-x`` posts) with its author folds; every other authored post
(``en-y``/``it-y``, ``--extra`` files) is only ever a training row. Per fold the intent heads and the
intent n-gram model are refitted without the held-out rows (as ``train ngram`` does, L2 and steps fixed),
and their log-probabilities are averaged with each n-gram weight of the grid: "all folds" is the best
weight's figure, "nested" the weight chosen on four folds and scored on the fifth.

With ``--demo-folds`` the demo posts are held out by fold too (seeded by text) and their out-of-fold
complaint precision / recall and count are printed (the demo's complaints report reads intent
complaint); ``--demo-weight`` sets their training weight (1 as shipped). Validation is never read.

    python -m bench.intent_folds --extra ../drop/posts2_en.jsonl --extra ../drop/posts2_it.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--extra", action="append", default=[], help="further train posts (JSONL)")
    parser.add_argument("--demo-folds", action="store_true")
    parser.add_argument("--demo-weight", type=float, action="append", default=[])
    parser.add_argument("--customer-weight", type=float, default=3.0)
    parser.add_argument("--l2", type=float, default=3e-5)
    parser.add_argument("--cache", default=".cache/ngram")
    args = parser.parse_args()

    import torch

    from triage.models.intent import INTENTS, TOPICS, text_features
    from triage.models.ngram import Combination
    from triage.models.sentiment import SentenceEncoder, packaged_encoder_dir, sentiment_adapter_dir
    from triage.tables.customer_posts import read_customer_posts
    from triage.text.normalize import normalize
    from triage.training.intent import (
        AUTHORED_FILE,
        DEMO_FILE,
        IntentTrainingConfig,
        _fit,
        bitext_posts,
        customer_training_posts,
        embedding_cache,
        jsonl_posts,
    )
    from triage.training.ngram import NgramConfig, _author_folds, _score, customer_train_posts, fit_ngram

    config = NgramConfig()
    ngram_config = replace(config, steps=config.intent_steps)
    head_config = IntentTrainingConfig()
    customer, _ = customer_train_posts()
    for extra in args.extra:
        customer += read_customer_posts(Path(extra), "train")
    customer = [p for p in customer if p.intent in INTENTS]
    scored = [i for i, p in enumerate(customer) if not p.id.startswith(("en-y", "it-y", "en-z", "it-z"))]
    scored_posts = [customer[i] for i in scored]
    folds = _author_folds(scored_posts, config.folds, config.seed)
    fold_of_customer = {i: f for i, f in zip(scored, folds)}
    langs = [p.lang for p in scored_posts]
    gold = [p.intent for p in scored_posts]

    base = bitext_posts(Path(args.data) / "bitext" / "train.tsv", config.bitext_weight)
    base += jsonl_posts(AUTHORED_FILE, "authored")
    demo = jsonl_posts(DEMO_FILE, "demo")
    customer_rows = customer_training_posts(customer, args.customer_weight)
    posts = base + demo + customer_rows
    demo_index = list(range(len(base), len(base) + len(demo)))
    customer_index = list(range(len(base) + len(demo), len(posts)))
    print(f"{len(customer)} customer train posts, {len(scored)} scored, {len(demo)} demo posts, "
          f"{len(posts)} rows")

    encoder = SentenceEncoder(packaged_encoder_dir(), head_config.max_length, adapter=sentiment_adapter_dir())
    cached = embedding_cache(encoder, Path(args.cache) / "intent", print)
    x = torch.cat([cached.embed([normalize(p.text) for p in posts]),
                   torch.tensor([text_features(p.text) for p in posts]) * head_config.feature_scale], dim=-1)
    y_intent = torch.tensor([INTENTS.index(p.intent) for p in posts])
    y_topic = torch.tensor([TOPICS.index(p.topic) if p.topic in TOPICS else -1 for p in posts])
    demo_fold = {i: int(hashlib.sha256(posts[i].text.encode()).hexdigest(), 16) % config.folds for i in demo_index}

    for demo_weight in args.demo_weight or [1.0]:
        weights = [demo_weight if p.source == "demo" else p.weight for p in posts]
        ngram_weights = [0.0 if p.source == "bitext" else w for p, w in zip(posts, weights)]
        held_of: dict[int, int] = {customer_index[i]: f for i, f in fold_of_customer.items()}
        if args.demo_folds:
            held_of.update(demo_fold)
        rows = sorted(held_of)
        head_oof = np.zeros((len(posts), len(INTENTS)), dtype=np.float32)
        ngram_oof = np.zeros_like(head_oof)
        for fold in range(config.folds):
            held = [i for i in rows if held_of[i] == fold]
            held_set = set(held)
            train = [i for i in range(len(posts)) if i not in held_set]
            heads = _fit(x[train], y_intent[train], y_topic[train], torch.tensor([weights[i] for i in train]),
                         head_config)
            with torch.inference_mode():
                head_oof[held] = torch.log_softmax(heads["intent"](x[held]), -1).numpy()
            model = fit_ngram([posts[i].text for i in train], [posts[i].intent for i in train],
                              [ngram_weights[i] for i in train], INTENTS, args.l2, ngram_config)
            ngram_oof[held] = model.log_probabilities([posts[i].text for i in held])
        s_rows = [customer_index[i] for i in scored]

        by_weight = {w: [INTENTS[k] for k in Combination("average", w).log_probabilities(
            head_oof[s_rows], ngram_oof[s_rows]).argmax(-1)] for w in config.weight_grid}

        def figure(weight: float, subset: list[int], by_weight: dict[float, list[str]] = by_weight) -> float:
            predicted = by_weight[weight]
            return _score([gold[k] for k in subset], [predicted[k] for k in subset], [langs[k] for k in subset],
                          INTENTS, "macro_f1")

        everything = list(range(len(scored)))
        table = {w: figure(w, everything) for w in config.weight_grid}
        best = max(table, key=lambda w: (table[w], -abs(w - 0.5)))
        nested = []
        for fold in range(config.folds):
            fit_rows = [k for k, f in enumerate(folds) if f != fold]
            chosen = max(config.weight_grid, key=lambda w: (figure(w, fit_rows), -abs(w - 0.5)))
            nested.append(figure(chosen, [k for k, f in enumerate(folds) if f == fold]))
        per_lang = {lang: figure(best, [k for k in everything if langs[k] == lang]) for lang in ("en", "it")}
        heads_alone = _score(gold, [INTENTS[k] for k in head_oof[s_rows].argmax(-1)], langs, INTENTS, "macro_f1")
        print(f"demo weight {demo_weight:g}: all folds {table[best]:.4f} (weight {best}, EN {per_lang['en']:.3f}"
              f" IT {per_lang['it']:.3f}; at 0.85 {table[0.85]:.4f}), nested {np.mean(nested):.4f}, "
              f"heads alone {heads_alone:.3f}", flush=True)
        if args.demo_folds:
            combined = Combination("average", best).log_probabilities(head_oof[demo_index], ngram_oof[demo_index])
            predicted = [INTENTS[k] for k in combined.argmax(-1)]
            truth = [posts[i].intent for i in demo_index]
            hits = sum(p == t == "complaint" for p, t in zip(predicted, truth))
            called, real = predicted.count("complaint"), truth.count("complaint")
            alone = [INTENTS[k] for k in ngram_oof[demo_index].argmax(-1)]
            demo_f1 = _score(truth, predicted, ["demo"] * len(truth), INTENTS, "macro_f1")
            print(f"  demo out-of-fold: intent macro-F1 {demo_f1:.3f}; {called} called complaint of {real} "
                  f"(precision {hits / max(called, 1):.3f}, recall {hits / real:.3f}); "
                  f"n-grams alone call {alone.count('complaint')}, "
                  f"heads alone {[INTENTS[k] for k in head_oof[demo_index].argmax(-1)].count('complaint')}",
                  flush=True)


if __name__ == "__main__":
    main()
