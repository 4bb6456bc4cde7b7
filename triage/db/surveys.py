"""Survey answers (``surveys``) and the post-reply outcome, as GROUP BY queries.

Answers are matched to the mention they are about when they are stored: by the mention's id,
by the platform's conversation id (``mentions.external_id``), or by channel and author (the
author's latest mention answered at or before the survey). The agent an answer counts for is
the one whose reply was the mention's first response.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, text

from triage.db.reporting import MentionFilter
from triage.db.schema import ANSWERED_BY_REPLY_SQL, SHOWN_REPLY_STATES, MentionRow, ReplyRow, SurveyRow
from triage.db.store import Store


@dataclass(frozen=True)
class SurveyAnswer:
    key: str
    kind: str  # csat | nps
    score: int
    answered_at: datetime
    channel: str = ""
    author: str = ""
    conversation_id: str = ""
    mention_id: int | None = None


def match_mention(store: Store, answer: SurveyAnswer) -> int | None:
    """The mention ``answer`` is about, or None when nothing matches."""
    with store.session() as session:
        if answer.mention_id is not None:
            return session.scalar(select(MentionRow.id).where(MentionRow.id == answer.mention_id))
        if answer.conversation_id:
            query = select(MentionRow.id).where(MentionRow.external_id == answer.conversation_id)
            if answer.channel:
                query = query.where(MentionRow.channel == answer.channel)
            return session.scalar(query.order_by(MentionRow.id).limit(1))
        if answer.channel and answer.author:
            query = (select(MentionRow.id).where(
                MentionRow.channel == answer.channel, func.lower(MentionRow.author_handle) == answer.author.lower(),
                MentionRow.first_response_at.is_not(None), MentionRow.first_response_at <= answer.answered_at)
                .order_by(MentionRow.first_response_at.desc(), MentionRow.id.desc()).limit(1))
            return session.scalar(query)
    return None


def store_answers(store: Store, answers: Sequence[SurveyAnswer]) -> tuple[int, int, int]:
    """Store the answers not stored yet (by ``key``); returns (new, already stored, new without a mention)."""
    keys = [a.key for a in answers]
    with store.session() as session:
        known = set(session.scalars(select(SurveyRow.key).where(SurveyRow.key.in_(keys)))) if keys else set()
    fresh = {a.key: a for a in answers if a.key not in known}
    unmatched = 0
    rows = []
    for answer in fresh.values():
        mention_id = match_mention(store, answer)
        unmatched += mention_id is None
        rows.append(SurveyRow(key=answer.key, kind=answer.kind, score=answer.score, channel=answer.channel,
                              author_handle=answer.author, conversation_id=answer.conversation_id,
                              answered_at=answer.answered_at, mention_id=mention_id))
    with store.session() as session:
        session.add_all(rows)
    return len(rows), len(answers) - len(fresh), unmatched


def _first_reply_agent() -> list[ColumnElement[bool]]:
    return [ReplyRow.mention_id == MentionRow.id, ReplyRow.state.in_(SHOWN_REPLY_STATES),
            ReplyRow.sent_at == MentionRow.first_response_at]


def survey_scores(store: Store, start: datetime, end: datetime, where: MentionFilter
                  ) -> list[tuple[str, str, str, str, int, int]]:
    """``(agent, channel, intent, kind, score, answers)`` of the answers given in ``[start, end)`` about
    mentions that had a reply (agent: the first reply's)."""
    intent = func.coalesce(MentionRow.intent, "unclassified")
    query = (select(ReplyRow.agent, MentionRow.channel, intent, SurveyRow.kind, SurveyRow.score,
                    func.count(SurveyRow.id))
             .join(MentionRow, MentionRow.id == SurveyRow.mention_id).join(ReplyRow, and_(*_first_reply_agent()))
             .where(SurveyRow.answered_at >= start, SurveyRow.answered_at < end, *where.clauses())
             .group_by(ReplyRow.agent, MentionRow.channel, intent, SurveyRow.kind, SurveyRow.score))
    with store.session() as session:
        return [(a, c, str(i), k, int(s), int(n)) for a, c, i, k, s, n in session.execute(query).tuples()]


def reply_outcomes(store: Store, start: datetime, end: datetime, where: MentionFilter
                   ) -> list[tuple[str, str, str, str, int]]:
    """``(agent, channel, intent, outcome, first responses)`` for the first responses given in ``[start, end)``:
    the outcome is the sentiment of the customer's next mention on the same channel within
    ``triage.db.reply_facts.OUTCOME_WINDOW_HOURS`` of the reply (``positive``, ``neutral``, ``negative``), or ``none``.

    Both are stored on the mention when they become known (``triage.db.reply_facts``): one GROUP BY over
    the answered mentions of the period, read from ``ix_mentions_outcome_report``."""
    intent = func.coalesce(MentionRow.intent, "unclassified")
    outcome = func.coalesce(MentionRow.outcome, "none")
    agent = MentionRow.first_response_agent
    query = (select(agent, MentionRow.channel, intent, outcome, func.count())  # count(*): from the index alone
             .where(text(ANSWERED_BY_REPLY_SQL), MentionRow.first_response_at >= start,
                    MentionRow.first_response_at < end, *where.clauses())
             .group_by(agent, MentionRow.channel, intent, outcome))
    with store.session() as session:
        return [(str(a), c, str(i), str(o), int(n)) for a, c, i, o, n in session.execute(query).tuples()]
