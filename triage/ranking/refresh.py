"""The queue's ranking at a moment: priority and urgency of each item, repeat contact, the refresh.

``prioritize`` is the one scoring path for the queue (``refresh_priorities``, which
re-scores the stored open mentions as their waiting time grows) and for the CLI's files
(``triage.ingest.table_scoring``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.ranking.incidents import incident_sizes
from triage.ranking.priority import PriorityWeights, configured_weights, score, urgency
from triage.records import OPEN_STATUSES, Priority, as_utc, utcnow

# Meta key: the newest audit row the last refresh saw (status changes after it are rescored).
RESCORED_AUDIT_KEY = "priorities_rescored_audit_id"


def _repeats_by_index(items: Sequence[Any]) -> dict[int, tuple[int, float]]:
    by_author: dict[tuple[str, str], list[int]] = {}
    for index, item in enumerate(items):
        if item.author_handle:
            by_author.setdefault((item.channel, item.author_handle), []).append(index)
    result: dict[int, tuple[int, float]] = {}
    for group in by_author.values():
        group.sort(key=lambda i: as_utc(items[i].created_at))
        open_before: list[int] = []
        for index in group:
            item = items[index]
            if open_before:
                first = as_utc(items[open_before[0]].created_at)
                result[index] = (len(open_before), (as_utc(item.created_at) - first).total_seconds() / 86400)
            if item.status in OPEN_STATUSES:
                open_before.append(index)
    return result


def repeat_contacts(rows: Sequence[MentionRow]) -> dict[int, tuple[int, float]]:
    """For each mention: the author's earlier still-open mentions on the channel, and their span in days."""
    return {rows[i].id: value for i, value in _repeats_by_index(rows).items()}


def prioritize(
    items: Sequence[Any], now: datetime, weights: PriorityWeights | None = None,
    incident_sizes: Sequence[int] | None = None,
) -> list[tuple[Priority, float]]:
    """Priority and urgency of each item at ``now``: the one scoring path for the queue and the CLI.

    ``items`` are mention rows or anything with the same fields (see ``triage.ranking.priority.Scorable``);
    repeat contact is counted among ``items``; ``incident_sizes[i]`` is item i's incident size.
    """
    weights = weights or configured_weights()
    repeats = _repeats_by_index(items)
    out = []
    for index, item in enumerate(items):
        earlier, span = repeats.get(index, (0, 0.0))
        size = incident_sizes[index] if incident_sizes else 0
        out.append((score(item, now, earlier, span, weights, size), urgency(item, weights)))
    return out


def refresh_priorities(
    store: Store, now: datetime | None = None, weights: PriorityWeights | None = None
) -> int:
    """Recompute the open mentions' priority at ``now`` (waiting time grows); returns how many changed.

    A closed mention is rescored once more after it leaves the queue (its waiting points
    go), found through the audit rows written since the last refresh; then it keeps its
    priority. Repeat contact counts only the author's earlier *open* mentions, so the open
    mentions are all it needs.
    """
    now = now or utcnow()
    seen_audit = int(store.get_meta(RESCORED_AUDIT_KEY) or 0)
    rows, newest_audit = store.mentions_to_rescore(seen_audit)
    sizes = incident_sizes(store)
    scored = prioritize(rows, now, weights, [sizes.get(r.incident_id, 0) if r.incident_id else 0 for r in rows])
    changed: dict[int, Priority] = {}
    urgencies: dict[int, float] = {}
    for row, (priority, text_urgency) in zip(rows, scored):
        stored = tuple((r.get("phrase"), r.get("points")) for r in (row.reasons or []))
        fresh = tuple((r.phrase, round(r.points, 1)) for r in priority.reasons)
        if priority.score != row.priority or stored != fresh or row.urgency != text_urgency:
            changed[row.id] = priority
            urgencies[row.id] = text_urgency
    store.save_priorities(changed, urgencies)
    if newest_audit != seen_audit:
        store.set_meta(RESCORED_AUDIT_KEY, str(newest_audit))
    return len(changed)
