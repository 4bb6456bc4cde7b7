"""The queries behind incidents (``triage.ranking.incidents``): storing the groups and reading them back.

``regroup_incidents`` reads the recent mentions, asks the caller how to group them and
stores the answer, in one transaction, so a concurrent ingestion never sees half a regroup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update

from triage.db.schema import IncidentRow, MentionRow
from triage.db.store import Store


@dataclass(frozen=True)
class IncidentPlan:
    """One group of mentions to store as an incident: its members (oldest first), key, title and topic."""

    member_ids: Sequence[int]
    key: str
    title: str
    topic: str | None


Planner = Callable[[list[MentionRow]], list[IncidentPlan]]


def regroup_incidents(store: Store, since: datetime, plan: Planner, now: datetime) -> int:
    """Store ``plan``'s groups of the mentions posted since ``since``; returns how many groups.

    A group keeps the incident most of its members already belong to, else the incident
    with its key, else gets a new one. Recent mentions in no group leave their incident.
    """
    with store.session() as session:
        rows = list(session.scalars(
            select(MentionRow).where(MentionRow.created_at >= since).order_by(MentionRow.created_at, MentionRow.id)
        ))
        by_id = {row.id: row for row in rows}
        plans = plan(rows)
        grouped: set[int] = set()
        for group in plans:
            members = [by_id[i] for i in group.member_ids]
            grouped.update(m.id for m in members)
            existing = Counter(m.incident_id for m in members if m.incident_id is not None)
            incident = session.get(IncidentRow, existing.most_common(1)[0][0]) if existing else None
            if incident is None:
                incident = session.scalar(select(IncidentRow).where(IncidentRow.key == group.key))
            if incident is None:
                incident = IncidentRow(key=group.key, created_at=now, updated_at=now)
                session.add(incident)
            incident.title = group.title
            incident.topic = group.topic
            incident.updated_at = now
            session.flush()
            ids = [m.id for m in members if m.incident_id != incident.id]
            if ids:
                session.execute(update(MentionRow).where(MentionRow.id.in_(ids)).values(incident_id=incident.id))
        stale = [r.id for r in rows if r.incident_id is not None and r.id not in grouped]
        if stale:
            session.execute(update(MentionRow).where(MentionRow.id.in_(stale)).values(incident_id=None))
    return len(plans)


def incident_sizes(store: Store) -> dict[int, int]:
    """Members per incident id."""
    with store.session() as session:
        query = (select(MentionRow.incident_id, func.count(MentionRow.id))
                 .where(MentionRow.incident_id.is_not(None)).group_by(MentionRow.incident_id))
        return {int(i): int(n) for i, n in session.execute(query) if i is not None}


def incident_figures(
    store: Store, incident_ids: Iterable[int], open_statuses: Sequence[str], since: datetime
) -> tuple[dict[int, IncidentRow], list[tuple[int, int, int, int, datetime, datetime]]]:
    """The incidents by id, and per incident ``(id, members, open members, members posted since ``since``,
    first post, last post)``: aggregates, not the members."""
    ids = list(incident_ids)
    with store.session() as session:
        incidents = {r.id: r for r in session.scalars(select(IncidentRow).where(IncidentRow.id.in_(ids)))}
        query = (select(MentionRow.incident_id, func.count(MentionRow.id),
                        func.sum(case((MentionRow.status.in_(list(open_statuses)), 1), else_=0)),
                        func.sum(case((MentionRow.created_at >= since, 1), else_=0)),
                        func.min(MentionRow.created_at), func.max(MentionRow.created_at))
                 .where(MentionRow.incident_id.in_(ids)).group_by(MentionRow.incident_id))
        figures = [(int(i), int(n), int(o or 0), int(h or 0), first, last)
                   for i, n, o, h, first, last in session.execute(query).tuples() if i is not None]
    return incidents, figures


def incident_members(store: Store, incident_id: int) -> list[MentionRow]:
    """The incident's mentions, oldest first."""
    with store.session() as session:
        query = (select(MentionRow).where(MentionRow.incident_id == incident_id)
                 .order_by(MentionRow.created_at, MentionRow.id))
        return list(session.scalars(query))
