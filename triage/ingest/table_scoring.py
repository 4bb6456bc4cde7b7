"""Sentiment, language, intent, topic, urgency, priority and reasons for the rows of a file.

This is ``python -m triage classify``.

``read_table`` reads the file (bad rows are kept aside with their line); ``score_table``
adds the columns and returns the rows, their column order and the bad rows, which the
caller writes and reports.

The rows go through the same code as ingested mentions: the same spam rules on the
intent, the same incident grouping and ``triage.ranking.refresh.prioritize``. So a file scored
here and the same file imported into the dashboard get the same priority at the same
moment. Optional columns used when present: ``channel``, ``followers``, ``verified``,
``author``, ``created_at``, ``rating``, ``parent_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.errors import InputFileError
from triage.models.analysis import analyse
from triage.models.intent import IntentModel, IntentResult
from triage.models.sentiment import SentimentModel
from triage.ranking.incidents import find_groups
from triage.ranking.intent import final_result
from triage.ranking.priority import IncidentLoad, PriorityWeights, configured_weights, urgency
from triage.ranking.refresh import prioritize
from triage.records import SentimentScores, as_utc, utcnow
from triage.tables.formats import BadRow, read_rows
from triage.tables.mentions import _bool, _int, parse_time
from triage.text.clean import bounded_text
from triage.text.language import detect_language
from triage.text.signals import parse_risks, post_risks, risks_value

SENTIMENT_COLUMNS: tuple[str, ...] = (
    "sentiment", "p_negative", "p_neutral", "p_positive", "language", "p_anger", "p_offensive",
)
SCORE_COLUMNS: tuple[str, ...] = ("intent", "topic", "urgency", "priority", "reasons")


@dataclass
class FileItem:
    """A file row with the fields the scorer reads from a stored mention."""

    text: str
    channel: str = "file"
    external_id: str = ""
    author_handle: str = ""
    author_followers: int = 0
    author_verified: bool = False
    created_at: datetime | None = None
    rating: int | None = None
    parent_id: str | None = None
    status: str = "new"
    p_negative: float | None = None
    p_positive: float | None = None
    p_anger: float | None = None
    intent: str | None = None
    topic: str | None = None
    risks: str | None = None  # named risks, stored form (triage.text.signals.risks_value)
    p_urgent: float | None = None  # the learned urgency head's probability (as mentions.p_urgent)
    not_spam: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


def _author(row: dict[str, Any]) -> tuple[str, int, bool]:
    author = row.get("author")
    if isinstance(author, dict):
        handle = str(author.get("handle") or author.get("username") or "")
        followers = _int(author.get("followers"), "followers", 0) or 0
        return handle.strip().lstrip("@"), followers, _bool(author.get("verified"))
    return (str(author or "").strip().lstrip("@"), _int(row.get("followers"), "followers", 0) or 0,
            _bool(row.get("verified")))


def file_item(row: dict[str, Any], text: str, now: datetime, index: int) -> FileItem:
    """A scorable item from a file row; bad optional values raise ``ValueError`` naming the column."""
    handle, followers, verified = _author(row)
    created = row.get("created_at")
    rating = _int(row.get("rating"), "rating")
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1-5, not {rating}")
    return FileItem(
        text=text, channel=str(row.get("channel") or "").strip() or "file",
        external_id=str(row.get("id") or index), author_handle=handle, author_followers=followers,
        author_verified=verified, created_at=as_utc(parse_time(created)) if str(created or "").strip() else now,
        rating=rating, parent_id=str(row.get("parent_id") or "").strip() or None, raw=dict(row),
    )


def score_items(
    items: Sequence[FileItem], scores: Sequence[SentimentScores], intents: Sequence[IntentResult],
    now: datetime, weights: PriorityWeights | None = None, learned: Sequence[Sequence[str]] | None = None,
) -> list[dict[str, Any]]:
    """The added columns for each item: intent, topic, urgency (0-1), priority (0-100), reasons.

    ``learned[i]`` are item i's learned named risks (``Analysis.risks``), joined with its keyword signals.
    """
    for index, (item, s, result) in enumerate(zip(items, scores, intents)):
        item.p_negative, item.p_positive = s.p_negative, s.p_positive
        item.p_anger = getattr(s, "p_anger", None)
        item.risks = risks_value(post_risks(item.text, item.channel, learned[index] if learned else ()))
        final = final_result(result, item.text, item.author_handle, item.author_followers, parse_risks(item.risks))
        item.intent, item.topic = final.intent, final.topic
    weights = weights or configured_weights()
    loads: list[IncidentLoad | None] = [None] * len(items)
    for group in find_groups(items):  # a file's rows are open and unanswered: every member counts
        load = IncidentLoad(len(group), len(group), sum(urgency(items[i], weights) for i in group))
        for index in group:
            loads[index] = load
    out = []
    for item, (priority, text_urgency) in zip(items, prioritize(items, now, weights, incident_loads=loads)):
        out.append({
            "intent": item.intent, "topic": item.topic or "", "urgency": text_urgency, "priority": priority.score,
            "reasons": "; ".join(r.phrase for r in priority.reasons if r.points >= 0),
        })
    return out


@dataclass
class TableRows:
    """A file's good rows (with their line numbers), the text column, and the rows that could not be read."""

    source: Path
    text_column: str
    rows: list[dict[str, Any]]
    lines: list[int]
    errors: list[BadRow]

    @property
    def texts(self) -> list[str]:
        """Each row's text, cleaned and cut at ``MAX_TEXT_CHARS`` as a stored mention's is (``triage.text.clean``)."""
        return [bounded_text(str(row.get(self.text_column) or ""))[0] for row in self.rows]


@dataclass
class ScoredTable:
    """The scored rows, the output's columns in order (the file's, then the added ones) and every bad row."""

    rows: list[dict[str, Any]]
    columns: list[str]
    errors: list[BadRow]


def read_table(source: Path, text_column: str = "text") -> TableRows:
    """The rows of a CSV, TSV or JSONL file; ``InputFileError`` when the text column is missing."""
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    errors: list[BadRow] = []
    for line, row in read_rows(source):
        if isinstance(row, BadRow):
            errors.append(row)
        else:
            rows.append(row)
            lines.append(line)
    if rows and text_column not in rows[0]:
        raise InputFileError(
            f"{source}: no column '{text_column}'; columns are: {', '.join(rows[0])} (use --text-column)"
        )
    return TableRows(source, text_column, rows, lines, errors)


def score_table(
    table: TableRows, sentiment_model: SentimentModel, intent_model: IntentModel, batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None, now: datetime | None = None,
    weights: PriorityWeights | None = None,
) -> ScoredTable:
    """Add ``SENTIMENT_COLUMNS`` and ``SCORE_COLUMNS`` to each row (the rows are updated in place).

    A row whose optional columns are bad (e.g. a rating of 9) is scored from its text alone
    and also listed in the errors. ``progress`` follows the sentiment model; ``weights``
    default to the configured priority weights.
    """
    rows, texts = table.rows, table.texts
    errors = list(table.errors)
    analysed = analyse(texts, sentiment_model, intent_model, batch_size=batch_size, progress=progress)  # one pass
    scores = [a.sentiment for a in analysed]
    intents = [a.intent for a in analysed]
    columns = list(rows[0]) if rows else [table.text_column]
    columns += [c for c in SENTIMENT_COLUMNS if c not in columns]
    for row, text, s in zip(rows, texts, scores):
        row.update(sentiment=s.label, p_negative=s.p_negative, p_neutral=s.p_neutral,
                   p_positive=s.p_positive, language=detect_language(text),
                   p_anger="" if s.p_anger is None else s.p_anger,
                   p_offensive="" if s.p_offensive is None else s.p_offensive)
    now = now or utcnow()
    items = []
    for index, (line, row, text) in enumerate(zip(table.lines, rows, texts)):
        try:
            items.append(file_item(row, text, now, index))
        except ValueError as exc:
            errors.append(BadRow(line, f"{exc}; scored without its optional columns"))
            items.append(FileItem(text=text, created_at=now, external_id=str(index)))
    weights = weights if weights is not None else configured_weights()
    learned = [tuple(getattr(a, "risks", None) or ()) for a in analysed]
    for item, analysis in zip(items, analysed):
        item.p_urgent = getattr(analysis, "p_urgent", None)
    for row, added in zip(rows, score_items(items, scores, intents, now, weights, learned)):
        row.update(added)
    columns += [c for c in SCORE_COLUMNS if c not in columns]
    return ScoredTable(rows, columns, errors)
