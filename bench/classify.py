"""Sentiment benchmark: ``python -m triage bench classify`` is the documented way to run it.

This script is kept for ``python -m bench.classify [--data ../shared/data] [--limit N]``
from the project root; the benchmark itself is ``triage.evaluation.classify_bench``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from triage.evaluation.classify_bench import run

__all__ = ["run"]


def main() -> None:
    parser = argparse.ArgumentParser(description="VADER against the project's sentiment model, on validation sets")
    parser.add_argument("--data", default="../shared/data", help="folder of the labeled data sets")
    parser.add_argument("--limit", type=int, help="at most this many rows per validation set")
    args = parser.parse_args()
    run(Path(args.data), limit=args.limit)


if __name__ == "__main__":
    main()
