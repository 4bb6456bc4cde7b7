"""Settling replies a crash left half-sent: looked up on the platform, or flagged for a person.

``send_reply`` stores a reply ``pending`` before posting it and marks it ``posted`` after.
A crash (kill -9, power loss) in between leaves it ``pending`` with its mention in
``sending``. ``reconcile_pending`` runs at every start (``python -m triage reconcile``, the
dashboard, ``listen``) and settles each pending reply older than ``grace`` (younger ones
may still be on their way in another process):

- the channel's listener finds our reply on the platform (``Listener.find_reply``, optional):
  the reply is marked ``posted`` with its platform id and the mention ``replied``;
- otherwise (not found, no lookup, the lookup failed, no source posts on the channel any
  more): the reply and the mention become ``needs_review`` with an audit note; a person
  checks the platform. A reply is never posted again on a guess.

A ``sending`` lease older than ``grace`` with no pending reply is released.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from listeners import registry
from listeners.base import Listener
from triage.context import Context
from triage.db.transitions import PendingReply
from triage.replies.sending import reply_source, reply_target

GRACE = timedelta(minutes=5)  # a pending reply this old is no longer on its way


@dataclass
class Reconciled:
    """What ``reconcile_pending`` did: reply ids found posted or flagged, mention ids whose lease it released."""

    posted: list[tuple[int, str]] = field(default_factory=list)  # (reply id, platform id)
    flagged: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per settled reply or lease, for the command line."""
        out = [f"reply {reply_id}: found on the platform (id {external_id}); marked posted"
               for reply_id, external_id in self.posted]
        out += [f"reply {reply_id}: unknown whether it was posted; its mention needs review"
                for reply_id in self.flagged]
        out += [f"mention {mention_id}: stale sending lease released" for mention_id in self.released]
        return out or ["nothing to reconcile"]


def _lookup(ctx: Context, pending: PendingReply) -> tuple[str | None, str]:
    """The platform id of the pending reply if the channel's listener finds it; else None and why not."""
    row = ctx.store.get(pending.mention_id)
    try:
        source = reply_source(ctx.config, row.channel)
        if source is None:
            return None, f"no source posts on {row.channel} now, so it could not be looked up"
        listener: Listener = registry.kept(source.kind, source.name, source.options, ctx.secrets)
        found = listener.find_reply(reply_target(row), pending.idempotency_key or "", pending.text)
    except Exception as exc:  # the lookup is best effort: a failure (a broken triage.toml too) flags the reply
        return None, f"looking it up on {row.channel} failed ({type(exc).__name__}: {exc})"
    if found is None:
        return None, f"{row.channel} did not show it (or cannot be searched)"
    return str(found), ""


def reconcile_pending(ctx: Context, grace: timedelta = GRACE) -> Reconciled:
    """Settle the replies left ``pending`` longer than ``grace`` and release stale ``sending`` leases."""
    store, now = ctx.store, ctx.now()
    result = Reconciled()
    for pending in store.pending_replies(now - grace):
        external_id, why = _lookup(ctx, pending)
        if external_id is not None:
            store.finish_sending(pending.reply_id, external_id, ctx.now(), actor="reconcile",
                                 note=f"found on the platform after an interrupted send by {pending.agent}")
            result.posted.append((pending.reply_id, external_id))
            continue
        note = (f"{pending.agent}'s reply may have been posted before a crash ({why}); check the platform: "
                "close the mention if the reply is there, otherwise answer it again")
        if store.flag_for_review(pending.reply_id, ctx.now(), note):
            result.flagged.append(pending.reply_id)
    result.released = store.release_stale_leases(now - grace, ctx.now())
    return result
