"""Each source's cursor and run figures, in the ``sources`` table.

The cursor is written only by ``save_batch``, which the runner calls after the batch's
mentions are committed. Credentials are never written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from triage.db.schema import SourceRow
from triage.db.store import Store


@dataclass(frozen=True)
class SourceState:
    name: str
    kind: str
    cursor: str | None = None
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_fetched: int = 0
    last_skipped: int = 0
    total_fetched: int = 0
    last_error: str | None = None


def _state(row: SourceRow) -> SourceState:
    return SourceState(
        row.name, row.kind, row.cursor, row.last_run_at, row.last_success_at,
        row.last_fetched or 0, row.last_skipped or 0, row.total_fetched or 0, row.last_error,
    )


def get_state(store: Store, name: str) -> SourceState | None:
    with store.session() as session:
        row = session.get(SourceRow, name)
        return _state(row) if row else None


def all_states(store: Store) -> dict[str, SourceState]:
    with store.session() as session:
        return {row.name: _state(row) for row in session.scalars(select(SourceRow).order_by(SourceRow.name))}


def start_run(store: Store, name: str, kind: str, now: datetime) -> SourceState:
    """Mark a run as started (zeroing this run's counts) and return the state, cursor included.

    A source whose kind changed in the configuration starts over with no cursor: another
    listener's cursor means nothing to it.
    """
    with store.session() as session:
        row = session.get(SourceRow, name, with_for_update=True)
        if row is None:
            row = SourceRow(name=name, kind=kind, total_fetched=0)
            session.add(row)
        elif row.kind != kind:
            row.kind, row.cursor = kind, None
        row.last_run_at = now
        row.last_fetched = 0
        row.last_skipped = 0
        session.flush()
        return _state(row)


def save_batch(store: Store, name: str, cursor: str | None, fetched: int, skipped: int) -> None:
    """Advance the cursor (when the batch has one) and add the batch's counts, in one transaction."""
    with store.session() as session:
        row = session.get(SourceRow, name, with_for_update=True)
        assert row is not None, f"start_run({name!r}) creates the row"
        if cursor is not None:
            row.cursor = cursor
        row.last_fetched = (row.last_fetched or 0) + fetched
        row.last_skipped = (row.last_skipped or 0) + skipped
        row.total_fetched = (row.total_fetched or 0) + fetched


def finish_run(store: Store, name: str, now: datetime, error: str | None) -> None:
    """Record how the run ended: the error (or none), and the time of success."""
    with store.session() as session:
        row = session.get(SourceRow, name)
        assert row is not None, f"start_run({name!r}) creates the row"
        row.last_error = error
        if error is None:
            row.last_success_at = now
