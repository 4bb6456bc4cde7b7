"""``python -m triage`` with the keyword fakes (``tests/fakes.py``) in place of the real models.

Run with ``tests/`` on ``PYTHONPATH``::

    python -m fake_models_cli [--seen FILE] [--pause SECONDS] [--go FILE] -- worker --once --db URL

- ``--seen FILE``: every text the fake sentiment model classifies is appended to FILE (one JSON
  string a line, written and flushed after each batch), so a test can tell which process
  classified which mention, and how often.
- ``--pause SECONDS``: each batch takes this long (a slow model), so processes overlap.
- ``--kill-at-batch N``: the process sends itself SIGKILL (a kill -9) when the fake is asked to
  classify its Nth batch, i.e. with that batch claimed and not committed.
- ``--go FILE``: create ``FILE.ready-<pid>``, then wait until FILE exists before starting, so a
  test can start several processes at the same moment.

The models are swapped where the ``Context`` loads them (``triage.context``), so every command
that builds one (``worker``, ``import``, ``listen``) runs with the fakes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from fakes import KeywordIntentModel, KeywordSentimentModel
from triage.records import SentimentScores


class RecordingSentimentModel(KeywordSentimentModel):
    def __init__(self, seen: Path | None, pause: float, kill_at_batch: int | None = None) -> None:
        super().__init__()
        self.seen, self.pause, self.kill_at_batch = seen, pause, kill_at_batch

    def predict(
        self, texts: Sequence[str], batch_size: int = 64, progress: Callable[[int, int], None] | None = None
    ) -> list[SentimentScores]:
        if self.calls + 1 == self.kill_at_batch:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.pause:
            time.sleep(self.pause)
        scores = super().predict(texts, batch_size, progress)
        if self.seen is not None:
            with self.seen.open("a", encoding="utf-8") as out:
                out.write("".join(json.dumps(text) + "\n" for text in texts))
                out.flush()
                os.fsync(out.fileno())
        return scores


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="fake_models_cli")
    parser.add_argument("--seen", type=Path)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--go", type=Path)
    parser.add_argument("--kill-at-batch", type=int)
    parser.add_argument("triage", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    triage_args = args.triage[1:] if args.triage[:1] == ["--"] else args.triage

    import triage.context
    from triage.cli import main as triage_main

    sentiment = RecordingSentimentModel(args.seen, args.pause, args.kill_at_batch)
    triage.context.load_sentiment_model = lambda spec=None: sentiment  # type: ignore[assignment]
    triage.context.load_intent_model = lambda spec=None: KeywordIntentModel()  # type: ignore[assignment]
    if args.go is not None:
        Path(f"{args.go}.ready-{os.getpid()}").touch()
        while not args.go.exists():
            time.sleep(0.01)
    return triage_main(triage_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
