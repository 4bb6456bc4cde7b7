"""Each source's cursor and run figures, in the ``sources`` table.

The cursor is written only by ``save_batch``, which the runner calls after the batch's
mentions are committed. ``finish_run`` records how the run ended as an explicit ``state``
(one of ``STATES``), so nobody has to guess it from the error text. Credentials are never
written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from triage.db.schema import SourceRow
from triage.db.store import Store

OK = "ok"
RATE_LIMITED = "rate_limited"  # the platform's rate limit outlasted the waits allowed; the next run resumes
ERROR = "error"
MISSING_CREDENTIALS = "missing_credentials"  # the source cannot run until a credential is set
MISSING_PACKAGE = "missing_package"  # the listener's platform SDK is not installed
DISABLED_STATES: tuple[str, ...] = (MISSING_CREDENTIALS, MISSING_PACKAGE)
STATES: tuple[str, ...] = (OK, RATE_LIMITED, ERROR, MISSING_CREDENTIALS, MISSING_PACKAGE)


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
    state: str | None = None  # one of STATES; None until a run has finished


def _state(row: SourceRow) -> SourceState:
    return SourceState(
        row.name, row.kind, row.cursor, row.last_run_at, row.last_success_at,
        row.last_fetched or 0, row.last_skipped or 0, row.total_fetched or 0, row.last_error, row.state,
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


def finish_run(store: Store, name: str, now: datetime, error: str | None, state: str | None = None) -> None:
    """Record how the run ended: its state, the error (or none), and the time of success.

    ``state`` defaults to ``OK`` without an error and ``ERROR`` with one.
    """
    state = state or (ERROR if error else OK)
    if state not in STATES:
        raise ValueError(f"unknown source state '{state}'; use one of {', '.join(STATES)}")
    with store.session() as session:
        row = session.get(SourceRow, name)
        assert row is not None, f"start_run({name!r}) creates the row"
        row.last_error = error
        row.state = state
        if error is None:
            row.last_success_at = now
