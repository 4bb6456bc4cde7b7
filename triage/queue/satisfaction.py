"""Customer satisfaction: CSAT and NPS from imported survey answers, and the *outcome* after a reply.

- **CSAT** (1-5): the share of answers of 4 or 5, in percent.
- **NPS** (0-10): % promoters (9-10) minus % detractors (0-6), from -100 to 100.
- **Outcome after reply — a proxy, not CSAT**: for each first response, the customer's next
  mention on the same channel within 72 h: *thanked* (positive), *still unhappy* (negative),
  *neutral*, or *no reply*. It covers conversations without a survey; it is never shown as CSAT.

Figures per agent (whose reply was the first response), channel and intent; all GROUP BY.
``import_surveys`` reads a CSV or JSONL file of answers (see README, Customer satisfaction).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from triage.db.reporting import EVERYTHING, MentionFilter
from triage.db.store import Store
from triage.db.surveys import SurveyAnswer, reply_outcomes, store_answers, survey_scores
from triage.queue.figures import percent, round_figure
from triage.queue.period import Period
from triage.records import as_utc, utcnow
from triage.tables.formats import BadRow, read_rows

SCALES = {"csat": (1, 5), "nps": (0, 10)}
OUTCOMES = {"positive": "thanked", "negative": "still unhappy", "neutral": "neutral", "none": "no reply"}
SATISFACTION_COLUMNS = ("by", "name", "csat_answers", "csat_pct", "nps_answers", "nps")
OUTCOME_COLUMNS = ("by", "name", "first_responses", *(f"{o.replace(' ', '_')}_pct" for o in OUTCOMES.values()))
GROUPS = ("agent", "channel", "intent")


@dataclass
class SurveyImport:
    stored: int = 0
    already: int = 0
    unmatched: int = 0
    errors: list[BadRow] = field(default_factory=list)


def import_surveys(store: Store, path: Path, now: datetime | None = None) -> SurveyImport:
    """Store the survey answers of ``path`` (CSV/TSV/JSONL): columns ``kind`` (csat or nps) and ``score``,
    or a ``csat`` or ``nps`` column holding the score; ``answered_at`` (ISO 8601, default now); and what
    identifies the conversation: ``mention_id``, ``conversation_id`` (the post's id on its platform,
    with ``channel``), or ``channel`` and ``author``. Importing a file again adds nothing."""
    now = as_utc(now or utcnow())
    result = SurveyImport()
    answers = []
    for line, row in read_rows(path):
        if isinstance(row, BadRow):
            result.errors.append(row)
            continue
        try:
            answers.extend(_answers(row, now))
        except ValueError as error:
            result.errors.append(BadRow(line, str(error)))
    result.stored, result.already, result.unmatched = store_answers(store, answers)
    return result


def _answers(row: dict[str, object], now: datetime) -> list[SurveyAnswer]:
    text = {k.strip().lower(): str(v).strip() for k, v in row.items() if v is not None}
    scores = [(text["kind"].lower(), text.get("score", ""))] if text.get("kind") else [
        (kind, text[kind]) for kind in SCALES if text.get(kind)]
    if not scores:
        raise ValueError("no score: give kind and score columns, or a csat or nps column")
    when = now
    if text.get("answered_at"):
        try:
            when = as_utc(datetime.fromisoformat(text["answered_at"].replace("Z", "+00:00")))
        except ValueError:
            raise ValueError(f"answered_at '{text['answered_at']}' is not an ISO 8601 date and time") from None
    mention_id = text.get("mention_id") or None
    if mention_id is not None and not mention_id.isdigit():
        raise ValueError(f"mention_id '{mention_id}' is not a number")
    if not (mention_id or text.get("conversation_id") or (text.get("channel") and text.get("author"))):
        raise ValueError("no conversation: give mention_id, conversation_id, or channel and author")
    found = []
    for kind, raw in scores:
        if kind not in SCALES:
            raise ValueError(f"kind '{kind}' is not csat or nps")
        low, high = SCALES[kind]
        if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
            raise ValueError(f"{kind} score '{raw}' is not a whole number from {low} to {high}")
        fields = (kind, raw, text.get("channel", ""), text.get("author", "").lstrip("@"),
                  text.get("conversation_id", ""), mention_id or "", when.isoformat())
        key = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
        found.append(SurveyAnswer(key, kind, int(raw), when, fields[2], fields[3], fields[4],
                                  int(mention_id) if mention_id else None))
    return found


def satisfaction(store: Store, period: Period, where: MentionFilter = EVERYTHING) -> pd.DataFrame:
    """CSAT % and NPS per agent, channel and intent (rows ``by``, ``name``) for the answers given in the period."""
    start, end = period.bounds()
    rows = survey_scores(store, start, end, where)
    table = []
    for position, group in enumerate(GROUPS):
        names = sorted({r[position] for r in rows})
        for name in names:
            mine = [r for r in rows if r[position] == name]
            csat = [(s, n) for *_, kind, s, n in mine if kind == "csat"]
            nps = [(s, n) for *_, kind, s, n in mine if kind == "nps"]
            csat_total, nps_total = sum(n for _, n in csat), sum(n for _, n in nps)
            promoters = sum(n for s, n in nps if s >= 9)
            detractors = sum(n for s, n in nps if s <= 6)
            score = round_figure(100.0 * (promoters - detractors) / nps_total) if nps_total else None
            table.append((group, name, csat_total, percent(sum(n for s, n in csat if s >= 4), csat_total),
                          nps_total, score))
    return pd.DataFrame(table, columns=list(SATISFACTION_COLUMNS))


def outcomes(store: Store, period: Period, where: MentionFilter = EVERYTHING) -> pd.DataFrame:
    """The outcome after the period's first responses per agent, channel and intent (a proxy, not CSAT)."""
    start, end = period.bounds()
    rows = reply_outcomes(store, start, end, where)
    table = []
    for position, group in enumerate(GROUPS):
        for name in sorted({r[position] for r in rows}):
            counts: dict[str, int] = {}
            for *keys, outcome, n in rows:
                if keys[position] == name:
                    counts[outcome] = counts.get(outcome, 0) + n
            total = sum(counts.values())
            table.append((group, name, total, *(percent(counts.get(o, 0), total) for o in OUTCOMES)))
    return pd.DataFrame(table, columns=list(OUTCOME_COLUMNS))


def nps_of(scores: Sequence[int]) -> float | None:
    """NPS of plain scores: % promoters (9-10) minus % detractors (0-6)."""
    if not scores:
        return None
    return round_figure(100.0 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores))
