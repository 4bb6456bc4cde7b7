"""The queries behind the reports and the spike check (``triage.queue.reports``, ``triage.queue.spikes``).

The complaints' own queries are in ``triage.db.complaints`` (one definition of a complaint).

Each function opens its own transaction and returns plain rows or tuples; the figures are
computed by the callers. Every statement uses bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, literal, literal_column, select

from triage.db.complaints import complaint_condition
from triage.db.schema import SHOWN_REPLY_STATES, AuditRow, MentionRow, ReplyDayRow, ReplyRow
from triage.db.store import Store


def _day(dialect: str) -> ColumnElement[Any]:
    """The UTC day a mention was posted: a ``date`` on PostgreSQL (a cast, far cheaper per row than
    ``to_char``), ``YYYY-MM-DD`` text on SQLite; callers take ``str()`` of it, the same text on both."""
    if dialect == "postgresql":
        # 'UTC' written into the SQL, not bound: the expression of ix_mentions_volume_day (schema.POSTGRESQL_DAY_SQL)
        # even in the generic plan PostgreSQL keeps for a statement prepared after five runs
        return cast(func.timezone(literal_column("'UTC'"), MentionRow.created_at), Date)
    return func.date(MentionRow.created_at)  # SQLite stores UTC text


def _response_hours(dialect: str) -> ColumnElement[Any]:
    """Hours from posting to the first response, rounded to 0.1 h (the precision the Trends page shows)."""
    seconds: ColumnElement[Any]
    if dialect == "postgresql":
        seconds = func.extract("epoch", MentionRow.first_response_at - MentionRow.created_at)
    else:
        seconds = (func.julianday(MentionRow.first_response_at) - func.julianday(MentionRow.created_at)) * 86400
    return func.round(seconds / 360) / 10


def daily_counts(store: Store, since: datetime) -> list[tuple[str, str, str | None, int]]:
    """``(day, channel, sentiment, mentions)`` of the mentions posted since ``since``: one GROUP BY."""
    day = _day(store.engine.dialect.name).label("day")
    query = (select(day, MentionRow.channel, MentionRow.sentiment, func.count(MentionRow.id))
             .where(MentionRow.created_at >= since).group_by(day, MentionRow.channel, MentionRow.sentiment))
    with store.session() as session:
        return [(str(d), c, s, int(n)) for d, c, s, n in session.execute(query).tuples()]


def response_hours(store: Store, since: datetime) -> list[tuple[str, float, int]]:
    """``(day posted, hours to first response (0.1 h steps), mentions)`` of the answered mentions posted since
    ``since``: a histogram, not the rows."""
    dialect = store.engine.dialect.name
    day, hours = _day(dialect).label("day"), _response_hours(dialect).label("hours")
    query = (select(day, hours, func.count(MentionRow.id))
             .where(MentionRow.created_at >= since, MentionRow.first_response_at.is_not(None)).group_by(day, hours))
    with store.session() as session:
        return [(str(d), float(h), int(n)) for d, h, n in session.execute(query).tuples()]


def reply_provenance(store: Store, since: datetime) -> list[tuple[str | None, str | None, int | None]]:
    """``(suggestion_source, suggestion_text, edit_distance)`` of the replies sent since ``since``."""
    query = select(ReplyRow.suggestion_source, ReplyRow.suggestion_text, ReplyRow.edit_distance).where(
        ReplyRow.sent_at >= since, ReplyRow.state.in_(SHOWN_REPLY_STATES))
    with store.session() as session:
        return list(session.execute(query).tuples())


def negative_counts(store: Store, now: datetime, window: timedelta, windows: int) -> list[int]:
    """Negative mentions in each window back from ``now``: index i counts those posted in
    ``(now - (i + 1) * window, now - i * window]``, for i in 0..``windows`` (one query)."""
    columns = [func.sum(case((and_(MentionRow.created_at > now - window * (i + 1),
                                   MentionRow.created_at <= now - window * i), 1), else_=0))
               for i in range(windows + 1)]
    query = select(func.count(MentionRow.id), *columns).where(
        MentionRow.sentiment == "negative", MentionRow.created_at > now - window * (windows + 1),
        MentionRow.created_at <= now)
    with store.session() as session:
        row = session.execute(query).one()
    return [int(value or 0) for value in row[1:]]


# --- the manager's reports: any period, filters, per agent and per channel (issue 15) -----------------------
#
# Every function below is one GROUP BY over the period's rows and returns small tuples (one per group):
# nothing loads the period's mentions. ``start`` is inclusive, ``end`` exclusive.

AGE_BUCKET_HOURS: tuple[tuple[str, float], ...] = (("<1 h", 1), ("1-4 h", 4), ("4-24 h", 24), (">1 day", float("inf")))
"""The age buckets of unanswered complaints, youngest first (the order every report shows them in)."""
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class MentionFilter:
    """The queue's filters, as the reports apply them: an empty tuple lets everything through."""

    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def by_channel_only(self) -> bool:
        """Whether only the channel filter is set: what ``reply_days`` can answer (it has no language,
        intent or topic, which can change after the reply)."""
        return not (self.languages or self.intents or self.topics)

    def clauses(self) -> list[ColumnElement[bool]]:
        wanted = ((MentionRow.channel, self.channels), (MentionRow.language, self.languages),
                  (MentionRow.intent, self.intents), (MentionRow.topic, self.topics))
        own: list[ColumnElement[bool]] = [MentionRow.brand.is_(None)]  # competitors count in share of voice only
        return own + [column.in_(list(values)) for column, values in wanted if values]


EVERYTHING = MentionFilter()


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def _sla_seconds(sla_hours: Mapping[str, float], default_hours: float, channel: Any = MentionRow.channel
                 ) -> ColumnElement[Any]:
    """The SLA of each mention's channel in seconds: the channel's own, else its family's
    (``file:export.csv`` -> ``file``), else ``default_hours`` (as ``triage.ranking.priority`` reads them)."""
    whens: list[tuple[ColumnElement[bool], float]] = [(channel == name, hours * 3600)
                                                      for name, hours in sla_hours.items()]
    whens += [(channel.like(f"{name}:%"), hours * 3600) for name, hours in sla_hours.items()
              if "%" not in name and "_" not in name]
    if not whens:
        return literal(default_hours * 3600)
    return case(*whens, else_=default_hours * 3600)


def _agents_clause(column: Any, agents: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if agents is None else [func.lower(column).in_([a.lower() for a in agents])]


def mention_volume(store: Store, start: datetime, end: datetime, where: MentionFilter
                   ) -> list[tuple[str, str, str | None, int]]:
    """``(day, channel, sentiment, mentions)`` of the mentions posted in ``[start, end)``."""
    dialect = store.engine.dialect.name
    day = _day(dialect).label("day")
    # on PostgreSQL the days too, so ix_mentions_volume_day is read in day order (same rows: [start, end) as well)
    first, last = start.astimezone(timezone.utc).date(), end.astimezone(timezone.utc).date() + timedelta(days=1)
    days = [day >= first, day < last] if dialect == "postgresql" else []
    query = (select(day, MentionRow.channel, MentionRow.sentiment, func.count())  # count(*): from the index alone
             .where(MentionRow.created_at >= start, MentionRow.created_at < end, *days, *where.clauses())
             .group_by(day, MentionRow.channel, MentionRow.sentiment))
    with store.session() as session:
        return [(str(d), c, s, int(n)) for d, c, s, n in session.execute(query).tuples()]


def _first_response_query(store: Store, start: datetime, end: datetime, where: MentionFilter,
                          agents: Sequence[str] | None, *columns: Any) -> Any:
    """The first responses given in ``[start, end)``, each with the agent whose reply it was."""
    return (select(ReplyRow.agent, *columns, func.count(MentionRow.id))
            .join(MentionRow, MentionRow.id == ReplyRow.mention_id)
            .where(ReplyRow.sent_at >= start, ReplyRow.sent_at < end, ReplyRow.state.in_(SHOWN_REPLY_STATES),
                   ReplyRow.sent_at == MentionRow.first_response_at, *where.clauses(),
                   *_agents_clause(ReplyRow.agent, agents))
            .group_by(ReplyRow.agent, *columns))


def response_minutes(store: Store, start: datetime, end: datetime, where: MentionFilter,
                     agents: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
    """``(agent, minutes to first response, mentions)``: a histogram of the first responses given in
    ``[start, end)``. Minutes are exact below an hour, in 5-minute steps below a day, in hours after:
    a few thousand groups at most whatever the volume, and medians within 2.5 minutes (30 after a day)."""
    seconds = seconds_between(store.engine.dialect.name, MentionRow.first_response_at, MentionRow.created_at)
    minutes = case((seconds < 3600, func.round(seconds / 60)), (seconds < 86400, func.round(seconds / 300) * 5),
                   else_=func.round(seconds / 3600) * 60).label("minutes")
    with store.session() as session:
        rows = session.execute(_first_response_query(store, start, end, where, agents, minutes)).tuples()
        return [(a, int(m), int(n)) for a, m, n in rows]


def response_sla(store: Store, start: datetime, end: datetime, where: MentionFilter, sla_hours: Mapping[str, float],
                 default_sla_hours: float, agents: Sequence[str] | None = None) -> list[tuple[str, str, int, int]]:
    """``(agent, channel, first responses, of those within the channel's SLA)`` in ``[start, end)``."""
    seconds = seconds_between(store.engine.dialect.name, MentionRow.first_response_at, MentionRow.created_at)
    within = func.sum(case((seconds <= _sla_seconds(sla_hours, default_sla_hours), 1), else_=0))
    query = _first_response_query(store, start, end, where, agents, MentionRow.channel).add_columns(within)
    with store.session() as session:
        return [(a, c, int(n), int(w or 0)) for a, c, n, w in session.execute(query).tuples()]


def replies_sent(store: Store, start: datetime, end: datetime, where: MentionFilter,
                 agents: Sequence[str] | None = None, accepted_share: float = 0.10
                 ) -> list[tuple[str, str, int, int, int]]:
    """``(agent, channel, replies sent, replies started from a suggestion, of those sent with at most
    ``accepted_share`` of the suggestion edited)`` for the replies sent in ``[start, end)``."""
    suggested = ReplyRow.suggestion_source.is_not(None)
    length = func.length(ReplyRow.suggestion_text)
    accepted = and_(suggested, ReplyRow.edit_distance.is_not(None), ReplyRow.suggestion_text.is_not(None),
                    ReplyRow.edit_distance <= accepted_share * case((length > 1, length), else_=1))
    query = (select(ReplyRow.agent, MentionRow.channel, func.count(ReplyRow.id),
                    func.sum(case((suggested, 1), else_=0)), func.sum(case((accepted, 1), else_=0)))
             .join(MentionRow, MentionRow.id == ReplyRow.mention_id)
             .where(ReplyRow.sent_at >= start, ReplyRow.sent_at < end, ReplyRow.state.in_(SHOWN_REPLY_STATES),
                    *where.clauses(), *_agents_clause(ReplyRow.agent, agents))
             .group_by(ReplyRow.agent, MentionRow.channel))
    with store.session() as session:
        rows = session.execute(query).tuples()
        return [(a, c, int(n), int(s or 0), int(k or 0)) for a, c, n, s, k in rows]


def actions_by_actor(store: Store, start: datetime, end: datetime, where: MentionFilter, action: str,
                     agents: Sequence[str] | None = None) -> list[tuple[str, int]]:
    """``(actor, audit rows)`` of ``action`` (e.g. ``escalate``) taken in ``[start, end)``.

    Without a filter only the competitors' mentions are left out, read from their own small index
    (``ix_mentions_competitors``) instead of joining every mention of the period."""
    query = (select(AuditRow.actor, func.count(AuditRow.id))
             .where(AuditRow.action == action, AuditRow.at >= start, AuditRow.at < end,
                    *_agents_clause(AuditRow.actor, agents))
             .group_by(AuditRow.actor))
    if where == EVERYTHING:
        competitors = select(MentionRow.id).where(MentionRow.brand.is_not(None))
        query = query.where(AuditRow.mention_id.not_in(competitors))
    else:
        query = query.join(MentionRow, MentionRow.id == AuditRow.mention_id).where(*where.clauses())
    with store.session() as session:
        return [(a, int(n)) for a, n in session.execute(query).tuples()]


# --- the same figures from ``reply_days`` (triage.db.reply_facts): a few rows per day, whatever the volume ----------
def _days_where(start: datetime, end: datetime, where: MentionFilter, agents: Sequence[str] | None
                ) -> list[ColumnElement[bool]]:
    """The days of ``[start, end)`` (whole UTC days: the reports' periods) and the channel filter."""
    days = [ReplyDayRow.day >= start.date(), ReplyDayRow.day < end.date()]
    channels = [ReplyDayRow.channel.in_(list(where.channels))] if where.channels else []
    return days + channels + _agents_clause(ReplyDayRow.agent, agents)


def day_response_minutes(store: Store, start: datetime, end: datetime, where: MentionFilter,
                         agents: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
    """``response_minutes`` from ``reply_days`` (``where.by_channel_only`` must hold)."""
    count = func.sum(ReplyDayRow.first_responses)
    query = (select(ReplyDayRow.agent, ReplyDayRow.minutes, count)
             .where(ReplyDayRow.first_responses > 0, *_days_where(start, end, where, agents))
             .group_by(ReplyDayRow.agent, ReplyDayRow.minutes))
    with store.session() as session:
        return [(a, int(m), int(n)) for a, m, n in session.execute(query).tuples()]


def day_replies(store: Store, start: datetime, end: datetime, where: MentionFilter, sla_hours: Mapping[str, float],
                default_sla_hours: float, agents: Sequence[str] | None = None
                ) -> tuple[list[tuple[str, str, int, int]], list[tuple[str, str, int, int, int]]]:
    """``(response_sla, replies_sent)`` rows from ``reply_days`` (``where.by_channel_only`` must hold;
    suggestions accepted at ``triage.db.reply_facts.ACCEPTED_SHARE``)."""
    sla_seconds = _sla_seconds(sla_hours, default_sla_hours, ReplyDayRow.channel)
    within = func.sum(case((ReplyDayRow.sla_minutes * 60 <= sla_seconds, ReplyDayRow.first_responses), else_=0))
    query = (select(ReplyDayRow.agent, ReplyDayRow.channel, func.sum(ReplyDayRow.first_responses), within,
                    func.sum(ReplyDayRow.replies), func.sum(ReplyDayRow.suggested), func.sum(ReplyDayRow.accepted))
             .where(*_days_where(start, end, where, agents)).group_by(ReplyDayRow.agent, ReplyDayRow.channel))
    with store.session() as session:
        rows = [(a, c, int(f or 0), int(w or 0), int(r or 0), int(s or 0), int(k or 0))
                for a, c, f, w, r, s, k in session.execute(query).tuples()]
    sla = [(a, c, f, w) for a, c, f, w, *_ in rows if f]
    sent = [(a, c, r, s, k) for a, c, _f, _w, r, s, k in rows if r]
    return sla, sent


def reopened_after_reply(store: Store, start: datetime, end: datetime, where: MentionFilter,
                         agents: Sequence[str] | None = None) -> list[tuple[str, int]]:
    """``(agent, mentions)``: the mentions an agent replied to in ``[start, end)`` that were reopened after it."""
    reopened = (select(AuditRow.mention_id, AuditRow.at)
                .where(AuditRow.action == "reopen", AuditRow.at > start).subquery())  # few: read them first
    query = (select(ReplyRow.agent, func.count(func.distinct(ReplyRow.mention_id)))
             .join(reopened, and_(reopened.c.mention_id == ReplyRow.mention_id, reopened.c.at > ReplyRow.sent_at))
             .join(MentionRow, MentionRow.id == ReplyRow.mention_id)
             .where(ReplyRow.sent_at >= start, ReplyRow.sent_at < end, ReplyRow.state.in_(SHOWN_REPLY_STATES),
                    *where.clauses(), *_agents_clause(ReplyRow.agent, agents))
             .group_by(ReplyRow.agent))
    with store.session() as session:
        return [(a, int(n)) for a, n in session.execute(query).tuples()]


def open_complaints_by_age(store: Store, now: datetime, where: MentionFilter,
                           owners: Sequence[str] | None = None,
                           posted: tuple[datetime, datetime] | None = None) -> list[tuple[str, str, int]]:
    """``(age bucket, owner, complaints)`` of the open unanswered complaints (``complaint_condition``),
    posted within ``posted`` (``[start, end)``) when given; the owner is the assignee, ``UNASSIGNED`` when
    nobody holds it."""
    whens = [(MentionRow.created_at > now - timedelta(hours=limit), name)
             for name, limit in AGE_BUCKET_HOURS if limit != float("inf")]
    bucket = case(*whens, else_=AGE_BUCKET_HOURS[-1][0]).label("bucket")
    owner = func.coalesce(MentionRow.assignee, UNASSIGNED).label("owner")
    query = (select(bucket, owner, func.count(MentionRow.id))
             .where(complaint_condition(), *where.clauses(), *_agents_clause(MentionRow.assignee, owners),
                    *([MentionRow.created_at >= posted[0], MentionRow.created_at < posted[1]] if posted else []))
             .group_by(bucket, owner))
    with store.session() as session:
        return [(str(b), str(o), int(n)) for b, o, n in session.execute(query).tuples()]


def brand_volume(store: Store, start: datetime, end: datetime) -> list[tuple[str, str | None, str | None, int]]:
    """``(day, brand, sentiment, mentions)`` of every brand's mentions posted in ``[start, end)``
    (brand None: our own)."""
    day = _day(store.engine.dialect.name).label("day")
    query = (select(day, MentionRow.brand, MentionRow.sentiment, func.count())  # count(*): from the index alone
             .where(MentionRow.created_at >= start, MentionRow.created_at < end)
             .group_by(day, MentionRow.brand, MentionRow.sentiment))
    with store.session() as session:
        return [(str(d), b, s, int(n)) for d, b, s, n in session.execute(query).tuples()]


def tag_brands(store: Store, brands: Mapping[int, str]) -> None:
    """Set ``mentions.brand`` of each id to its competitor's name."""
    from sqlalchemy import update

    with store.session() as session:
        for name in set(brands.values()):
            ids = [i for i, b in brands.items() if b == name]
            session.execute(update(MentionRow).where(MentionRow.id.in_(ids)).values(brand=name)
                            .execution_options(synchronize_session=False))


def mention_texts(store: Store, ids: Sequence[int]) -> list[tuple[int, str]]:
    """``(id, text)`` of the given mentions (a batch just stored)."""
    with store.session() as session:
        return list(session.execute(select(MentionRow.id, MentionRow.text).where(MentionRow.id.in_(list(ids))))
                    .tuples())
