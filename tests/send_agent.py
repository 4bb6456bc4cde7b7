"""One agent in its own process, clicking Send on mentions: for the exactly-once sending tests.

Run as ``python tests/send_agent.py --db URL --config TOML --agent NAME --go FILE [--clicks N] ID...``
with ``tests/`` and the repository on ``PYTHONPATH``. The configuration names the platform's
listener through ``[listeners] modules`` (``tests/fake_platform.py``). The agent prints
``ready``, waits until the file ``--go`` exists (so every agent starts at once), then sends
the same reply (``TEXT``) to each mention, ``--clicks`` times at once (a double click is 2), and prints
one JSON line per click: ``{"agent", "mention", "outcome": "posted" | "refused" | "failed", "message"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from triage.context import open_context
from triage.errors import SendingError, WorkflowConflict
from triage.replies.sending import send_reply

TEXT = "Sorry about that, we are on it. ^GB"  # every agent's reply


def click(ctx, mention_id: int, agent: str, lines: list[dict]) -> None:  # type: ignore[no-untyped-def]
    try:
        result = send_reply(ctx, mention_id, agent, TEXT)
        outcome, message = ("posted" if result.posted else "recorded"), result.message
    except WorkflowConflict as exc:
        outcome, message = "refused", str(exc)
    except SendingError as exc:
        outcome, message = "failed", str(exc)
    lines.append({"agent": agent, "mention": mention_id, "outcome": outcome, "message": message})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--go", required=True)
    parser.add_argument("--clicks", type=int, default=1)
    parser.add_argument("ids", nargs="+", type=int)
    args = parser.parse_args()
    ctx = open_context(args.db, args.config)
    assert ctx.config.sources  # read (and register the listener module) before the start
    print("ready", flush=True)
    go = Path(args.go)
    while not go.exists():
        time.sleep(0.01)
    for mention_id in args.ids:
        lines: list[dict] = []
        clicks = [threading.Thread(target=click, args=(ctx, mention_id, args.agent, lines))
                  for _ in range(args.clicks)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        for line in lines:
            print(json.dumps(line), flush=True)
    ctx.store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
