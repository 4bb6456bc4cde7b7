"""Workflow moves as the database applies them: one conditional UPDATE plus its audit row.

``triage.queue.workflow`` decides which moves exist and what to tell the agent; this module
only applies a move atomically. The UPDATE names the statuses the mention may be in and
requires that no other agent holds it, so two agents can never both hold a post: when the
row no longer matches, nothing is written and ``MoveRefused`` says what the mention is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from triage.db.reply_facts import record_reply
from triage.db.schema import AuditRow, MentionRow, ReplyRow
from triage.errors import MentionNotFound, MoveRefused


@dataclass(frozen=True)
class Move:
    """Move a mention to ``to_status`` if it is in ``allowed_from`` and no other agent holds it."""

    mention_id: int
    agent: str
    action: str  # the audit trail's action: claim, reply, escalate...
    to_status: str
    allowed_from: tuple[str, ...]
    at: datetime
    note: str = ""
    assignee: str | None = None  # who holds the mention afterwards
    first_response: bool = False  # also set ``first_response_at`` to ``at`` when it is still empty


@dataclass(frozen=True)
class NewReply:
    """A reply stored in the same transaction as its move."""

    text: str
    posted: bool = False
    external_id: str | None = None
    suggestion_source: str | None = None
    suggestion_text: str | None = None
    edit_distance: int | None = None


def current_row(session: Session, mention_id: int) -> MentionRow:
    """The mention as the database has it now (not as this session last saw it)."""
    row = session.get(MentionRow, mention_id, populate_existing=True)
    if row is None:
        raise MentionNotFound(f"no mention with id {mention_id}; refresh the queue")
    return row


def apply_move(session: Session, move: Move) -> str:
    """Apply ``move`` in ``session`` with one conditional UPDATE and add its audit row; returns the old status."""
    before = current_row(session, move.mention_id)
    from_status = before.status
    values: dict[str, Any] = {"status": move.to_status, "assignee": move.assignee, "updated_at": move.at}
    if move.first_response:
        values["first_response_at"] = before.first_response_at or move.at
    statement = (
        update(MentionRow)
        .where(
            MentionRow.id == move.mention_id,
            MentionRow.status.in_(list(move.allowed_from)),
            or_(MentionRow.assignee.is_(None), MentionRow.assignee == move.agent),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", session.execute(statement)).rowcount != 1:
        current = current_row(session, move.mention_id)
        raise MoveRefused(move.action, current.status, current.assignee, current.sending_by)
    session.add(AuditRow(mention_id=move.mention_id, actor=move.agent, at=move.at, action=move.action,
                         from_status=from_status, to_status=move.to_status, note=move.note))
    return from_status


def add_reply(session: Session, mention_id: int, agent: str, at: datetime, reply: NewReply) -> int:
    """Store ``reply`` for the mention in ``session``; returns its id."""
    row = ReplyRow(
        mention_id=mention_id, text=reply.text, agent=agent, sent_at=at, posted=reply.posted,
        external_id=reply.external_id, state="posted" if reply.posted else "recorded",
        suggestion_source=reply.suggestion_source,
        suggestion_text=reply.suggestion_text, edit_distance=reply.edit_distance,
    )
    session.add(row)
    session.flush()
    record_reply(session, row.id)
    return row.id


# ---- sending: a lease on the mention while its reply is posted -------------------------------
# ``take_sending`` is the one conditional UPDATE that lets exactly one sender through: the mention
# moves to ``sending`` (``sending_by`` the agent, ``sending_from`` the status it had) and the
# reply is stored ``pending`` with its idempotency key, in one transaction. Only the holder can
# then finish (``finish_sending``: reply ``posted``, mention ``replied``) or give the mention back
# (``fail_sending``: reply ``failed``, mention in its old status). Each of these starts with
# its UPDATE, so on SQLite the transaction waits for the write lock instead of failing on a
# stale read.

SENDING = "sending"
NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class Sending:
    """Take the mention into ``sending`` for ``agent`` if it is in ``allowed_from`` and nobody else holds it."""

    mention_id: int
    agent: str
    at: datetime
    allowed_from: tuple[str, ...]
    idempotency_key: str
    reply: NewReply


@dataclass(frozen=True)
class PendingReply:
    """A reply stored ``pending``: its post may or may not have reached the platform."""

    reply_id: int
    mention_id: int
    agent: str
    text: str
    idempotency_key: str | None
    sent_at: datetime


def _rowcount(session: Session, statement: Any) -> int:
    return int(cast("CursorResult[Any]", session.execute(statement)).rowcount)


def take_sending(session: Session, sending: Sending) -> int:
    """Lease the mention to the sender and store the pending reply; returns the reply's id.

    Raises ``MoveRefused`` when the mention is not in ``allowed_from``, someone else holds it
    (``sender`` set when another send holds it), or the same text was already sent to it
    (``sent_as``: a repeated click).
    """
    same_text = (select(ReplyRow.id)
                 .where(ReplyRow.mention_id == sending.mention_id, ReplyRow.text == sending.reply.text,
                        ReplyRow.state.in_(["pending", "posted", NEEDS_REVIEW])))
    statement = (
        update(MentionRow)
        .where(
            MentionRow.id == sending.mention_id,
            MentionRow.status.in_(list(sending.allowed_from)),
            or_(MentionRow.assignee.is_(None), MentionRow.assignee == sending.agent),
            ~same_text.exists(),  # a repeated click after the first send finished: never the same text twice
        )
        .values(status=SENDING, sending_by=sending.agent, sending_since=sending.at, sending_from=MentionRow.status,
                updated_at=sending.at)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(session, statement) != 1:
        current = current_row(session, sending.mention_id)
        earlier = session.scalar(select(ReplyRow).where(ReplyRow.id.in_(same_text)).limit(1))
        raise MoveRefused("send", current.status, current.assignee, current.sending_by,
                          None if earlier is None else earlier.external_id or "")
    reply = sending.reply
    row = ReplyRow(
        mention_id=sending.mention_id, text=reply.text, agent=sending.agent, sent_at=sending.at, posted=False,
        suggestion_source=reply.suggestion_source, suggestion_text=reply.suggestion_text,
        edit_distance=reply.edit_distance, state="pending", idempotency_key=sending.idempotency_key,
    )
    session.add(row)
    session.flush()
    return row.id


def _holder_matches(mention_id: int, agent: str) -> Any:
    return (MentionRow.id == mention_id, MentionRow.status == SENDING, MentionRow.sending_by == agent)


def finish_sending(session: Session, reply_id: int, external_id: str | None, at: datetime, note: str = "",
                   actor: str | None = None) -> bool:
    """The platform took the reply: mark it ``posted`` (with ``external_id``) and, when the sender still
    holds the mention, mark the mention ``replied`` with its audit row. Returns whether the mention was.

    The reply is marked posted even when the lease was lost meanwhile: it is live on the platform.
    """
    posted = _rowcount(session, update(ReplyRow)
                       .where(ReplyRow.id == reply_id, ReplyRow.state.in_(["pending", NEEDS_REVIEW]))
                       .values(state="posted", posted=True, external_id=external_id, sent_at=at)
                       .execution_options(synchronize_session=False)) == 1
    reply = session.get(ReplyRow, reply_id, populate_existing=True)
    if reply is None:
        return False
    replied = _mark_replied(session, reply, at, note, actor)
    if posted:
        record_reply(session, reply_id)  # after the mention's first response is set
    return replied


def _mark_replied(session: Session, reply: ReplyRow, at: datetime, note: str, actor: str | None) -> bool:
    before = current_row(session, reply.mention_id)
    statement = (
        update(MentionRow).where(*_holder_matches(reply.mention_id, reply.agent))
        .values(status="replied", assignee=reply.agent, sending_by=None, sending_since=None, sending_from=None,
                first_response_at=before.first_response_at or at, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(session, statement) != 1:
        return False
    session.add(AuditRow(mention_id=reply.mention_id, actor=actor or reply.agent, at=at, action="reply",
                         from_status=before.sending_from or before.status, to_status="replied",
                         note=note or reply.text[:200]))
    return True


def fail_sending(session: Session, reply_id: int, error: str, at: datetime) -> None:
    """The platform refused the reply: mark it ``failed`` with ``error`` and give the mention back
    in the status it had (its holder, if any, keeps it). Writes no audit row: nothing happened to the post."""
    session.execute(
        update(ReplyRow).where(ReplyRow.id == reply_id, ReplyRow.state == "pending")
        .values(state="failed", error=error)
        .execution_options(synchronize_session=False)
    )
    reply = session.get(ReplyRow, reply_id, populate_existing=True)
    if reply is None:
        return
    session.execute(_release(reply.mention_id, at, reply.agent))


def _release(mention_id: int, at: datetime, agent: str | None = None) -> Any:
    """The UPDATE that ends a sending lease: the mention goes back to the status it had."""
    where = [MentionRow.id == mention_id, MentionRow.status == SENDING]
    if agent is not None:
        where.append(MentionRow.sending_by == agent)
    return (
        update(MentionRow).where(*where)
        .values(status=func.coalesce(MentionRow.sending_from, "new"), sending_by=None, sending_since=None,
                sending_from=None, updated_at=at)
        .execution_options(synchronize_session=False)
    )


def pending_replies(session: Session, stored_before: datetime) -> list[PendingReply]:
    """Replies still ``pending`` that were stored before ``stored_before``, oldest first."""
    query = (select(ReplyRow).where(ReplyRow.state == "pending", ReplyRow.sent_at < stored_before)
             .order_by(ReplyRow.id))
    return [PendingReply(r.id, r.mention_id, r.agent, r.text, r.idempotency_key, r.sent_at)
            for r in session.scalars(query)]


def flag_for_review(session: Session, reply_id: int, at: datetime, note: str) -> bool:
    """Nobody can tell whether the pending reply went out: mark it ``needs_review`` and put its mention in
    ``needs_review`` (no holder) with an audit row carrying ``note``. Returns whether the reply was pending."""
    marked = _rowcount(session, update(ReplyRow).where(ReplyRow.id == reply_id, ReplyRow.state == "pending")
                       .values(state=NEEDS_REVIEW).execution_options(synchronize_session=False))
    if marked != 1:
        return False
    reply = session.get(ReplyRow, reply_id, populate_existing=True)
    assert reply is not None  # it was just updated in this transaction
    before = current_row(session, reply.mention_id)
    if before.status == SENDING:
        session.execute(
            update(MentionRow).where(MentionRow.id == reply.mention_id, MentionRow.status == SENDING)
            .values(status=NEEDS_REVIEW, assignee=None, sending_by=None, sending_since=None, sending_from=None,
                    updated_at=at)
            .execution_options(synchronize_session=False)
        )
        session.add(AuditRow(mention_id=reply.mention_id, actor="reconcile", at=at, action=NEEDS_REVIEW,
                             from_status=SENDING, to_status=NEEDS_REVIEW, note=note))
    return True


def release_stale_leases(session: Session, taken_before: datetime, at: datetime) -> list[int]:
    """End ``sending`` leases taken before ``taken_before`` that have no pending reply; returns their mention ids.

    Each goes back to the status it had, with an audit row saying why.
    """
    pending = select(ReplyRow.mention_id).where(ReplyRow.state == "pending")
    stale = list(session.execute(
        select(MentionRow.id, MentionRow.sending_by, MentionRow.sending_from)
        .where(MentionRow.status == SENDING, MentionRow.sending_since < taken_before, MentionRow.id.not_in(pending))
        .order_by(MentionRow.id)
    ).tuples())
    released = []
    for mention_id, holder, previous in stale:
        if _rowcount(session, _release(mention_id, at, holder)) == 1:
            session.add(AuditRow(mention_id=mention_id, actor="reconcile", at=at, action="release",
                                 from_status=SENDING, to_status=previous or "new",
                                 note=f"{holder}'s send never finished and left no pending reply; released"))
            released.append(mention_id)
    return released
