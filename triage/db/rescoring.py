"""The queries behind the incremental priority refresh (``triage.ranking.refresh``).

A mention's ``rescore_at`` says when its stored priority goes stale; ``RESCORE_NOW`` marks
it for the next refresh. These functions mark mentions, list the due ones, and read the
few facts their scores need (the authors' open mentions, incident figures). Every write
runs in short transactions of at most ``WRITE_CHUNK`` rows or one id range.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update

from triage.db.schema import RESCORE_NOW, AuditRow, MentionRow, MetaRow
from triage.db.store import _BATCH, Store
from triage.records import OPEN_STATUSES

_ID_RANGE = 5000  # ids per UPDATE when marking every open mention


def mark_audited(store: Store, after_audit_id: int, meta_key: str) -> None:
    """Mark the mentions with audit rows after ``after_audit_id`` (status changes, not spam) for rescoring,
    with the other members of their incidents (the incident's unanswered load changed), and remember the
    newest audit row in ``meta_key``, in one transaction."""
    with store.session() as session:
        newest = int(session.scalar(select(func.max(AuditRow.id))) or 0)
        if newest == after_audit_id:
            return
        audited = select(AuditRow.mention_id).where(AuditRow.id > after_audit_id, AuditRow.id <= newest)
        session.execute(update(MentionRow).where(MentionRow.id.in_(audited)).values(rescore_at=RESCORE_NOW))
        incidents = (select(MentionRow.incident_id)
                     .where(MentionRow.id.in_(audited), MentionRow.incident_id.is_not(None)).distinct())
        session.execute(update(MentionRow).where(MentionRow.incident_id.in_(incidents))
                        .values(rescore_at=RESCORE_NOW))
        row = session.get(MetaRow, meta_key)
        if row is None:
            session.add(MetaRow(key=meta_key, value=str(newest)))
        else:
            row.value = str(newest)


def mark_open(store: Store) -> None:
    """Mark every open mention for rescoring (the weights changed), one id range per transaction."""
    with store.session() as session:
        low, high = session.execute(select(func.min(MentionRow.id), func.max(MentionRow.id))).one()
    if low is None:
        return
    for start in range(int(low), int(high) + 1, _ID_RANGE):
        with store.session() as session:
            session.execute(update(MentionRow).where(
                MentionRow.id >= start, MentionRow.id < start + _ID_RANGE,
                MentionRow.status.in_(list(OPEN_STATUSES)),
            ).values(rescore_at=RESCORE_NOW))


def mark_incidents(store: Store, incident_ids: Iterable[int], except_ids: Collection[int] = ()) -> None:
    """Mark the members of these incidents for rescoring (their incident's size or load changed), but for
    ``except_ids`` (just rescored)."""
    ids = sorted(set(incident_ids))
    for start in range(0, len(ids), _BATCH):
        with store.session() as session:
            statement = update(MentionRow).where(MentionRow.incident_id.in_(ids[start : start + _BATCH]))
            if except_ids:
                statement = statement.where(MentionRow.id.not_in(list(except_ids)))
            session.execute(statement.values(rescore_at=RESCORE_NOW))


def due(store: Store, now: datetime, limit: int | None = None) -> list[int]:
    """Ids of the mentions whose stored priority is stale at ``now``, marked ones first."""
    query = (select(MentionRow.id).where(MentionRow.rescore_at <= now)
             .order_by(MentionRow.rescore_at, MentionRow.id))
    if limit is not None:
        query = query.limit(limit)
    with store.session() as session:
        return list(session.scalars(query))


def open_of_authors(
    store: Store, keys: Iterable[tuple[str, str]]
) -> list[tuple[int, str, str, datetime]]:
    """``(id, channel, author_handle, created_at)`` of the open mentions of each (channel, author)."""
    by_channel: dict[str, list[str]] = {}
    for channel, handle in set(keys):
        by_channel.setdefault(channel, []).append(handle)
    found: list[tuple[int, str, str, datetime]] = []
    columns = (MentionRow.id, MentionRow.channel, MentionRow.author_handle, MentionRow.created_at)
    with store.session() as session:
        for channel, handles in by_channel.items():
            for start in range(0, len(handles), _BATCH):
                query = select(*columns).where(
                    MentionRow.channel == channel, MentionRow.author_handle.in_(handles[start : start + _BATCH]),
                    MentionRow.status.in_(list(OPEN_STATUSES)),
                )
                found.extend((int(i), c, h, t) for i, c, h, t in session.execute(query).tuples())
    return found


@dataclass(frozen=True)
class IncidentFigures:
    """An incident's members, and its unanswered ones (open, no first response) with their summed urgency."""

    size: int
    unanswered: int
    urgency: float


def incident_figures(store: Store, incident_ids: Iterable[int], leaving_out: Collection[int] = ()
                     ) -> dict[int, IncidentFigures]:
    """Each incident's figures (one GROUP BY per chunk); the unanswered count and urgency leave out the
    mentions ``leaving_out`` (the caller adds those with their fresh urgency), the size counts every member."""
    ids = sorted(set(incident_ids))
    left_out = list(leaving_out)
    unanswered = (MentionRow.status.in_(list(OPEN_STATUSES)) & MentionRow.first_response_at.is_(None))
    if left_out:
        unanswered = unanswered & MentionRow.id.not_in(left_out)
    found: dict[int, IncidentFigures] = {}
    with store.session() as session:
        for start in range(0, len(ids), _BATCH):
            query = (select(MentionRow.incident_id, func.count(MentionRow.id),
                            func.sum(case((unanswered, 1), else_=0)),
                            func.sum(case((unanswered, func.coalesce(MentionRow.urgency, 0.0)), else_=0.0)))
                     .where(MentionRow.incident_id.in_(ids[start : start + _BATCH])).group_by(MentionRow.incident_id))
            found.update({int(i): IncidentFigures(int(n), int(u or 0), float(s or 0.0))
                          for i, n, u, s in session.execute(query).tuples() if i is not None})
    return found
