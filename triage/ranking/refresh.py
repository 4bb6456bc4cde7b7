"""The queue's ranking at a moment: priority and urgency of each item, repeat contact, the refresh.

``prioritize`` is the one scoring path for the queue (``refresh_priorities``, which
re-scores the stored open mentions as their waiting time grows) and for the CLI's files
(``triage.ingest.table_scoring``).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from triage.db import rescoring
from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.ranking.priority import IncidentLoad, PriorityWeights, configured_weights, score, urgency
from triage.ranking.staleness import stale_at
from triage.records import OPEN_STATUSES, Priority, as_utc, utcnow

# Meta key: the newest audit row the last refresh saw (status changes after it are rescored).
RESCORED_AUDIT_KEY = "priorities_rescored_audit_id"
# Meta key: the weights (and scoring version) the stored priorities were computed with.
SCORING_KEY = "priorities_scoring"
SCORING_VERSION = 3  # bump when ``score`` changes, so every open mention is rescored once
_CHUNK = 500  # mentions rescored (and written) per round
VIEW_REFRESH_LIMIT = 2000  # due mentions the dashboard's refresh takes per page view at most (the rest: next one)


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
    incident_sizes: Sequence[int] | None = None, repeats: Sequence[tuple[int, float]] | None = None,
    incident_loads: Sequence[IncidentLoad | None] | None = None,
) -> list[tuple[Priority, float]]:
    """Priority and urgency of each item at ``now``: the one scoring path for the queue and the CLI.

    ``items`` are mention rows or anything with the same fields (see ``triage.ranking.priority.Scorable``);
    repeat contact is counted among ``items`` unless ``repeats[i]`` gives item i's (earlier open
    mentions, their span in days); ``incident_loads[i]`` is item i's incident (size, unanswered
    members, their urgency), or a bare ``incident_sizes[i]`` (every member unanswered, no urgency).
    """
    weights = weights or configured_weights()
    counted = dict(enumerate(repeats)) if repeats is not None else _repeats_by_index(items)
    out = []
    for index, item in enumerate(items):
        earlier, span = counted.get(index, (0, 0.0))
        size = incident_sizes[index] if incident_sizes else 0
        load = incident_loads[index] if incident_loads else None
        out.append((score(item, now, earlier, span, weights, size, load), urgency(item, weights)))
    return out


def refresh_priorities(
    store: Store, now: datetime | None = None, weights: PriorityWeights | None = None, limit: int | None = None,
) -> int:
    """Rescore the mentions whose stored priority is stale at ``now``; returns how many changed.

    Work follows change, not the database: a mention is rescored when it is new, reclassified
    or re-fetched, when its status changed (audit rows since the last refresh: a closed mention
    loses its waiting points once, then keeps its priority), when its incident grew, when an
    open mention of the same author on the channel came or went (repeat contact), or when its
    waiting reason reaches its next step (``mentions.rescore_at``, see ``triage.ranking.staleness``).
    Changed weights rescore every open mention once. ``limit`` bounds the due mentions taken in
    one run (the dashboard's refresh); the rest wait for the next run, most overdue first.
    """
    now = now or utcnow()
    weights = weights or configured_weights()
    fingerprint = _fingerprint(weights)
    if store.get_meta(SCORING_KEY) != fingerprint:
        rescoring.mark_open(store)
        store.set_meta(SCORING_KEY, fingerprint)
    rescoring.mark_audited(store, int(store.get_meta(RESCORED_AUDIT_KEY) or 0), RESCORED_AUDIT_KEY)
    changed = 0
    while True:
        ids = rescoring.due(store, now, min(limit, _CHUNK) if limit is not None else _CHUNK)
        if not ids:
            return changed
        changed += _rescore(store, ids, now, weights)
        if limit is not None:
            limit -= len(ids)
            if limit <= 0:
                return changed


def _fingerprint(weights: PriorityWeights) -> str:
    return hashlib.sha1(f"{SCORING_VERSION}:{weights!r}".encode()).hexdigest()


def _rescore(store: Store, ids: Sequence[int], now: datetime, weights: PriorityWeights) -> int:
    """Score ``ids`` and the later open mentions of their authors (whose repeat count may have moved)."""
    seeds = store.mentions(ids)
    keys = {(r.channel, r.author_handle) for r in seeds if r.author_handle}
    open_rows = rescoring.open_of_authors(store, keys)
    earliest: dict[tuple[str, str], tuple[datetime, int]] = {}
    for row in seeds:
        if row.author_handle:
            key, order = (row.channel, row.author_handle), (as_utc(row.created_at), row.id)
            earliest[key] = min(earliest.get(key, order), order)
    seed_ids = {r.id for r in seeds}
    later = [i for i, channel, handle, created in open_rows
             if i not in seed_ids and (as_utc(created), i) > earliest[(channel, handle)]]
    rows = seeds + [row for start in range(0, len(later), _CHUNK)
                    for row in store.mentions(later[start : start + _CHUNK])]
    open_by_key: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    for i, channel, handle, created in open_rows:
        open_by_key.setdefault((channel, handle), []).append((as_utc(created), i))
    for entries in open_by_key.values():
        entries.sort()
    loads = _incident_loads(store, rows, weights)
    priorities: dict[int, Priority] = {}
    urgencies: dict[int, float] = {}
    stale: dict[int, datetime | None] = {}
    changed = 0
    scored = prioritize(rows, now, weights, None, [_repeat(r, open_by_key) for r in rows],
                        [loads.get(r.incident_id) if r.incident_id is not None else None for r in rows])
    moved: set[int] = set()  # incidents whose unanswered urgency changed: their other members are rescored
    for row, (priority, text_urgency) in zip(rows, scored):
        stored = tuple((r.get("phrase"), r.get("points")) for r in (row.reasons or []))
        fresh = tuple((r.phrase, round(r.points, 1)) for r in priority.reasons)
        if priority.score != row.priority or stored != fresh or row.urgency != text_urgency:
            changed += 1
        if row.incident_id is not None and row.urgency != text_urgency:
            moved.add(row.incident_id)
        priorities[row.id] = priority
        urgencies[row.id] = text_urgency
        stale[row.id] = stale_at(row, priority, now, weights)
    store.save_priorities(priorities, urgencies, stale)
    if moved:
        rescoring.mark_incidents(store, moved, except_ids=[r.id for r in rows])
    return changed


def _unanswered(row: MentionRow) -> bool:
    return row.status in OPEN_STATUSES and row.first_response_at is None


def _incident_loads(store: Store, rows: Sequence[MentionRow], weights: PriorityWeights) -> dict[int, IncidentLoad]:
    """The load of each incident of ``rows``: the stored figures of its other members, plus these rows
    with the urgency they are about to be given."""
    members = [r for r in rows if r.incident_id is not None]
    if not members:
        return {}
    figures = rescoring.incident_figures(store, [r.incident_id for r in members if r.incident_id is not None],
                                         leaving_out=[r.id for r in members])
    unanswered: dict[int, int] = {}
    urgent: dict[int, float] = {}
    for row in members:
        if row.incident_id is not None and _unanswered(row):
            unanswered[row.incident_id] = unanswered.get(row.incident_id, 0) + 1
            urgent[row.incident_id] = urgent.get(row.incident_id, 0.0) + urgency(row, weights)
    return {i: IncidentLoad(f.size, f.unanswered + unanswered.get(i, 0), f.urgency + urgent.get(i, 0.0))
            for i, f in figures.items()}


def _repeat(row: MentionRow, open_by_key: dict[tuple[str, str], list[tuple[datetime, int]]]) -> tuple[int, float]:
    """The author's open mentions on the channel before ``row`` (by time, then id), and their span in days."""
    if not row.author_handle:
        return 0, 0.0
    mine = (as_utc(row.created_at), row.id)
    entries = open_by_key.get((row.channel, row.author_handle), [])  # sorted
    before = bisect.bisect_left(entries, mine)
    if not before:
        return 0, 0.0
    return before, (mine[0] - entries[0][0]).total_seconds() / 86400
