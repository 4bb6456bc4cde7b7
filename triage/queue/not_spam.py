"""The agent's "Not spam": a mention the spam rules or the model sank comes back into the queue.

Spam is never deleted; it only scores 0. Marking a mention "not spam" is an audited
action like the workflow's: it sets ``not_spam`` (so the spam rules no longer apply to
it), gives it a plausible intent in place of ``spam`` (``triage.ranking.intent.final_intent``,
step 1), and re-scores the queue.
"""

from __future__ import annotations

from datetime import datetime

from triage.access.roles import Who, name_of, require
from triage.db.store import Store
from triage.errors import WorkflowConflict
from triage.ranking.intent import final_intent
from triage.ranking.priority import PriorityWeights
from triage.ranking.refresh import refresh_priorities
from triage.records import utcnow


def mark_not_spam(
    store: Store, mention_id: int, who: Who, note: str = "", now: datetime | None = None,
    weights: PriorityWeights | None = None,
) -> None:
    """Take the mention out of spam (audited), then recompute priorities so it ranks as a real post.

    ``who``: the signed-in actor (any role that works the queue) or the local operator's plain name."""
    agent = name_of(require(who, "work_queue"))
    if not agent.strip():
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    now = now or utcnow()
    store.mark_not_spam(
        mention_id, agent, now, note or "marked not spam",
        lambda row: final_intent(row.text, row.intent, p_negative=row.p_negative, not_spam=True),
    )
    refresh_priorities(store, now, weights)
