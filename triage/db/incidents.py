"""The queries behind incidents (``triage.ranking.incidents``): storing the groups and reading them back.

``fresh_mentions`` lists the classified mentions not grouped yet, ``posted_between`` the
complaints around them, ``join_incidents`` stores the groups the caller found (one short
transaction per group), ``incident_figures`` sums an incident up for the queue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, or_, select, update

from triage.db.schema import IncidentRow, MentionRow, MetaRow
from triage.db.store import Store


@dataclass(frozen=True)
class IncidentPlan:
    """One group of mentions to store as an incident: its members (oldest first), key, title and topic."""

    member_ids: Sequence[int]
    key: str
    title: str
    topic: str | None


@dataclass(frozen=True)
class FreshMentions:
    """The classified mentions not grouped yet, and the id up to which every mention is now handled."""

    rows: list[MentionRow]
    through_id: int


_FRESH_LIMIT = 5000  # fresh mentions taken per call at most (the rest: next call)


def fresh_mentions(store: Store, meta_key: str) -> FreshMentions:
    """Mentions after the id stored in ``meta_key`` that are classified, up to the first one that is not."""
    with store.session() as session:
        meta = session.get(MetaRow, meta_key)
        after = int(meta.value) if meta else 0
        pending = session.scalar(select(func.min(MentionRow.id))
                                 .where(MentionRow.id > after, MentionRow.sentiment.is_(None)))
        query = select(MentionRow).where(MentionRow.id > after).order_by(MentionRow.id).limit(_FRESH_LIMIT)
        if pending is not None:
            query = query.where(MentionRow.id < pending)
        rows = list(session.scalars(query))
    return FreshMentions(rows, rows[-1].id if rows else after)


def set_assigned(store: Store, meta_key: str, through_id: int) -> None:
    """Remember that every mention up to ``through_id`` has its incident."""
    with store.session() as session:
        meta = session.get(MetaRow, meta_key)
        if meta is None:
            session.add(MetaRow(key=meta_key, value=str(through_id)))
        elif int(meta.value) != through_id:
            meta.value = str(through_id)


def complaints_between(store: Store, since: datetime, until: datetime) -> list[MentionRow]:
    """The mentions posted between ``since`` and ``until`` (both included) that may be complaints (stored
    intent complaint or none, or spam an agent marked not spam), oldest first."""
    maybe = or_(MentionRow.intent == "complaint", MentionRow.intent.is_(None),
                and_(MentionRow.intent == "spam", MentionRow.not_spam.is_(True)))
    query = (select(MentionRow).where(MentionRow.created_at >= since, MentionRow.created_at <= until, maybe)
             .order_by(MentionRow.created_at, MentionRow.id))
    with store.session() as session:
        return list(session.scalars(query))


def join_incidents(store: Store, plans: Sequence[IncidentPlan], now: datetime) -> set[int]:
    """Store each group: it joins the incident most of its members belong to (else the one with its key,
    else a new one), and the other incidents it touches merge into that one. One transaction per group;
    returns the ids of the incidents whose members changed."""
    changed: set[int] = set()
    for group in plans:
        with store.session() as session:
            members = list(session.scalars(select(MentionRow).where(MentionRow.id.in_(list(group.member_ids)))))
            existing = Counter(m.incident_id for m in members if m.incident_id is not None)
            incident = session.get(IncidentRow, existing.most_common(1)[0][0]) if existing else None
            if incident is None:
                incident = session.scalar(select(IncidentRow).where(IncidentRow.key == group.key))
            if incident is None:
                incident = IncidentRow(key=group.key, title=group.title, topic=group.topic, created_at=now,
                                       updated_at=now)
                session.add(incident)
            incident.updated_at = now
            session.flush()
            merged = [i for i in existing if i != incident.id]
            ids = [m.id for m in members if m.incident_id != incident.id]
            if merged:
                session.execute(update(MentionRow).where(MentionRow.incident_id.in_(merged))
                                .values(incident_id=incident.id))
            if ids:
                session.execute(update(MentionRow).where(MentionRow.id.in_(ids)).values(incident_id=incident.id))
            if ids or merged:
                changed.add(incident.id)
    return changed


def incidents_since(store: Store, since: datetime) -> int:
    """How many incidents the mentions posted since ``since`` belong to."""
    query = (select(func.count(distinct(MentionRow.incident_id)))
             .where(MentionRow.created_at >= since, MentionRow.incident_id.is_not(None)))
    with store.session() as session:
        return int(session.scalar(query) or 0)


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
