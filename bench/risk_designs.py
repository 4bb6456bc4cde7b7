"""Risk model designs side by side: ``python -m bench.risk_designs [--folds 5]``.

For each design (the risk head alone; the head with the character n-gram model beside it,
their probabilities' geometric mean: the shipped design), the thresholds are chosen per risk
and language on out-of-fold predictions of the train posts (the customer posts' train split
and ``data/training/risk_posts.jsonl``; folds by author, ``triage.training.risks``), then the
design is refitted on every train post and measured on the customer posts' validation split.
Prints, per risk and language, the folds' recall / precision (what a design is chosen on)
and the validation recall / precision (what it is reported on), for "model or keyword
signal". Quality only: the figures do not depend on the machine's load. Embeddings are kept
in ``.cache/intent`` (the same cache as ``train intent``).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from triage.models.risks import RISKS, keyword_risks
from triage.models.sentiment import SentenceEncoder, packaged_encoder_dir, sentiment_adapter_dir
from triage.tables.customer_posts import CUSTOMER_POSTS, CustomerPost, read_customer_posts
from triage.training.intent import embedding_cache
from triage.training.risks import (
    LANGUAGES,
    RISK_POSTS,
    RiskModel,
    RiskTrainingConfig,
    choose_thresholds,
    features,
    fit_ngram_model,
    fit_risk_head,
    out_of_fold,
    predicted_risks,
    probabilities,
    risk_targets,
    risk_training_posts,
)

ROOT = Path(__file__).resolve().parent.parent
DESIGNS: dict[str, bool] = {"head alone": False, "head x n-grams (geometric mean; shipped)": True}


def recall_precision(posts: list[CustomerPost], found: list[set[str]], risk: str, lang: str) -> tuple[float, float]:
    """Recall and precision of "found or keyword" for ``risk`` on the posts in ``lang``."""
    rows = [(risk in p.risks, risk in f or risk in keyword_risks(p.text)) for p, f in zip(posts, found)
            if p.lang == lang]
    tp = sum(g and q for g, q in rows)
    return tp / max(1, sum(g for g, _ in rows)), tp / max(1, sum(q for _, q in rows))


def measure(train: list[CustomerPost], x_train: Any, validation: list[CustomerPost], x_validation: Any,
            config: RiskTrainingConfig) -> dict[str, tuple[float, float, float, float]]:
    """Per "risk (lang)": folds' recall, folds' precision, validation recall, validation precision."""
    y = risk_targets(train)
    oof = out_of_fold(x_train, y, train, config)
    thresholds, by_language = choose_thresholds(oof, train, config)
    head = fit_risk_head(x_train, y, config)
    ngrams = fit_ngram_model([p.text for p in train], y, config) if config.ngrams else None
    model = RiskModel(head, ngrams, thresholds, by_language)
    folds_found = predicted_risks(oof, train, model)
    found = predicted_risks(probabilities(head, ngrams, x_validation, [p.text for p in validation]), validation, model)
    return {f"{risk} ({lang})": (*recall_precision(train, folds_found, risk, lang),
                                 *recall_precision(validation, found, risk, lang))
            for lang in LANGUAGES for risk in RISKS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--customer", default=str(CUSTOMER_POSTS))
    parser.add_argument("--risk-posts", default=str(RISK_POSTS))
    args = parser.parse_args()
    customer = Path(args.customer)
    train = risk_training_posts(customer, Path(args.risk_posts))
    validation = read_customer_posts(customer, "validation")
    encoder = SentenceEncoder(packaged_encoder_dir(), 128, adapter=sentiment_adapter_dir())
    cache = embedding_cache(encoder, ROOT / ".cache" / "intent", lambda _m: None)
    x_train, x_validation = features(cache.embed, train, 1.0), features(cache.embed, validation, 1.0)
    cache.save()
    print(f"risk designs: {len(train)} train posts (folds by author: {args.folds}), "
          f"{len(validation)} validation posts; recall / precision of model or keyword")
    for name, ngrams in DESIGNS.items():
        figures = measure(train, x_train, validation, x_validation,
                          replace(RiskTrainingConfig(), folds=args.folds, ngrams=ngrams))
        print(f"{name}:")
        print(f"  {'risk (language)':<24} {'folds':>13}   {'validation':>13}")
        for key, (fr, fp, vr, vp) in figures.items():
            print(f"  {key:<24} {fr:.3f} / {fp:.3f}   {vr:.3f} / {vp:.3f}")


if __name__ == "__main__":
    main()
