"""Escalating a mention to a team or a person, and telling them.

``escalate`` moves the mention to ``escalated`` and gives it to the person and/or team (so it
shows in their "Mine"), records the notice under the escalation's own key in the same
transaction, then sends it (``triage.queue.delivery``): an e-mail to the person (an address), or
to the team's members (``[teams]``), and the webhook. A channel that fails never undoes the
escalation: the failure comes back (redacted) for the page to show, and ``python -m triage
alerts`` sends it later. The same escalation is never notified twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triage.access.roles import Who, access_of, as_actor, require
from triage.context import Context
from triage.db.assignments import Assignment, apply_assignment
from triage.db.notifications import Notice, record_notice
from triage.db.schema import MentionRow
from triage.db.transitions import current_row
from triage.errors import MoveRefused, WorkflowConflict
from triage.notify.channels import notify_settings
from triage.queue.delivery import channels_for, deliver
from triage.queue.workflow import ACTIONABLE, refusal

POST_CHARS = 500  # how much of the post a notice quotes


@dataclass(frozen=True)
class Escalation:
    """An escalation stored: its notice, the channels it went through now, and why others did not."""

    mention_id: int
    target: str  # "anna@lumora.example", "team billing", "anna@… (team billing)"
    notice_id: int
    channels: tuple[str, ...]  # the channels the notice goes through (none: nothing configured)
    sent: tuple[str, ...]
    error: str | None = None  # redacted; the notice is retried by `triage alerts`

    @property
    def message(self) -> str:
        """One line for the agent."""
        done = f"Escalated to {self.target}."
        if not self.channels:
            return done + " No notification channel is configured ([notify] in triage.toml): tell them yourself."
        if self.error:
            return done + f" Notifying failed ({self.error}); `triage alerts` will retry it."
        return done + f" Notified by {' and '.join(self.sent)}."


def quoted(text: str, limit: int = POST_CHARS) -> str:
    """Post text for a notice: plain, bounded, with no ``<…>`` that chat webhooks turn into links or @-mentions."""
    text = text.replace("<", "‹").replace(">", "›")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _notice(row: MentionRow, actor: str, target: str, note: str, audit_id: int, at: datetime,
            recipients: tuple[str, ...], channels: tuple[str, ...]) -> Notice:
    subject = f"Escalated to {target}: @{row.author_handle} on {row.channel}"
    body = f"{actor} escalated this mention to {target}: {note}\n\n@{row.author_handle} wrote:\n{quoted(row.text)}"
    fields = {"mention": str(row.id), "channel": row.channel, "priority": str(row.priority),
              "escalated by": actor, "link": row.url or ""}
    return Notice(f"escalation:{audit_id}", "escalation", subject, body, at, channels, row.id,
                  {k: v for k, v in fields.items() if v}, recipients)


def escalate(
    ctx: Context,
    mention_id: int,
    who: Who,
    note: str,
    to_person: str | None = None,
    to_team: str | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Escalate the mention to ``to_person`` and/or ``to_team`` with ``note``, then notify them once.

    Raises ``WorkflowConflict`` for an empty note or no target, or when someone else holds the
    mention; ``ConfigError`` for a team not in ``[teams]``. Never raises for a failed notification.
    """
    actor = as_actor(who)
    require(who, "work_queue")
    if not actor.name:
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    if not note.strip():
        raise WorkflowConflict("say why you escalate (the note is empty)")
    person = to_person.strip() if to_person and to_person.strip() else None
    team = to_team.strip() if to_team and to_team.strip() else None
    if person is None and team is None:
        raise WorkflowConflict("say who should take it: pick a team or name a person")
    recipients: tuple[str, ...] = ()
    if team is not None:
        recipients = access_of(ctx.config).members(team)  # ConfigError naming the known teams
    if person is not None and "@" in person:
        recipients = (person,)
    target = f"team {team}" if person is None else (person if team is None else f"{person} (team {team})")
    at = now or ctx.now()
    channels = channels_for(notify_settings(ctx.config), recipients)
    assignment = Assignment(mention_id, actor.name, "escalate", at, ACTIONABLE, assignee=person, team=team,
                            to_status="escalated", note=f"to {target}: {note.strip()}")
    try:
        with ctx.store.session() as session:
            audit = apply_assignment(session, assignment)
            row = current_row(session, mention_id)
            notice_id = record_notice(session, _notice(row, actor.name, target, note.strip(), audit.id, at,
                                                       recipients, channels))
    except MoveRefused as refused:
        raise refusal(refused, actor.name) from None
    assert notice_id is not None  # the key holds this escalation's new audit id: never taken before
    delivery = deliver(ctx, ids=[notice_id], now=at)
    return Escalation(mention_id, target, notice_id, channels, tuple(delivery.sent.get(notice_id, ())),
                      delivery.failed.get(notice_id))
