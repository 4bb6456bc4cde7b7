"""A listener that kills its own process once, to test crash safety of ``python -m triage listen``.

Loaded only by tests, through the documented ``[listeners] modules`` key of ``triage.toml``
(with ``tests/`` on ``PYTHONPATH``). Source keys:

- ``total``, ``page_size``: how many posts (``post-0``...) and how many per batch;
- ``crash_at_batch``: the batch (1-based) whose storing is interrupted;
- ``crash_when``: ``before_commit`` (the process dies while the batch's transaction is open)
  or ``after_commit`` (it dies right after the mentions are committed, before the cursor is);
- ``marker``: a file created when it crashes; while it exists, the listener does not crash again.

The crash is a real ``os._exit`` inside SQLAlchemy's commit events of the very transaction
that stores the batch: nothing is flushed, no handler runs, like a kill -9 at that instant.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from listeners.base import Batch, Listener
from triage.records import Author, Mention

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
EXIT_CODE = 137


def _die_at_next(moment: str) -> None:
    def die(_session: Session) -> None:
        os._exit(EXIT_CODE)

    event.listen(Session, moment, die)


class CrashingListener(Listener):
    kind = "crash_test"

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        total, size = int(self.config["total"]), int(self.config["page_size"])
        marker = Path(self.config["marker"])
        offset = int(cursor or 0)
        batch = 0
        while offset < total:
            batch += 1
            end = min(total, offset + size)
            mentions = [
                Mention(channel="crashtest", external_id=f"post-{i}", text=f"crash test post {i}: internet down",
                        author=Author(f"user{i}"), created_at=T0 + timedelta(minutes=i))
                for i in range(offset, end)
            ]
            if batch == int(self.config["crash_at_batch"]) and not marker.exists():
                marker.write_text(f"crashed storing batch {batch} (posts {offset}-{end - 1})\n", encoding="utf-8")
                _die_at_next(self.config["crash_when"])
            yield Batch(mentions, str(end))
            offset = end
