"""Pages of the queue by keyset: where each page read so far starts, so the next one is a seek.

``QueuePages`` belongs to one filter and page size (the dashboard keeps one per session and
starts over when either changes). Page N starts after page N-1's last line: reading a page
remembers where the next one starts, so paging forward, back or to any page read before is
one seek (``triage.db.queue_view.queue_page``). A page no cursor is known for (a direct jump)
is reached by walking the keys from the nearest known page (``skip``), at most
``JUMP_BOUND`` lines per read: a farther jump lands on the farthest page that walk reaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.db.queue_view import JUMP_BOUND, QueueCursor, queue_page, skip
from triage.db.schema import MentionRow
from triage.db.store import QueueFilter, Store


@dataclass
class PageRead:
    """The page shown (``number``: the one asked for, or the farthest a bounded jump reached) and its rows."""

    number: int
    rows: list[MentionRow]


@dataclass
class QueuePages:
    """Where the pages of one filter and page size start (page -> cursor it starts after; page 1: None)."""

    size: int
    starts: dict[int, QueueCursor | None] = field(default_factory=lambda: {1: None})

    def read(self, store: Store, flt: QueueFilter, number: int) -> PageRead:
        """Page ``number`` (from 1): a seek when its start is known, else a bounded walk, then a seek."""
        number = max(1, number)
        known = max(page for page in self.starts if page <= number)
        after = self.starts[known]
        if known < number:
            pages = min(number - known, max(1, JUMP_BOUND // self.size))
            cursor = skip(store, flt, after, pages * self.size)
            if cursor is None:  # the queue ends before that page
                return PageRead(number, [])
            number, after = known + pages, cursor
            self.starts[number] = after
        rows = queue_page(store, flt, limit=self.size, after=after)
        if len(rows) == self.size:
            self.starts[number + 1] = QueueCursor.of(rows[-1])
        return PageRead(number, rows)
