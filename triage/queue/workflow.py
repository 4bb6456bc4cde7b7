"""What agents do to a mention: claim, reply, ignore, release, reopen, close.

Escalating (to a team or a person, with its notice) is ``triage.queue.escalation.escalate``.

Each action is one transaction: a conditional UPDATE (so two agents can never both
hold a post) plus an audit row saying who moved it from which status to which.

Every action takes ``who``: the signed-in ``Actor`` (``triage.access.roles``), whose role must
allow ``work_queue`` (``AccessDenied`` otherwise) and whose name (the e-mail address) the audit
trail records; or a plain name, the local trusted operator (command line, single-user dashboard).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from triage.access.roles import Who, name_of, require
from triage.db.store import Store
from triage.db.transitions import SENDING, Move, NewReply, Sending
from triage.errors import MoveRefused, WorkflowConflict
from triage.records import utcnow

# The statuses an agent acts from. ``needs_review`` (a crash left a reply unsure, see
# ``triage.replies.reconcile``) is one: the agent checks the platform, then closes or answers it.
# ``sending`` is not: while a reply is being posted, only its sender's send may finish it.
ACTIONABLE: tuple[str, ...] = ("new", "in_progress", "escalated", "needs_review")
REPLYABLE: tuple[str, ...] = ACTIONABLE + ("replied",)


def refusal(refused: MoveRefused, agent: str) -> WorkflowConflict:
    """What to tell ``agent`` when a move or a send was refused."""
    if refused.status == SENDING:
        return WorkflowConflict(f"already being sent by {refused.sender or 'another agent'}; "
                                "wait for it, then refresh the queue")
    if refused.sent_as is not None:
        where = f" (id {refused.sent_as})" if refused.sent_as else ""
        return WorkflowConflict(f"this reply was already sent to this mention{where}; nothing was posted again")
    if refused.assignee and refused.assignee != agent:
        return WorkflowConflict(f"{refused.assignee} is already working on this mention; pick another one")
    return WorkflowConflict(f"cannot {refused.action} a mention that is {refused.status}")


def _transition(
    store: Store,
    mention_id: int,
    who: Who,
    action: str,
    to_status: str,
    allowed_from: Sequence[str],
    note: str = "",
    now: datetime | None = None,
    assignee: str | None = None,
    first_response: bool = False,
    reply: NewReply | None = None,
) -> int | None:
    """Move the mention if it is in ``allowed_from`` and not held by another agent (one atomic
    conditional UPDATE, see ``Store.move``); returns the id of ``reply`` when one is stored with it."""
    agent = name_of(require(who, "work_queue"))
    if not agent.strip():
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    move = Move(mention_id, agent, action, to_status, tuple(allowed_from), now or utcnow(), note, assignee,
                first_response)
    try:
        return store.move(move, reply)
    except MoveRefused as refused:
        raise refusal(refused, agent) from None


def claim(store: Store, mention_id: int, who: Who, now: datetime | None = None) -> None:
    """Take the mention: it becomes ``in_progress`` and no other agent can act on it."""
    _transition(store, mention_id, who, "claim", "in_progress", ACTIONABLE, now=now, assignee=name_of(who))


def release(store: Store, mention_id: int, who: Who, now: datetime | None = None) -> None:
    """Give a claimed mention back to the queue."""
    _transition(store, mention_id, who, "release", "new", ("in_progress",), now=now, assignee=None)


def reply(
    store: Store,
    mention_id: int,
    who: Who,
    text: str,
    now: datetime | None = None,
    posted: bool = False,
    external_id: str | None = None,
    suggestion_source: str | None = None,
    suggestion_text: str | None = None,
) -> int:
    """Record a reply (posted through the channel, or sent elsewhere and marked replied).

    ``suggestion_source``/``suggestion_text`` name the draft the agent started from; the
    edit distance between it and what was sent is stored with the reply.
    Sets the first response time on the first reply. Returns the reply's id.
    """
    if not text.strip():
        raise WorkflowConflict("the reply is empty; write something before sending")
    action = "reply" if posted else "mark_replied"
    stored = NewReply(text, posted, external_id, suggestion_source, suggestion_text,
                      edit_distance(suggestion_text, text) if suggestion_text is not None else None)
    reply_id = _transition(store, mention_id, who, action, "replied", REPLYABLE, note=text[:200],
                           now=now, assignee=name_of(who), first_response=True, reply=stored)
    return cast(int, reply_id)


def start_sending(
    store: Store,
    mention_id: int,
    who: Who,
    text: str,
    idempotency_key: str,
    now: datetime | None = None,
    suggestion_source: str | None = None,
    suggestion_text: str | None = None,
) -> int:
    """Take the mention for posting ``text`` (status ``sending``, held by ``who``) and store the reply
    ``pending`` under ``idempotency_key``; returns the reply's id.

    One conditional UPDATE: it succeeds for one sender only, from the statuses a reply may come
    from, whether or not the agent claimed the mention first. A second click or a second agent
    gets a ``WorkflowConflict`` ("already being sent by ...").
    """
    agent = name_of(require(who, "work_queue"))
    if not agent.strip():
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    if not text.strip():
        raise WorkflowConflict("the reply is empty; write something before sending")
    reply = NewReply(text, False, None, suggestion_source, suggestion_text,
                     edit_distance(suggestion_text, text) if suggestion_text is not None else None)
    try:
        return store.take_sending(Sending(mention_id, agent, now or utcnow(), REPLYABLE, idempotency_key, reply))
    except MoveRefused as refused:
        raise refusal(refused, agent) from None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (characters inserted, deleted or replaced to turn ``a`` into ``b``)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def ignore(store: Store, mention_id: int, who: Who, reason: str, now: datetime | None = None) -> None:
    """Decide the mention needs no answer; the reason is kept in the audit trail."""
    if not reason.strip():
        raise WorkflowConflict("give a reason to ignore this mention")
    _transition(store, mention_id, who, "ignore", "ignored", ACTIONABLE, note=reason, now=now, assignee=None)


def close(store: Store, mention_id: int, who: Who, note: str = "", now: datetime | None = None) -> None:
    """Mark the conversation finished."""
    _transition(store, mention_id, who, "close", "closed", REPLYABLE, note=note, now=now,
                assignee=None)


def reopen(store: Store, mention_id: int, who: Who, note: str = "", now: datetime | None = None) -> None:
    """Put an ignored, replied or closed mention back in the queue."""
    _transition(store, mention_id, who, "reopen", "new", ("ignored", "replied", "closed"), note=note, now=now,
                assignee=None)
