"""The one interface every listener implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from triage.records import Mention


@dataclass
class Batch:
    """Mentions fetched together, and the cursor that is valid once they are stored.

    The caller stores ``mentions`` first and only then saves ``cursor``: a crash between
    the two refetches the batch, and the store's upsert makes that harmless.
    """

    mentions: list[Mention]
    cursor: str | None
    skipped: list[str] = field(default_factory=list)  # one line per malformed item


class Listener(ABC):
    """Fetches mentions from one source, resuming from the cursor it returned last time."""

    kind: str = ""

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        self.name = name
        self.config = config

    @abstractmethod
    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        """Yield batches of mentions newer than ``cursor``, each with the cursor after it."""
