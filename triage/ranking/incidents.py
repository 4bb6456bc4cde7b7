"""Incidents: near-duplicate complaints grouped, shown once, answered once.

Two complaints belong to the same incident when they were posted within a time window
of each other and one of these holds: their words mostly overlap (copy-paste campaigns,
``RT @…`` retweets and quotes of one post), they share a hashtag that is not just the
brand's name (``#LumoraDown``), they reply to the same post, or they are complaints of a
burst topic (outage) within three hours sharing a few words. Groups are the connected
components of those links. ``assign_incidents`` stores them (table ``incidents`` plus
``mentions.incident_id``, through ``triage.db.incidents``); ``triage.replies.group_reply`` answers
every open member at once.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from triage.db import incidents as incident_db
from triage.db import rescoring
from triage.db.incidents import IncidentPlan
from triage.db.schema import MentionRow
from triage.db.store import Store
from triage.ranking.intent import intent_of
from triage.records import OPEN_STATUSES, as_utc, utcnow
from triage.text.normalize import normalize

# Meta key: the newest mention id whose incident is assigned (newer classified mentions are the fresh ones).
ASSIGNED_KEY = "incidents_assigned_through_id"
WINDOW_HOURS = 12.0
LOOKBACK_DAYS = 14
SIMILARITY = 0.5
# Complaints of these topics that come in a burst (within BURST_HOURS, sharing a few words)
# are one incident even in different words: an outage is many people saying "it's down".
BURST_TOPICS: tuple[str, ...] = ("outage",)
BURST_HOURS = 3.0
BURST_SIMILARITY = 0.08
_RT = re.compile(r"^\s*(?:rt|mt)\s+@user:?\s*", re.IGNORECASE)
_TOKEN = re.compile(r"[#\w]+", re.UNICODE)
_STOP = frozenset(
    "the a an and or to of in on for is it my i me we you your our at this that with be are was have has not no so "
    "just still again from by as but do does did can can't im i'm its it's all any get got been since "
    "il lo la i gli le un una e è di da in con su per tra fra che non mi ho ha sono siamo a al alla del della "
    "dei delle ma più anche come ancora già se ci si vi ne".split()
)


def _tokens(text: str) -> list[str]:
    cleaned = _RT.sub("", normalize(text)).replace("@user", " ").replace("http", " ")
    return [t for t in (w.lower() for w in _TOKEN.findall(cleaned)) if t not in _STOP and len(t) > 1]


def similarity(a: str, b: str) -> float:
    """Overlap of the two posts' words (Jaccard on words and word pairs), 0-1."""
    ta, tb = _tokens(a), _tokens(b)
    sa = set(ta) | {f"{x} {y}" for x, y in zip(ta, ta[1:])}
    sb = set(tb) | {f"{x} {y}" for x, y in zip(tb, tb[1:])}
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


@dataclass
class _Node:
    index: int
    created_at: datetime
    tokens: set[str]
    hashtags: set[str]
    parent: str | None
    text: str
    topic: str | None = None


def _is_candidate(item: Any) -> bool:
    intent = intent_of(item)
    if intent == "spam":
        return False
    if intent is None:
        return (item.p_negative or 0.0) >= 0.5
    return intent == "complaint"


def find_groups(
    items: Sequence[Any], window_hours: float = WINDOW_HOURS, threshold: float = SIMILARITY,
    brand_tags: Iterable[str] = (), fresh: Collection[int] | None = None,
) -> list[list[int]]:
    """Indices of ``items`` grouped into incidents (each group has 2+ members, oldest first).

    ``items`` need ``text``, ``created_at``, ``intent``, ``p_negative``, ``parent_id``,
    ``channel`` (mention rows and the CLI's file rows both do). ``brand_tags`` are
    hashtags too generic to link posts (the brand's own name); hashtags naming the brand
    plainly (``#lumora``) are ignored anyway. With ``fresh`` (indices), only pairs with a
    fresh item are compared: the links among the others are already stored.
    """
    generic = {t.lower().lstrip("#") for t in brand_tags}
    nodes = []
    for index, item in enumerate(items):
        if not _is_candidate(item):
            continue
        words = _tokens(item.text or "")
        tags = {w[1:] for w in words if w.startswith("#") and len(w) > 2} - generic
        nodes.append(_Node(index, as_utc(item.created_at), set(words), tags,
                           f"{item.channel}:{item.parent_id}" if getattr(item, "parent_id", None) else None,
                           item.text or "", getattr(item, "topic", None)))
    nodes.sort(key=lambda n: (n.created_at, n.index))
    brand_like = _common_tags(nodes)
    parent = list(range(len(nodes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    window = timedelta(hours=window_hours)
    new = set(range(len(items))) if fresh is None else set(fresh)
    for i, a in enumerate(nodes):
        for j in range(i + 1, len(nodes)):
            b = nodes[j]
            if b.created_at - a.created_at > window:
                break
            if a.index not in new and b.index not in new:
                continue
            linked = (a.parent is not None and a.parent == b.parent) or bool((a.hashtags & b.hashtags) - brand_like)
            if not linked and a.tokens and b.tokens:
                burst = (a.topic in BURST_TOPICS and a.topic == b.topic
                         and b.created_at - a.created_at <= timedelta(hours=BURST_HOURS))
                linked = similarity(a.text, b.text) >= (BURST_SIMILARITY if burst else threshold)
            if linked:
                parent[root(j)] = root(i)
    groups: dict[int, list[_Node]] = {}
    for i, node in enumerate(nodes):
        groups.setdefault(root(i), []).append(node)
    result = [[n.index for n in sorted(g, key=lambda n: (n.created_at, n.index))]
              for g in groups.values() if len(g) >= 2]
    return sorted(result, key=lambda g: g[0])


def _common_tags(nodes: list[_Node]) -> set[str]:
    """Hashtags on more than a third of all complaints are the brand's own tags, not an incident's."""
    counts = Counter(tag for n in nodes for tag in n.hashtags)
    if len(nodes) < 10:
        return set()
    return {tag for tag, c in counts.items() if c > len(nodes) / 3}


def incident_key(first: Any) -> str:
    """A stable key for the incident, from its first member's channel and id."""
    return "inc-" + hashlib.sha1(f"{first.channel}:{first.external_id}".encode()).hexdigest()[:16]


def _title(text: str) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= 90 else line[:89] + "…"


def assign_incidents(
    store: Store, now: datetime | None = None, window_hours: float = WINDOW_HOURS,
    lookback_days: int = LOOKBACK_DAYS, brand_tags: Iterable[str] = (),
) -> int:
    """Group the mentions classified since the last call into incidents; returns how many incidents
    the mentions of the last ``lookback_days`` days form.

    Work follows the new mentions: each is compared with the complaints posted within
    ``window_hours`` of it (not with every recent post). A new mention linked to members of
    an incident joins it; one that links two incidents merges them into the one most of the
    linked members belong to. The merged incidents' members are rescored (their size changed).
    """
    now = as_utc(now or utcnow())
    window = timedelta(hours=window_hours)
    while True:
        fresh = incident_db.fresh_mentions(store, ASSIGNED_KEY)
        if not fresh.rows:
            break
        rows = incident_db.complaints_between(store, min(as_utc(r.created_at) for r in fresh.rows) - window,
                                              max(as_utc(r.created_at) for r in fresh.rows) + window)
        new_ids = {r.id for r in fresh.rows}
        groups = find_groups(rows, window_hours, brand_tags=brand_tags,
                             fresh=[i for i, r in enumerate(rows) if r.id in new_ids])
        plans = []
        for group in groups:
            members = [rows[i] for i in group]
            topics = Counter(m.topic for m in members if m.topic)
            plans.append(IncidentPlan([m.id for m in members], incident_key(members[0]), _title(members[0].text),
                                      topics.most_common(1)[0][0] if topics else None))
        rescoring.mark_incidents(store, incident_db.join_incidents(store, plans, now))
        incident_db.set_assigned(store, ASSIGNED_KEY, fresh.through_id)
    return incident_db.incidents_since(store, now - timedelta(days=lookback_days))


@dataclass(frozen=True)
class IncidentSummary:
    id: int
    title: str
    topic: str | None
    size: int
    open: int
    last_hour: int
    first_at: datetime
    last_at: datetime

    @property
    def growth(self) -> str:
        """'+12 in last hour' (or 'no new posts in the last hour')."""
        return f"+{self.last_hour} in last hour" if self.last_hour else "no new posts in the last hour"


def summaries(store: Store, incident_ids: Iterable[int | None],
              now: datetime | None = None) -> dict[int, IncidentSummary]:
    """Size, open members and growth in the last hour of each incident."""
    ids = sorted({i for i in incident_ids if i is not None})
    if not ids:
        return {}
    now = as_utc(now or utcnow())
    incidents, figures = incident_db.incident_figures(store, ids, OPEN_STATUSES, now - timedelta(hours=1))
    result = {}
    for incident_id, size, open_members, last_hour, first_at, last_at in figures:
        incident = incidents.get(incident_id)
        result[incident_id] = IncidentSummary(
            incident_id, incident.title if incident else "", incident.topic if incident else None, size,
            open_members, last_hour, as_utc(first_at), as_utc(last_at),
        )
    return result


def members(store: Store, incident_id: int) -> list[MentionRow]:
    """The incident's mentions, oldest first."""
    return incident_db.incident_members(store, incident_id)


@dataclass
class QueueEntry:
    """One queue line: a mention, or an incident shown once through its highest-priority member."""

    row: MentionRow
    incident: IncidentSummary | None = None


def collapse(rows: Sequence[MentionRow], incidents: dict[int, IncidentSummary]) -> list[QueueEntry]:
    """The queue with each incident shown once, at its highest-ranked member's place."""
    seen: set[int] = set()
    entries = []
    for row in rows:
        if row.incident_id is not None and row.incident_id in incidents:
            if row.incident_id in seen:
                continue
            seen.add(row.incident_id)
            entries.append(QueueEntry(row, incidents[row.incident_id]))
        else:
            entries.append(QueueEntry(row))
    return entries

