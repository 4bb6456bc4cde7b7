"""The team's labels as the database keeps them: corrections, overrides, the daily audit sample.

A correction is applied in one transaction: the mention's row is locked, each changed field
gets a ``corrections`` row (old value, new value, who, when, the model version that made the
old value), the mention's columns and ``overrides`` take the new value, and the mention is
marked for rescoring (``rescore_at`` = ``RESCORE_NOW``) so the next refresh scores it at once.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from triage.db.schema import RESCORE_NOW, AuditPickRow, CorrectionRow, MentionRow
from triage.db.store import Store
from triage.db.transitions import current_row

ONE_HOT = {"negative": (1.0, 0.0, 0.0), "neutral": (0.0, 1.0, 0.0), "positive": (0.0, 0.0, 1.0)}


@dataclass(frozen=True)
class Label:
    """One field set to one value (``urgent``: "1"/"0"; ``reason``: the phrase marked wrong)."""

    field: str
    value: str


@dataclass(frozen=True)
class LabelledMention:
    """A mention with the latest label a person gave each field, and what the model had said."""

    mention_id: int
    text: str
    author: str
    channel: str
    language: str | None
    labels: dict[str, str]  # field -> the team's latest value
    predicted: dict[str, str | None]  # field -> what the model said before the first correction
    at: datetime  # the latest label's time


def _old_value(row: MentionRow, field: str) -> str | None:
    if field == "urgent":
        urgent = (row.overrides or {}).get("urgent")
        if urgent is None:
            return None if row.urgency is None else ("1" if row.urgency >= 0.5 else "0")
        return "1" if urgent else "0"
    if field == "reason":
        return None
    value = getattr(row, field)
    return None if value is None else str(value)


def _apply(row: MentionRow, label: Label) -> dict[str, Any]:
    """The column values ``label`` sets on ``row`` (overrides included)."""
    overrides = dict(row.overrides or {})
    values: dict[str, Any] = {}
    if label.field == "sentiment":
        overrides["sentiment"] = label.value
        p_negative, p_neutral, p_positive = ONE_HOT[label.value]
        values |= {"sentiment": label.value, "p_negative": p_negative, "p_neutral": p_neutral,
                   "p_positive": p_positive}
    elif label.field in ("intent", "topic"):
        overrides[label.field] = label.value
        values[label.field] = label.value
    elif label.field == "urgent":
        overrides["urgent"] = label.value == "1"
    elif label.field == "reason":
        wrong = list(overrides.get("wrong_reasons", []))
        if label.value not in wrong:
            wrong.append(label.value)
        overrides["wrong_reasons"] = wrong
    values["overrides"] = overrides
    row.overrides = overrides  # the next label in the same call sees this one
    return values


def record(store: Store, mention_id: int, labels: Sequence[Label], actor: str, at: datetime,
           source: str = "agent") -> list[int]:
    """Apply ``labels`` to the mention and keep one ``corrections`` row per label; their ids.

    A label equal to the current value is still kept (a confirmation), so audit-sample
    confirmations count toward the team's accuracy figures.
    """
    with store.session() as session:
        return _record(session, mention_id, labels, actor, at, source)


def _record(session: Session, mention_id: int, labels: Sequence[Label], actor: str, at: datetime,
            source: str) -> list[int]:
    session.execute(select(MentionRow.id).where(MentionRow.id == mention_id).with_for_update())
    row = current_row(session, mention_id)
    ids = []
    values: dict[str, Any] = {"rescore_at": RESCORE_NOW}
    for label in labels:
        correction = CorrectionRow(mention_id=mention_id, field=label.field, old_value=_old_value(row, label.field),
                                   new_value=label.value, actor=actor, at=at, model_version=row.model_version,
                                   source=source)
        session.add(correction)
        values |= _apply(row, label)
        session.flush()
        ids.append(correction.id)
    session.execute(update(MentionRow).where(MentionRow.id == mention_id).values(**values))
    return ids


def record_many(store: Store, mention_ids: Iterable[int], labels: Sequence[Label], actor: str, at: datetime,
                source: str = "bulk") -> int:
    """The same labels on many mentions (the queue's bulk action), one transaction per mention; how many."""
    done = 0
    for mention_id in mention_ids:
        record(store, mention_id, labels, actor, at, source)
        done += 1
    return done


def corrections(store: Store, since: datetime | None = None, fields: Sequence[str] | None = None,
                ) -> list[CorrectionRow]:
    """Correction rows, oldest first (``since``: at or after; ``fields``: only those)."""
    with store.session() as session:
        query = select(CorrectionRow).order_by(CorrectionRow.at, CorrectionRow.id)
        if since is not None:
            query = query.where(CorrectionRow.at >= since)
        if fields:
            query = query.where(CorrectionRow.field.in_(list(fields)))
        return list(session.scalars(query))


def labelled_mentions(store: Store, since: datetime | None = None, fields: Sequence[str] | None = None,
                      source_prefix: str | None = None) -> list[LabelledMention]:
    """Every mention a person labelled, with the latest label per field and the model's first answer."""
    rows = corrections(store, since, fields)
    if source_prefix is not None:
        rows = [r for r in rows if r.source.startswith(source_prefix)]
    by_mention: dict[int, list[CorrectionRow]] = {}
    for row in rows:
        if row.field != "reason":
            by_mention.setdefault(row.mention_id, []).append(row)
    if not by_mention:
        return []
    mentions = {m.id: m for m in store.mentions(sorted(by_mention))}
    out = []
    for mention_id, labels in by_mention.items():
        mention = mentions[mention_id]
        latest: dict[str, str] = {}
        first: dict[str, str | None] = {}
        for row in labels:
            latest[row.field] = row.new_value
            first.setdefault(row.field, row.old_value)
        out.append(LabelledMention(mention_id, mention.text, mention.author_handle, mention.channel,
                                   mention.language, latest, first, labels[-1].at))
    return out


def correction_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count(CorrectionRow.id))) or 0


def draw_audit_sample(store: Store, day: date, size: int, seed: int | None = None) -> list[int]:
    """The day's audit sample: ``size`` mentions drawn uniformly among those classified that day
    (created on ``day``), kept in ``audit_picks``; drawing again the same day returns the same sample."""
    key = day.isoformat()
    with store.session() as session:
        kept = list(session.scalars(select(AuditPickRow.mention_id).where(AuditPickRow.day == key)
                                    .order_by(AuditPickRow.mention_id)))
        if kept:
            return kept
        start = datetime(day.year, day.month, day.day)
        end = datetime.fromordinal(day.toordinal() + 1)
        candidates = list(session.scalars(select(MentionRow.id).where(
            MentionRow.created_at >= start, MentionRow.created_at < end, MentionRow.sentiment.is_not(None),
        ).order_by(MentionRow.id)))
        chosen = sorted(random.Random(seed if seed is not None else day.toordinal()).sample(
            candidates, min(size, len(candidates))))
        session.add_all(AuditPickRow(mention_id=i, day=key) for i in chosen)
        return chosen


def audit_sample(store: Store, day: date) -> list[AuditPickRow]:
    with store.session() as session:
        return list(session.scalars(select(AuditPickRow).where(AuditPickRow.day == day.isoformat())
                                    .order_by(AuditPickRow.mention_id)))


def confirm_pick(store: Store, mention_id: int, labels: Sequence[Label], actor: str, at: datetime) -> None:
    """Someone checked a sampled mention: its labels (corrected or confirmed as they are) are recorded
    with source ``audit`` and the pick is marked confirmed, in one transaction."""
    with store.session() as session:
        _record(session, mention_id, labels, actor, at, "audit")
        session.execute(update(AuditPickRow).where(AuditPickRow.mention_id == mention_id)
                        .values(confirmed_by=actor, confirmed_at=at))
