"""A stop request shared by the long-running commands (``listen --every``, ``worker``): set by Ctrl-C."""

from __future__ import annotations

import time


class StopFlag:
    """Set by Ctrl-C (or a test) to stop after the current batch is committed; its sleep wakes up early."""

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + max(0.0, seconds)
        while not self.requested:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(0.2, remaining))
