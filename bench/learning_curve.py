"""How fast the model learns from the team: ``python -m bench.learning_curve [--data ../shared/data]``.

The authored customer posts (``data/training/customer_posts.jsonl``) play the team: their
train split is the pool of corrections, their validation split (other authors) the team's
held-out labels. For each language and each number of corrections (50, 100, 200, 400, 800;
capped at the language's pool, about 630 posts), a seeded sample of the pool is given to
the same heads-only refit ``train from-corrections`` runs (the public sample as anchor, each
correction counted ``team_weight`` times; the customer posts are *not* added a second
time), and the sentiment macro-recall on the held-out posts of that language is measured,
averaged over ``--seeds`` samples. The shipped sentiment head was itself refitted on that
train split, so every refit here starts from the head before it (``head_base``: the
previous release, which has never seen these posts); 0 corrections is that head. Prints a table and
writes ``docs/learning_curve.png`` (Altair, rendered by vl-convert). Quality only: the
figures do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.evaluation.metrics import classification_report
from triage.models.card import ModelCard
from triage.models.intent import adapter_digest
from triage.models.sentiment import DEFAULT_MODEL_DIR, _load_head
from triage.records import SENTIMENTS
from triage.tables.customer_posts import CUSTOMER_POSTS, CustomerPost, read_customer_posts
from triage.text.normalize import normalize
from triage.training.embeddings import TextEmbeddingCache
from triage.training.from_corrections import RetrainConfig, copy_sentiment_version, tuned_encoder
from triage.training.sentiment_head import BASE_HEAD, HeadRefitConfig, refit_sentiment_head

SIZES = (50, 100, 200, 400, 800)
ROOT = Path(__file__).resolve().parent.parent


def _macro_recall(head: Any, embeddings: TextEmbeddingCache, posts: list[CustomerPost]) -> float:
    import torch

    x = embeddings.embed([normalize(p.text) for p in posts])
    with torch.inference_mode():
        predicted = [SENTIMENTS[i] for i in head(x).argmax(-1).tolist()]
    return classification_report([p.sentiment for p in posts], predicted, list(SENTIMENTS))["macro_recall"]


def curve(data: Path, sizes: tuple[int, ...], seeds: int, refit: HeadRefitConfig, cache: Path,
          log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """One row per (language, corrections): the mean macro-recall on the held-out posts and each seed's."""
    posts = read_customer_posts(CUSTOMER_POSTS)
    languages = sorted({p.lang for p in posts})
    pool = {lang: [p for p in posts if p.split == "train" and p.lang == lang] for lang in languages}
    held = {lang: [p for p in posts if p.split == "validation" and p.lang == lang] for lang in languages}
    weight = RetrainConfig().team_weight
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        no_customer = Path(scratch) / "none.jsonl"
        no_customer.write_text("", encoding="utf-8")
        encoder, adapter = tuned_encoder(DEFAULT_MODEL_DIR)
        embeddings = TextEmbeddingCache(encoder, cache / f"tuned-{adapter_digest(adapter)[:12]}", lambda _m: None)
        card = ModelCard.load(DEFAULT_MODEL_DIR, "python -m triage train sentiment")
        start = DEFAULT_MODEL_DIR / BASE_HEAD
        if not start.is_file():
            start = DEFAULT_MODEL_DIR / "head.safetensors"
        packaged = _load_head(start, encoder.dim, card.hidden, len(SENTIMENTS))
        for lang in languages:
            figure = _macro_recall(packaged, embeddings, held[lang])
            rows.append({"language": lang, "corrections": 0, "macro_recall": figure, "runs": [figure]})
            log(f"{lang}: 0 corrections (the head before the customer posts): {figure:.3f} "
                f"on {len(held[lang])} held-out posts")
            for size in sizes:
                n = min(size, len(pool[lang]))
                runs = []
                for seed in range(seeds):
                    folder = Path(scratch) / f"{lang}-{n}-{seed}"
                    folder.mkdir()
                    copy_sentiment_version(DEFAULT_MODEL_DIR, folder)
                    shutil.copyfile(start, folder / BASE_HEAD)  # never trained on the pool
                    chosen = random.Random(seed).sample(pool[lang], n)
                    refit_sentiment_head(data, folder, HeadRefitConfig(**{**refit.__dict__, "seed": seed}), cache,
                                         lambda _m: None, customer=no_customer,
                                         extra=[(p.text, p.sentiment) for p in chosen], extra_repeat=weight)
                    head = _load_head(folder / "head.safetensors", encoder.dim, card.hidden, len(SENTIMENTS))
                    runs.append(_macro_recall(head, embeddings, held[lang]))
                    shutil.rmtree(folder)
                mean = sum(runs) / len(runs)
                rows.append({"language": lang, "corrections": n, "macro_recall": mean, "runs": runs})
                capped = f" (asked {size}: the pool has {n})" if n < size else ""
                log(f"{lang}: {n} corrections{capped}: {mean:.3f} (" + ", ".join(f"{r:.3f}" for r in runs) + ")")
    return rows


def chart(rows: list[dict[str, Any]], output: Path, public_limit: int) -> Path:
    """The curve as a PNG (Altair + vl-convert)."""
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame([{"language": {"en": "English", "it": "Italian"}.get(r["language"], r["language"]),
                           "corrections": r["corrections"], "macro-recall": round(r["macro_recall"], 4)}
                          for r in rows])
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("corrections:Q", title="team corrections (sentiment labels)"),
        y=alt.Y("macro-recall:Q", title="macro-recall on held-out team labels", scale=alt.Scale(zero=False)),
        color=alt.Color("language:N", title="language"),
    ).properties(width=520, height=300, title=alt.TitleParams(
        "Sentiment on the team's held-out posts vs corrections",
        subtitle=f"heads-only refit, public anchor {public_limit} rows, authored customer posts as the team"))
    output.parent.mkdir(parents=True, exist_ok=True)
    lines.save(str(output), format="png", scale_factor=2)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", help="folder of the labeled data sets")
    parser.add_argument("--output", default=str(ROOT / "docs" / "learning_curve.png"))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="numbers of corrections, comma-separated")
    parser.add_argument("--seeds", type=int, default=3, help="samples of the pool per point (averaged)")
    parser.add_argument("--public-limit", type=int, default=HeadRefitConfig.public_limit,
                        help="public training rows kept as the anchor (smaller: faster)")
    parser.add_argument("--cache", default=".cache/retrain", help="embeddings kept between runs")
    args = parser.parse_args()
    refit = HeadRefitConfig(public_limit=args.public_limit, validation_limit=300)
    rows = curve(Path(args.data), tuple(int(s) for s in args.sizes.split(",")), args.seeds, refit, Path(args.cache))
    print(f"wrote {chart(rows, Path(args.output), args.public_limit)}")


if __name__ == "__main__":
    main()
