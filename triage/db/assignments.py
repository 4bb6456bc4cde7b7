"""Assigning a mention to a person or a team, as the database applies it: one conditional UPDATE
plus its audit row; and the open items per person.

``triage.queue.assignment`` and ``triage.queue.escalation`` decide who may assign what; this
module only applies it atomically. The UPDATE names the statuses the mention may be in and the
holders it may have (nobody, the actor, or the holder the caller saw and means to replace), so
two concurrent assignments or claims never both win: the loser's UPDATE matches no row and
``MoveRefused`` says what the mention is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, case, func, or_, select, update
from sqlalchemy.orm import Session

from triage.db.schema import AuditRow, MentionRow
from triage.db.store import Store
from triage.db.transitions import current_row
from triage.errors import MoveRefused
from triage.records import OPEN_STATUSES


@dataclass(frozen=True)
class Assignment:
    """Give the mention to ``assignee`` and/or ``team`` (``None``: nobody), optionally moving it to ``to_status``.

    ``keep_team``: only the person changes. ``replacing``: the holder the caller saw, which this
    assignment may take the mention from (a lead reassigning); otherwise only an unheld mention or
    one the actor holds can be assigned.
    """

    mention_id: int
    actor: str
    action: str  # the audit trail's action: assign, escalate
    at: datetime
    allowed_from: tuple[str, ...]
    assignee: str | None = None
    team: str | None = None
    keep_team: bool = False
    to_status: str | None = None  # None: the status stays
    replacing: str | None = None
    note: str = ""


def apply_assignment(session: Session, assignment: Assignment) -> AuditRow:
    """Apply ``assignment`` in ``session`` with one conditional UPDATE; returns its audit row (flushed, with
    its id). Raises ``MoveRefused`` when the mention is not in ``allowed_from`` or someone else holds it."""
    before = current_row(session, assignment.mention_id)
    holders = [MentionRow.assignee.is_(None), MentionRow.assignee == assignment.actor]
    if assignment.replacing:
        holders.append(MentionRow.assignee == assignment.replacing)
    values: dict[str, Any] = {"assignee": assignment.assignee, "updated_at": assignment.at}
    if not assignment.keep_team:
        values["team"] = assignment.team
    to_status = assignment.to_status or before.status
    if assignment.to_status is not None:
        values["status"] = assignment.to_status
    elif assignment.assignee is None:  # in progress, given back to nobody: new again
        values["status"] = case((MentionRow.status == "in_progress", "new"), else_=MentionRow.status)
        to_status = "new" if before.status == "in_progress" else before.status
    statement = (
        update(MentionRow)
        .where(MentionRow.id == assignment.mention_id, MentionRow.status.in_(list(assignment.allowed_from)),
               or_(*holders))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", session.execute(statement)).rowcount != 1:
        current = current_row(session, assignment.mention_id)
        raise MoveRefused(assignment.action, current.status, current.assignee, current.sending_by)
    audit = AuditRow(mention_id=assignment.mention_id, actor=assignment.actor, at=assignment.at,
                     action=assignment.action, from_status=before.status,
                     to_status=to_status, note=assignment.note)
    session.add(audit)
    session.flush()
    return audit


def assign_mention(store: Store, assignment: Assignment) -> int:
    """Apply ``assignment`` in its own transaction; returns the id of its audit row."""
    with store.session() as session:
        return apply_assignment(session, assignment).id


@dataclass(frozen=True)
class OpenCounts:
    """Open mentions per person holding them, and per team (only those no person holds yet)."""

    people: list[tuple[str, int]]
    teams: list[tuple[str, int]]


def open_counts(store: Store) -> OpenCounts:
    """Open mentions per assignee and unassigned open mentions per team, largest first (two GROUP BYs)."""
    is_open = MentionRow.status.in_(list(OPEN_STATUSES))
    count = func.count(MentionRow.id)
    with store.session() as session:
        people = session.execute(select(MentionRow.assignee, count).where(is_open, MentionRow.assignee.is_not(None))
                                 .group_by(MentionRow.assignee).order_by(count.desc(), MentionRow.assignee)).tuples()
        teams = session.execute(select(MentionRow.team, count)
                                .where(is_open, MentionRow.assignee.is_(None), MentionRow.team.is_not(None))
                                .group_by(MentionRow.team).order_by(count.desc(), MentionRow.team)).tuples()
        return OpenCounts([(str(p), int(n)) for p, n in people], [(str(t), int(n)) for t, n in teams])


def audit_after(store: Store, mention_id: int, after: datetime) -> list[AuditRow]:
    """The mention's audit rows recorded after ``after``, newest first (what changed since a page drew it)."""
    with store.session() as session:
        query = (select(AuditRow).where(AuditRow.mention_id == mention_id, AuditRow.at > after)
                 .order_by(AuditRow.at.desc(), AuditRow.id.desc()))
        return list(session.scalars(query))
