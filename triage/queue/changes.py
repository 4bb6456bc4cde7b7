"""What others did to a mention since a page drew it, in one line: "giulia claimed it 2 min ago".

The live queue keeps the version of each mention it drew (its ``updated_at``); when the agent
opens or acts on a mention that has changed since, the page says who did what, and when,
from the audit trail, instead of silently dropping the click.
"""

from __future__ import annotations

from datetime import datetime

from triage.db.assignments import audit_after
from triage.db.schema import AuditRow
from triage.db.store import Store
from triage.records import as_utc, utcnow

_DONE = {
    "claim": "claimed it",
    "release": "released it",
    "reply": "replied",
    "mark_replied": "replied",
    "escalate": "escalated it",
    "assign": "assigned it",
    "ignore": "ignored it",
    "close": "closed it",
    "reopen": "reopened it",
    "not_spam": "marked it not spam",
    "needs_review": "flagged it for review",
}


def ago(at: datetime, now: datetime | None = None) -> str:
    """'just now', '40 s ago', '2 min ago', '3 h ago', '2 days ago'."""
    seconds = int(max(0.0, (as_utc(now or utcnow()) - as_utc(at)).total_seconds()))
    if seconds < 5:
        return "just now"
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def describe(row: AuditRow, now: datetime | None = None) -> str:
    """One audit row as a phrase: 'marco@lumora.example replied 40 s ago'."""
    done = _DONE.get(row.action, row.action.replace("_", " "))
    if row.action in ("assign", "escalate") and row.note.startswith("to "):
        done += " " + row.note.split(":", 1)[0]  # "assigned it to team billing", not the note's reasons
    return f"{row.actor} {done} {ago(row.at, now)}"


def changes_since(store: Store, mention_id: int, seen: datetime, me: str = "", now: datetime | None = None) -> str:
    """What others did to the mention after ``seen`` (newest first, '; '-separated); '' when nothing."""
    rows = [row for row in audit_after(store, mention_id, seen) if row.actor != me]
    return "; ".join(describe(row, now) for row in rows[:3])
