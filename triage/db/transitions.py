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

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm import Session

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
        raise MoveRefused(move.action, current.status, current.assignee)
    session.add(AuditRow(mention_id=move.mention_id, actor=move.agent, at=move.at, action=move.action,
                         from_status=from_status, to_status=move.to_status, note=move.note))
    return from_status


def add_reply(session: Session, mention_id: int, agent: str, at: datetime, reply: NewReply) -> int:
    """Store ``reply`` for the mention in ``session``; returns its id."""
    row = ReplyRow(
        mention_id=mention_id, text=reply.text, agent=agent, sent_at=at, posted=reply.posted,
        external_id=reply.external_id, suggestion_source=reply.suggestion_source,
        suggestion_text=reply.suggestion_text, edit_distance=reply.edit_distance,
    )
    session.add(row)
    session.flush()
    return row.id
