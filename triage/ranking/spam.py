"""The agent's "Not spam": a mention the spam rules or the model sank comes back into the queue.

Spam is never deleted; it only scores 0. Marking a mention "not spam" is an audited
action like the workflow's: it sets ``not_spam`` (so the spam rules no longer apply to
it), gives it a plausible intent in place of ``spam``, and re-scores the queue.
"""

from __future__ import annotations

from datetime import datetime

from triage.db.schema import AuditRow
from triage.db.store import Store
from triage.errors import WorkflowConflict
from triage.ingest.pipeline import refresh_priorities
from triage.queue.workflow import _current
from triage.ranking.priority import PriorityWeights
from triage.records import utcnow
from triage.text.signals import detect


def intent_after_not_spam(text: str, p_negative: float | None) -> str:
    """The intent a real post most likely has once an agent says it is not spam."""
    if detect(text) or (p_negative or 0.0) >= 0.5:
        return "complaint"
    if "?" in (text or ""):
        return "question"
    return "other"


def mark_not_spam(
    store: Store, mention_id: int, agent: str, note: str = "", now: datetime | None = None,
    weights: PriorityWeights | None = None,
) -> None:
    """Take the mention out of spam (audited), then recompute priorities so it ranks as a real post."""
    if not agent.strip():
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    now = now or utcnow()
    with store.session() as session:
        row = _current(session, mention_id)
        if row.not_spam:
            raise WorkflowConflict("this mention is already marked not spam")
        row.not_spam = True
        if row.intent in (None, "spam"):
            row.intent = intent_after_not_spam(row.text, row.p_negative)
        row.updated_at = now
        session.add(AuditRow(mention_id=mention_id, actor=agent, at=now, action="not_spam",
                             from_status=row.status, to_status=row.status, note=note or "marked not spam"))
    refresh_priorities(store, now, weights)
