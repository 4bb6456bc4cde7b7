"""The notifications table: each notice recorded once under its key, and sent through each channel once.

``record_notice`` inserts a notice unless its key is already there (an escalation's audit id,
an SLA breach's mention id, a spike's window), so running the checks again records nothing
new. A sender takes a due notice with one conditional UPDATE (``claim_notice``: nobody else
holds it, or their hold expired), sends it through the channels still ``pending``, crosses
each off as it goes (``channel_sent``), and lets go (``release_notice``, with the error when a
channel failed: it is tried again on the next run).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db.schema import MentionRow, NotificationRow
from triage.db.store import Store
from triage.records import OPEN_STATUSES


@dataclass(frozen=True)
class Notice:
    """A notice to record: ``channels`` it goes through ("email", "webhook"); none: nothing to send."""

    key: str
    kind: str  # escalation, sla, spike
    subject: str
    body: str
    at: datetime
    channels: tuple[str, ...]
    mention_id: int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    recipients: tuple[str, ...] = ()  # e-mail addresses; empty: [notify] email_to


def record_notice(session: Session, notice: Notice) -> int | None:
    """Insert ``notice`` in ``session`` unless its key is taken; its id, or None when it was already there."""
    if session.scalar(select(NotificationRow.id).where(NotificationRow.key == notice.key)) is not None:
        return None
    channels = ",".join(notice.channels)
    row = NotificationRow(key=notice.key, kind=notice.kind, mention_id=notice.mention_id, subject=notice.subject,
                          body=notice.body, fields=dict(notice.fields), recipients=list(notice.recipients),
                          channels=channels, pending=channels, created_at=notice.at,
                          sent_at=None if channels else notice.at, attempts=0)
    try:
        with session.begin_nested():  # a concurrent run recorded the same key first: keep the outer transaction
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def record_notices(store: Store, notices: Sequence[Notice]) -> list[Notice]:
    """Record each of ``notices`` whose key is new (one transaction); those recorded."""
    with store.session() as session:
        return [notice for notice in notices if record_notice(session, notice) is not None]


def recorded_keys(store: Store, keys: Collection[str]) -> set[str]:
    """Which of ``keys`` are already recorded."""
    if not keys:
        return set()
    with store.session() as session:
        return set(session.scalars(select(NotificationRow.key).where(NotificationRow.key.in_(list(keys)))))


def due_notices(store: Store, now: datetime, ids: Collection[int] | None = None, limit: int = 200) -> list[int]:
    """Notices still to send (some channel pending) that nobody holds now, oldest first."""
    query = (select(NotificationRow.id)
             .where(NotificationRow.sent_at.is_(None),
                    or_(NotificationRow.claimed_until.is_(None), NotificationRow.claimed_until < now))
             .order_by(NotificationRow.id).limit(limit))
    if ids is not None:
        query = query.where(NotificationRow.id.in_(list(ids)))
    with store.session() as session:
        return list(session.scalars(query))


def claim_notice(store: Store, notice_id: int, now: datetime, until: datetime) -> NotificationRow | None:
    """Hold the notice until ``until`` (one conditional UPDATE); the row, or None when it is sent or held."""
    statement = (
        update(NotificationRow)
        .where(NotificationRow.id == notice_id, NotificationRow.sent_at.is_(None),
               or_(NotificationRow.claimed_until.is_(None), NotificationRow.claimed_until < now))
        .values(claimed_until=until, attempts=NotificationRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    with store.session() as session:
        if cast("CursorResult[Any]", session.execute(statement)).rowcount != 1:
            return None
        return session.get(NotificationRow, notice_id, populate_existing=True)


def channel_sent(store: Store, notice_id: int, channel: str, now: datetime) -> None:
    """Cross ``channel`` off the notice's pending channels; the notice is sent once none is left."""
    with store.session() as session:
        row = session.get(NotificationRow, notice_id, populate_existing=True, with_for_update=True)
        if row is None:
            return
        left = [c for c in row.pending.split(",") if c and c != channel]
        row.pending = ",".join(left)
        if not left:
            row.sent_at, row.claimed_until, row.last_error = now, None, None


def release_notice(store: Store, notice_id: int, error: str | None) -> None:
    """Let go of the notice; ``error`` (already redacted) says why a channel failed, for the next try."""
    with store.session() as session:
        session.execute(update(NotificationRow).where(NotificationRow.id == notice_id)
                        .values(claimed_until=None, last_error=error).execution_options(synchronize_session=False))


def notices(store: Store, mention_id: int | None = None, kind: str | None = None) -> list[NotificationRow]:
    """Recorded notices, oldest first (of one mention, of one kind)."""
    query = select(NotificationRow).order_by(NotificationRow.id)
    if mention_id is not None:
        query = query.where(NotificationRow.mention_id == mention_id)
    if kind is not None:
        query = query.where(NotificationRow.kind == kind)
    with store.session() as session:
        return list(session.scalars(query))


def _waiting_complaint() -> list[ColumnElement[bool]]:
    """Open complaints nobody has answered yet."""
    return [MentionRow.status.in_(list(OPEN_STATUSES)), MentionRow.intent == "complaint",
            MentionRow.first_response_at.is_(None)]


def waiting_channels(store: Store) -> list[str]:
    """The channels that have open, unanswered complaints (a GROUP BY)."""
    with store.session() as session:
        return list(session.scalars(select(MentionRow.channel).where(*_waiting_complaint())
                                    .group_by(MentionRow.channel)))


def unalerted_breaches(store: Store, posted_before: Mapping[str, datetime], limit: int) -> list[MentionRow]:
    """Open, unanswered complaints posted before their channel's cutoff in ``posted_before`` that have no
    SLA notice yet; highest priority first, at most ``limit``."""
    if not posted_before:
        return []
    late = or_(*(and_(MentionRow.channel == channel, MentionRow.created_at < cutoff)
                 for channel, cutoff in posted_before.items()))
    alerted = select(NotificationRow.id).where(NotificationRow.kind == "sla",
                                               NotificationRow.mention_id == MentionRow.id)
    query = (select(MentionRow).where(*_waiting_complaint(), late, ~alerted.exists())
             .order_by(MentionRow.priority.desc(), MentionRow.created_at, MentionRow.id).limit(limit))
    with store.session() as session:
        return list(session.scalars(query))
