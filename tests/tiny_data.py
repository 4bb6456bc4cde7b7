"""A tiny labeled folder shaped like ``shared/data`` (same files, same TSV columns), for
tests of training and of the benchmark that must run in seconds with the real encoder."""

from __future__ import annotations

import csv
from pathlib import Path

POSITIVE = ["love the new app, works great", "thanks for the quick help today", "ottimo servizio, grazie mille"]
NEGATIVE = ["my bill is wrong again, terrible", "no signal for two days, awful", "servizio pessimo, sono furioso"]
NEUTRAL = ["the store opens at nine", "new plans announced on monday", "il negozio apre alle nove"]


def write_tsv(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["id", "text", "label"])
        for i, (text, label) in enumerate(rows):
            writer.writerow([f"{path.stem}-{i}", text, label])


def sentiment_rows(copies: int) -> list[tuple[str, str]]:
    rows = []
    for n in range(copies):
        rows += [(f"{t} #{n}", "positive") for t in POSITIVE]
        rows += [(f"{t} #{n}", "negative") for t in NEGATIVE]
        rows += [(f"{t} #{n}", "neutral") for t in NEUTRAL]
    return rows


def make_shared_data(data: Path) -> Path:
    """Write the tiny sets under ``data`` and return it."""
    write_tsv(data / "tweeteval/sentiment/train.tsv", sentiment_rows(4))
    write_tsv(data / "tweeteval/sentiment/val.tsv", sentiment_rows(1))
    for language in ("english", "italian"):
        write_tsv(data / f"umsab/{language}/train.tsv", sentiment_rows(2))
        write_tsv(data / f"umsab/{language}/val.tsv", sentiment_rows(1))
    write_tsv(data / "airline/train.tsv", sentiment_rows(1))
    write_tsv(data / "tweeteval/emotion/train.tsv",
              [("I am so angry at this", "anger"), ("furious, fix it now", "anger"), ("what a lovely day", "joy"),
               ("so happy with it", "joy"), ("it will get better", "optimism"), ("I feel so sad", "sadness")] * 3)
    write_tsv(data / "tweeteval/emotion/val.tsv", [("angry and fed up", "anger"), ("happy today", "joy"),
                                                   ("hope it works", "optimism"), ("sad news", "sadness")])
    write_tsv(data / "tweeteval/offensive/train.tsv",
              [("you are an idiot", "offensive"), ("shut up moron", "offensive"),
               ("have a nice day", "not-offensive"), ("the bus is late", "not-offensive")] * 4)
    write_tsv(data / "tweeteval/offensive/val.tsv", [("idiot", "offensive"), ("nice day", "not-offensive")])
    return data
