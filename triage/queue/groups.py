"""Answering an incident at once: one reply for every open post in the group.

``reply_to_incident`` answers each open member through ``triage.queue.workflow.reply``
(its own reply record and audit row) and lists the members it skipped, with why;
``answer_group`` is the dashboard's action: the same, but a reply that reached no post is
a ``WorkflowConflict`` saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from triage.access.roles import Who, name_of, require
from triage.db.store import Store
from triage.errors import MentionNotFound, TriageError, WorkflowConflict
from triage.queue import workflow
from triage.ranking.incidents import members
from triage.records import OPEN_STATUSES


@dataclass
class GroupReply:
    replied: list[int] = field(default_factory=list)  # reply ids, one per answered member
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (mention id, why)


def reply_to_incident(
    store: Store, incident_id: int, who: Who, text: str, now: datetime | None = None,
    suggestion_source: str | None = None, suggestion_text: str | None = None,
) -> GroupReply:
    """Answer every open member of the incident with ``text``: one reply record and audit row each.

    Members another agent holds, or that closed meanwhile, are skipped and listed with why.
    ``who`` must be a lead or above (``answer_group``), or the local operator's plain name.
    """
    who = require(who, "answer_group")
    agent = name_of(who)
    if not text.strip():
        raise WorkflowConflict("the reply is empty; write something before sending")
    group = members(store, incident_id)
    if not group:
        raise MentionNotFound(f"no incident with id {incident_id}; refresh the queue")
    result = GroupReply()
    for member in group:
        if member.status not in OPEN_STATUSES:
            continue
        try:
            result.replied.append(workflow.reply(
                store, member.id, who, text, now=now,
                suggestion_source=suggestion_source, suggestion_text=suggestion_text,
            ))
        except TriageError as exc:
            if not agent.strip():
                raise
            result.skipped.append((member.id, str(exc)))
    return result


def answer_group(store: Store, incident_id: int, who: Who, text: str, now: datetime | None = None) -> GroupReply:
    """``reply_to_incident``, where a reply that reached no open post is a ``WorkflowConflict`` naming why."""
    result = reply_to_incident(store, incident_id, who, text, now=now)
    if not result.replied:
        raise WorkflowConflict("no open post in this incident could be answered; "
                               + "; ".join(why for _, why in result.skipped[:2]))
    return result
