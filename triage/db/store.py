"""The database: opening it, upgrading its schema, storing and querying mentions.

Any SQLAlchemy URL works; SQLite (the default, in WAL mode) and PostgreSQL are tested.
Every statement uses bound parameters: post text never becomes SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, create_engine, event, func, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.orm import Session, sessionmaker

from triage.config.environment import environment
from triage.db.schema import RESCORE_NOW, SHOWN_REPLY_STATES, AuditRow, MentionRow, MetaRow, ReplyRow
from triage.db.transitions import (
    Move,
    NewReply,
    PendingReply,
    Sending,
    add_reply,
    apply_move,
    current_row,
    fail_sending,
    finish_sending,
    flag_for_review,
    pending_replies,
    release_stale_leases,
    take_sending,
)
from triage.db.upgrade import MIGRATIONS_DIR, alembic_config, upgrade_schema  # noqa: F401 (re-exported)
from triage.errors import DatabaseUnavailable, MentionNotFound, WorkflowConflict
from triage.records import OPEN_STATUSES, Mention, Priority, SentimentScores, utcnow
from triage.text.clean import TRUNCATED_KEY, bounded_raw, bounded_text, clean_text

DEFAULT_DB_URL = "sqlite:///data/triage.db"
_BATCH = 400  # rows per statement; keeps SQLite under its bound-parameter limit
WRITE_CHUNK = 300  # rows per write transaction: no transaction holds SQLite's write lock for long


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else ``TRIAGE_DB_URL``, else the default SQLite file."""
    return url or environment().db_url or DEFAULT_DB_URL


def _redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _check_sqlite_path(path: Path, default: bool) -> None:
    """A SQLite path must name a file in an existing folder; only the default's ``data/`` folder is created."""
    if path.is_dir():
        raise DatabaseUnavailable(
            f"SQLite path {path} is a folder; give a file in it, e.g. sqlite:///{(path / 'triage.db').as_posix()}"
        )
    if path.parent.is_dir():
        return
    if default:
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if path.parent.exists():
        raise DatabaseUnavailable(f"SQLite path {path}: {path.parent} is not a folder; choose another path")
    raise DatabaseUnavailable(
        f"SQLite path {path}: folder {path.parent} does not exist; create it (mkdir -p {path.parent}) "
        "or choose another path"
    )


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; raises ``DatabaseUnavailable`` with a one-line hint on failure."""
    shown = _redacted(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"'{url}' is not a database URL; use e.g. sqlite:///data/triage.db or "
            "postgresql+psycopg://user:pass@host/db (--db or TRIAGE_DB_URL)"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _check_sqlite_path(Path(parsed.database), default=url == DEFAULT_DB_URL)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseUnavailable(f"no driver for {shown} ({exc}); install it or use another URL") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except (OperationalError, SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot open database {shown}: {reason}; check --db or TRIAGE_DB_URL and that the server is running"
        ) from None
    return engine


def open_store(url: str | None = None) -> Store:
    """Open (and create or upgrade) the database at ``url`` (see ``resolve_url``)."""
    resolved = resolve_url(url)
    engine = create_db_engine(resolved)
    try:
        upgrade_schema(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseUnavailable(f"cannot prepare database {_redacted(resolved)}: {reason}") from None
    return Store(engine)


@dataclass(frozen=True)
class Holder:
    """Whose mentions the queue shows (``triage.queue.assignment`` builds these for "Mine", "Unassigned",
    "Team …"): ``person``'s own plus the unassigned ones of their ``teams``; or, with ``unassigned``,
    those no person holds; or those of ``team`` and those its ``members`` hold."""

    person: str | None = None
    teams: tuple[str, ...] = ()
    unassigned: bool = False
    team: str | None = None
    members: tuple[str, ...] = ()


@dataclass
class QueueFilter:
    """What the agent's queue shows. Empty collections mean 'any'."""

    channels: Sequence[str] = ()
    sentiments: Sequence[str] = ()
    statuses: Sequence[str] = ()
    languages: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    limit: int = 500
    classified_only: bool = False  # the agents' queue: a mention shows once classified and ranked
    holder: Holder | None = None  # None: everybody's


@dataclass(frozen=True)
class RefusedMention:
    """A mention the database would not store, and its one-line reason."""

    channel: str
    external_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.channel} id {self.external_id}: not stored ({self.reason})"


@dataclass
class UpsertResult:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    refused: list[RefusedMention] = field(default_factory=list)  # the database refused these; the rest are stored

    @property
    def ids(self) -> list[int]:
        return self.inserted + self.updated


def _reason(exc: StatementError) -> str:
    """The database's own first line, never the statement or its parameters (post text is hostile)."""
    message = str(exc.orig if exc.orig is not None else type(exc).__name__).strip()
    return clean_text(message.splitlines()[0] if message else type(exc).__name__)[:200]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _optional(value: str | None, width: int | None = None) -> str | None:
    if value is None:
        return None
    cleaned = clean_text(value)
    return cleaned[:width] if width else cleaned


# The queue's order: highest priority first, oldest first on ties (index ix_mentions_queue_order).
QUEUE_ORDER = (MentionRow.priority.desc(), MentionRow.created_at.asc(), MentionRow.id)


def queue_conditions(flt: QueueFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the queue's filter (``Store.queue``, ``triage.db.queue_view``)."""
    conditions: list[ColumnElement[bool]] = []
    if flt.classified_only:
        conditions.append(MentionRow.sentiment.is_not(None))
    if flt.channels:
        conditions.append(MentionRow.channel.in_(list(flt.channels)))
    if flt.sentiments:
        conditions.append(MentionRow.sentiment.in_(list(flt.sentiments)))
    if flt.statuses:
        conditions.append(MentionRow.status.in_(list(flt.statuses)))
    if flt.languages:
        conditions.append(MentionRow.language.in_(list(flt.languages)))
    if flt.since is not None:
        conditions.append(MentionRow.created_at >= flt.since)
    if flt.until is not None:
        conditions.append(MentionRow.created_at < flt.until)
    if flt.holder is not None:
        conditions.extend(_holder_conditions(flt.holder))
    for term in search_terms(flt.text):  # every word, or "quoted phrase", somewhere in the post or its author
        pattern = _like_pattern(term)
        conditions.append(or_(
            MentionRow.text.ilike(pattern, escape="\\"),
            MentionRow.author_handle.ilike(pattern, escape="\\"),
            MentionRow.author_name.ilike(pattern, escape="\\"),
        ))
    return conditions


_TERM = re.compile(r'"([^"]+)"|(\S+)')
MAX_SEARCH_TERMS = 8  # words past these are ignored: each is one more condition on every row read


def search_terms(text: str) -> list[str]:
    """The queue search's terms: each whitespace-separated word, a "quoted phrase" as one term.

    A mention matches when every term appears (case-insensitive, anywhere: "rout" finds "router") in
    its text, author handle or author name, so "router down" finds "the router is down again" and
    "\"router down\"" only the words side by side. Terms repeat at most once; at most ``MAX_SEARCH_TERMS``.
    """
    terms: list[str] = []
    for quoted, word in _TERM.findall(text):
        term = (quoted or word).strip()
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_SEARCH_TERMS]


def _holder_conditions(holder: Holder) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if holder.person is not None:
        mine = MentionRow.assignee == holder.person
        if holder.teams:
            mine = or_(mine, and_(MentionRow.assignee.is_(None), MentionRow.team.in_(list(holder.teams))))
        conditions.append(mine)
    if holder.unassigned:
        conditions.append(MentionRow.assignee.is_(None))
    if holder.team is not None:
        ours = MentionRow.team == holder.team
        if holder.members:
            ours = or_(ours, MentionRow.assignee.in_(list(holder.members)))
        conditions.append(ours)
    return conditions


def _mention_values(mention: Mention) -> dict[str, Any]:
    """The row for ``mention``: every text cleaned and bounded (``triage.text.clean``), ``raw`` kept as sent."""
    text, truncated_from = bounded_text(mention.text)
    raw = bounded_raw(dict(mention.raw or {}))
    if truncated_from is not None:
        raw[TRUNCATED_KEY] = truncated_from
    return {
        "channel": clean_text(mention.channel),
        "external_id": clean_text(mention.external_id),
        "url": clean_text(mention.url),
        "author_handle": clean_text(mention.author.handle),
        "author_name": clean_text(mention.author.display_name)[:255],
        "author_followers": int(mention.author.followers or 0),
        "author_verified": bool(mention.author.verified),
        "text": text,
        "language": _optional(mention.language, 16),
        "created_at": mention.created_at,
        "fetched_at": mention.fetched_at,
        "parent_id": _optional(mention.parent_id),
        "kind": mention.kind,
        "rating": mention.rating,
        "app_version": _optional(mention.app_version, 64),
        "raw": raw,
        "status": "new",
        "priority": 0,
        "reasons": [],
        "rescore_at": RESCORE_NOW,
        "updated_at": utcnow(),
    }


# Columns a re-fetch may refresh. Workflow columns (status, assignee, replies) never change here.
_REFRESHED = ("url", "author_name", "author_followers", "author_verified", "text", "fetched_at", "rating",
              "app_version", "raw")
_CLASSIFICATION = ("sentiment", "p_negative", "p_neutral", "p_positive", "classified_by", "intent", "topic",
                   "risks", "p_urgent")


class Store:
    """Mentions, replies and the audit trail in one SQLAlchemy database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    # ---- writing mentions -------------------------------------------------------------
    def upsert_mentions(self, mentions: Iterable[Mention]) -> UpsertResult:
        """Store mentions by (channel, external id); a repeat refreshes content, never workflow.

        When a repeat's text changed, its classification is cleared so it is classified again.
        Texts are cleaned and bounded on the way in (``triage.text.clean``). A row the database
        refuses never takes its chunk with it: the chunk is stored again row by row, and the
        refused rows are listed in ``UpsertResult.refused``.
        """
        result = UpsertResult()
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for mention in mentions:
            values = _mention_values(mention)
            unique[(values["channel"], values["external_id"])] = values
        items = list(unique.values())
        for start in range(0, len(items), _BATCH):
            chunk = items[start : start + _BATCH]
            try:
                stored = self._store_chunk(chunk)
            except StatementError as exc:
                if isinstance(exc, (OperationalError, InterfaceError)):
                    raise  # the database itself is unavailable: no row would go in
                for values in chunk:  # find the refused rows; store the others
                    try:
                        stored = self._store_chunk([values])
                    except StatementError as row_exc:
                        if isinstance(row_exc, (OperationalError, InterfaceError)):
                            raise
                        result.refused.append(
                            RefusedMention(values["channel"], values["external_id"], _reason(row_exc)))
                        continue
                    result.inserted += stored.inserted
                    result.updated += stored.updated
                continue
            result.inserted += stored.inserted
            result.updated += stored.updated
        return result

    def _store_chunk(self, rows: list[dict[str, Any]]) -> UpsertResult:
        """Upsert ``rows`` in one transaction: all of them, or none and the database's error."""
        stored = UpsertResult()
        with self.session() as session:
            self._upsert_chunk(session, rows, stored)
        return stored

    def _upsert_chunk(self, session: Session, rows: list[dict[str, Any]], result: UpsertResult) -> None:
        keys = {(v["channel"], v["external_id"]) for v in rows}
        existing = self._ids_for(session, keys)
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:
                from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # same API as sqlite's
            statement = insert(MentionRow).values(rows)
            changed = MentionRow.text != statement.excluded.text
            refreshed: dict[str, Any] = {name: statement.excluded[name] for name in _REFRESHED}
            for name in _CLASSIFICATION:
                refreshed[name] = case((changed, None), else_=getattr(MentionRow, name))
            refreshed["rescore_at"] = RESCORE_NOW  # followers, engagement or text may have changed
            statement = statement.on_conflict_do_update(
                index_elements=["channel", "external_id"], set_=refreshed
            )
            session.execute(statement)
        else:  # any other SQLAlchemy dialect: portable read-then-write
            for values in rows:
                key = (values["channel"], values["external_id"])
                if key in existing:
                    row = session.get(MentionRow, existing[key])
                    assert row is not None  # its id was read in this session
                    text_changed = row.text != values["text"]
                    for name in _REFRESHED:
                        setattr(row, name, values[name])
                    row.rescore_at = RESCORE_NOW
                    if text_changed:
                        for name in _CLASSIFICATION:
                            setattr(row, name, None)
                else:
                    session.add(MentionRow(**values))
            session.flush()
        ids = self._ids_for(session, keys)
        for values in rows:  # input order, so callers can zip ids with what they passed
            key = (values["channel"], values["external_id"])
            (result.updated if key in existing else result.inserted).append(ids[key])

    @staticmethod
    def _ids_for(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        by_channel: dict[str, list[str]] = {}
        for channel, external_id in keys:
            by_channel.setdefault(channel, []).append(external_id)
        for channel, external_ids in by_channel.items():
            query = select(MentionRow.id, MentionRow.external_id).where(
                MentionRow.channel == channel, MentionRow.external_id.in_(external_ids)
            )
            for mention_id, external_id in session.execute(query):
                found[(channel, external_id)] = mention_id
        return found

    def _update_by_id(self, values: list[dict[str, Any]]) -> None:
        """UPDATE mentions by primary key, ``WRITE_CHUNK`` rows per transaction (each dict has ``id``)."""
        for start in range(0, len(values), WRITE_CHUNK):
            chunk = values[start : start + WRITE_CHUNK]
            with self.session() as session:
                for keys in {tuple(sorted(v)) for v in chunk}:  # one executemany per set of columns
                    session.execute(update(MentionRow), [v for v in chunk if tuple(sorted(v)) == keys])

    def save_classifications(
        self, results: dict[int, tuple[SentimentScores, str | None]], model_name: str
    ) -> None:
        """Store sentiment scores (and detected language) by mention id; the mentions are rescored next refresh."""
        values = []
        for mention_id, (scores, language) in results.items():
            row: dict[str, Any] = {
                "id": mention_id,
                "sentiment": scores.label,
                "p_negative": scores.p_negative,
                "p_neutral": scores.p_neutral,
                "p_positive": scores.p_positive,
                "classified_by": model_name,
                "p_anger": scores.p_anger,
                "p_offensive": scores.p_offensive,
                "rescore_at": RESCORE_NOW,
            }
            if language:
                row["language"] = language
            values.append(row)
        self._update_by_id(values)

    def save_priorities(self, priorities: dict[int, Priority], urgencies: dict[int, float] | None = None,
                        rescore_at: dict[int, datetime | None] | None = None) -> None:
        """Store priorities (and urgencies, and when each goes stale) by mention id, in short transactions."""
        values = []
        for mention_id, priority in priorities.items():
            row: dict[str, Any] = {"id": mention_id, "priority": priority.score,
                                   "reasons": [r.to_dict() for r in priority.reasons]}
            if urgencies is not None and mention_id in urgencies:
                row["urgency"] = urgencies[mention_id]
            if rescore_at is not None and mention_id in rescore_at:
                row["rescore_at"] = rescore_at[mention_id]
            values.append(row)
        self._update_by_id(values)

    def save_intents(self, results: dict[int, tuple[str, str | None]]) -> None:
        """Store (intent, complaint topic) by mention id; the mentions are rescored next refresh."""
        self._update_by_id([{"id": mention_id, "intent": intent, "topic": topic, "rescore_at": RESCORE_NOW}
                            for mention_id, (intent, topic) in results.items()])

    def intent_pending_ids(self) -> list[int]:
        """Mentions whose intent is not classified yet."""
        with self.session() as session:
            return list(session.scalars(
                select(MentionRow.id).where(MentionRow.intent.is_(None)).order_by(MentionRow.id)))

    # ---- reading ------------------------------------------------------------------------
    def count(self) -> int:
        with self.session() as session:
            return session.scalar(select(func.count(MentionRow.id))) or 0

    def is_empty(self) -> bool:
        """Whether no mention is stored (cheaper than ``count`` on a big database)."""
        with self.session() as session:
            return session.scalar(select(MentionRow.id).limit(1)) is None

    def get(self, mention_id: int) -> MentionRow:
        with self.session() as session:
            row = session.get(MentionRow, mention_id)
            if row is None:
                raise MentionNotFound(f"no mention with id {mention_id}; refresh the queue")
            return row

    def find(self, channel: str, external_id: str) -> MentionRow | None:
        with self.session() as session:
            return session.scalar(
                select(MentionRow).where(MentionRow.channel == channel, MentionRow.external_id == external_id)
            )

    def mentions(self, ids: Sequence[int] | None = None) -> list[MentionRow]:
        with self.session() as session:
            query = select(MentionRow).order_by(MentionRow.id)
            if ids is not None:
                query = query.where(MentionRow.id.in_(list(ids)))
            return list(session.scalars(query))

    def mentions_to_rescore(self, audited_after: int = 0) -> tuple[list[MentionRow], int]:
        """The open mentions (``OPEN_STATUSES``) and those audited after audit row ``audited_after``, by id.

        Every status change writes an audit row, so the second set holds the mentions that
        left the queue since then. Also returns the newest audit row's id, for the next call.
        """
        with self.session() as session:
            newest = int(session.scalar(select(func.max(AuditRow.id))) or 0)
            audited = select(AuditRow.mention_id).where(AuditRow.id > audited_after, AuditRow.id <= newest)
            query = (select(MentionRow)
                     .where(or_(MentionRow.status.in_(OPEN_STATUSES), MentionRow.id.in_(audited)))
                     .order_by(MentionRow.id))
            return list(session.scalars(query)), newest

    def unclassified_ids(self) -> list[int]:
        with self.session() as session:
            return list(session.scalars(select(MentionRow.id).where(MentionRow.sentiment.is_(None))))

    def queue(self, flt: QueueFilter | None = None) -> list[MentionRow]:
        """Mentions for the agent's queue, highest priority first, oldest first on ties (``flt.limit`` of them)."""
        flt = flt or QueueFilter()
        query = select(MentionRow).where(*queue_conditions(flt)).order_by(*QUEUE_ORDER)
        with self.session() as session:
            return list(session.scalars(query.limit(flt.limit)))

    def author_history(self, mention: MentionRow, limit: int = 50) -> list[MentionRow]:
        """The same author's other mentions on the same channel, newest first."""
        with self.session() as session:
            query = (
                select(MentionRow)
                .where(
                    MentionRow.channel == mention.channel,
                    MentionRow.author_handle == mention.author_handle,
                    MentionRow.id != mention.id,
                )
                .order_by(MentionRow.created_at.desc())
                .limit(limit)
            )
            return list(session.scalars(query))

    def replies_to_customer(self, mention: MentionRow, limit: int = 50) -> list[tuple[ReplyRow, MentionRow]]:
        """The replies that stand to this author on this channel, or in this mention's thread (its parent, its
        siblings, its replies), this mention's own included; newest first."""
        thread = [MentionRow.author_handle == mention.author_handle]
        if mention.parent_id:
            thread += [MentionRow.external_id == mention.parent_id, MentionRow.parent_id == mention.parent_id]
        thread.append(MentionRow.parent_id == mention.external_id)
        with self.session() as session:
            query = (select(ReplyRow, MentionRow).join(MentionRow, ReplyRow.mention_id == MentionRow.id)
                     .where(MentionRow.channel == mention.channel, or_(*thread),
                            ReplyRow.state.in_(SHOWN_REPLY_STATES))
                     .order_by(ReplyRow.sent_at.desc()).limit(limit))
            return [(reply, row) for reply, row in session.execute(query).tuples()]

    def replies_for(self, mention_ids: Sequence[int]) -> dict[int, list[ReplyRow]]:
        """The replies that stand (posted, or recorded), by mention; pending, failed and unsure ones are left out."""
        if not mention_ids:
            return {}
        with self.session() as session:
            query = (select(ReplyRow)
                     .where(ReplyRow.mention_id.in_(list(mention_ids)), ReplyRow.state.in_(SHOWN_REPLY_STATES))
                     .order_by(ReplyRow.sent_at))
            grouped: dict[int, list[ReplyRow]] = {}
            for reply in session.scalars(query):
                grouped.setdefault(reply.mention_id, []).append(reply)
            return grouped

    def audit_for(self, mention_id: int) -> list[AuditRow]:
        with self.session() as session:
            query = select(AuditRow).where(AuditRow.mention_id == mention_id).order_by(AuditRow.at, AuditRow.id)
            return list(session.scalars(query))

    def distinct(self, column: str) -> list[str]:
        """Distinct non-empty values of a mention column (for filter choices)."""
        attribute = getattr(MentionRow, column)
        with self.session() as session:
            values = session.scalars(select(attribute).where(attribute.is_not(None)).distinct())
            return sorted(str(v) for v in values if v)

    # ---- facts about the database --------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.session() as session:
            row = session.get(MetaRow, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as session:
            row = session.get(MetaRow, key)
            if row is None:
                session.add(MetaRow(key=key, value=value))
            else:
                row.value = value

    def reply_exists(self, channel: str, external_id: str) -> bool:
        """Whether a reply with this platform id is already stored for a mention on ``channel``."""
        with self.session() as session:
            query = (
                select(ReplyRow.id)
                .join(MentionRow, MentionRow.id == ReplyRow.mention_id)
                .where(MentionRow.channel == channel, ReplyRow.external_id == external_id)
            )
            return session.scalar(query.limit(1)) is not None

    # ---- workflow moves, replies and tone profiles ---------------------------------------
    # (what ``triage.queue.workflow``, ``triage.replies.suggest`` and ``triage.replies.history`` store and read)
    def move(self, move: Move, reply: NewReply | None = None) -> int | None:
        """Apply a workflow move in one transaction: one conditional UPDATE plus its audit row
        (see ``triage.db.transitions``); with ``reply``, the reply is stored in the same
        transaction and its id returned. Raises ``MoveRefused`` when the mention cannot move.
        """
        with self.session() as session:
            apply_move(session, move)
            if reply is None:
                return None
            return add_reply(session, move.mention_id, move.agent, move.at, reply)

    def mark_not_spam(self, mention_id: int, agent: str, at: datetime, note: str,
                      intent_for: Callable[[MentionRow], str | None]) -> None:
        """Set ``not_spam`` with its audit row in one transaction; ``intent_for`` gives the intent the
        mention takes instead of spam (decided by ``triage.ranking.intent``, not here).
        Raises ``WorkflowConflict`` when it is already marked."""
        with self.session() as session:
            row = current_row(session, mention_id)
            if row.not_spam:
                raise WorkflowConflict("this mention is already marked not spam")
            row.not_spam = True
            row.intent = intent_for(row)
            row.updated_at = at
            session.add(AuditRow(mention_id=mention_id, actor=agent, at=at, action="not_spam",
                                 from_status=row.status, to_status=row.status, note=note))

    # ---- sending: the lease that makes each reply go out once (see ``triage.db.transitions``) ----
    def take_sending(self, sending: Sending) -> int:
        """Lease the mention to the sender and store the reply ``pending``, in one transaction; returns
        the reply's id. Raises ``MoveRefused`` when the mention cannot be sent to now."""
        with self.session() as session:
            return take_sending(session, sending)

    def finish_sending(self, reply_id: int, external_id: str | None, at: datetime, note: str = "",
                       actor: str | None = None) -> bool:
        """Mark the pending reply posted and its mention replied; False when the sender no longer held it."""
        with self.session() as session:
            return finish_sending(session, reply_id, external_id, at, note, actor)

    def fail_sending(self, reply_id: int, error: str, at: datetime) -> None:
        """Mark the pending reply failed and give its mention back in the status it had."""
        with self.session() as session:
            fail_sending(session, reply_id, error, at)

    def pending_replies(self, stored_before: datetime) -> list[PendingReply]:
        """Replies left ``pending`` (stored before ``stored_before``), oldest first."""
        with self.session() as session:
            return pending_replies(session, stored_before)

    def flag_for_review(self, reply_id: int, at: datetime, note: str) -> bool:
        """Mark a pending reply and its mention ``needs_review`` (audit ``note``); False if it was not pending."""
        with self.session() as session:
            return flag_for_review(session, reply_id, at, note)

    def release_stale_leases(self, taken_before: datetime, at: datetime) -> list[int]:
        """Release ``sending`` leases taken before ``taken_before`` that hold no pending reply."""
        with self.session() as session:
            return release_stale_leases(session, taken_before, at)

    def replies_in_state(self, state: str, mention_ids: Sequence[int] | None = None) -> list[ReplyRow]:
        """Replies in ``state`` (e.g. ``needs_review``), optionally of some mentions only, oldest first."""
        query = select(ReplyRow).where(ReplyRow.state == state).order_by(ReplyRow.id)
        if mention_ids is not None:
            query = query.where(ReplyRow.mention_id.in_(list(mention_ids)))
        with self.session() as session:
            return list(session.scalars(query))

    def reply_count(self) -> int:
        """How many replies stand (posted or recorded)."""
        with self.session() as session:
            return int(session.scalar(select(func.count(ReplyRow.id))
                                      .where(ReplyRow.state.in_(SHOWN_REPLY_STATES))) or 0)

    def replies_after(self, reply_id: int) -> list[tuple[ReplyRow, MentionRow]]:
        """Replies stored after ``reply_id`` that stand (posted or recorded), each with the mention it answered,
        oldest first. It stops before the first reply still ``pending``, so a caller that keeps the last id
        it saw never skips a reply whose post is finishing."""
        query = (
            select(ReplyRow, MentionRow)
            .join(MentionRow, MentionRow.id == ReplyRow.mention_id)
            .where(ReplyRow.id > reply_id, ReplyRow.error.is_(None), ReplyRow.state.in_(SHOWN_REPLY_STATES))
            .order_by(ReplyRow.id)
        )
        with self.session() as session:
            first_pending = session.scalar(select(func.min(ReplyRow.id))
                                           .where(ReplyRow.id > reply_id, ReplyRow.state == "pending"))
            if first_pending is not None:
                query = query.where(ReplyRow.id < first_pending)
            return [(reply, mention) for reply, mention in session.execute(query).tuples()]

    def untoned_mentions(self) -> list[MentionRow]:
        """Classified mentions that have no tone profile yet."""
        with self.session() as session:
            return list(session.scalars(select(MentionRow).where(MentionRow.tone.is_(None),
                                                                 MentionRow.sentiment.is_not(None))))

    def save_tones(self, tones: dict[int, dict[str, Any]]) -> None:
        """Store tone profiles (``ToneProfile.to_dict()``) by mention id, in short transactions."""
        self._update_by_id([{"id": mention_id, "tone": tone} for mention_id, tone in tones.items()])
