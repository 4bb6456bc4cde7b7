"""Database tables (SQLAlchemy 2 declarative). Migrations live in ``triage/db/migrations``."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from triage.records import MAX_CHANNEL_CHARS, OPEN_STATUSES

# ``mentions.rescore_at`` of a mention whose priority must be recomputed at the next refresh.
RESCORE_NOW = datetime(1970, 1, 1, tzinfo=timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns timezone-aware UTC datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


# A mention is pending (waits for a worker) while any of these is missing; see triage.db.claims.
PENDING_SQL = "sentiment IS NULL OR intent IS NULL OR tone IS NULL"
# The open mentions (``triage.records.OPEN_STATUSES``, spelled out: an index predicate is fixed by its
# migration, 0009; a test checks the two agree): the agents' queue, in ix_mentions_open_queue.
OPEN_QUEUE_SQL = "status IN ('new', 'in_progress', 'sending', 'needs_review', 'escalated')"
# ... and the columns the queue's usual filters read, carried in that index on PostgreSQL so a page's ids,
# its count and a jump's walk are read from the index alone (index-only scans)
OPEN_QUEUE_INCLUDE = ("channel", "sentiment", "language", "incident_id")


# A complaint (triage.db.complaints): open, never answered, and the final intent is complaint, or the post
# carries a named risk (money, safety, account takeover, churn/legal) and is not spam, whatever its sentiment.
COMPLAINT_SQL = (
    "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ") AND first_response_at IS NULL"
    " AND (intent = 'complaint' OR (risks <> '' AND intent <> 'spam'))"
)
RISKS_CHARS = 64  # mentions.risks: named risks joined by commas (triage.text.signals.risks_value)


ANSWERED_BY_REPLY_SQL = "first_response_agent IS NOT NULL"
POSTGRESQL_DAY_SQL = "CAST(timezone('UTC', created_at) AS DATE)"
"""The UTC day a mention was posted, as ``ix_mentions_volume_day`` and ``triage.db.reporting`` write it."""
"""The mentions whose first response was a reply (revision 0015's partial indexes)."""


class MentionRow(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_mentions_channel_external_id"),
        Index("ix_mentions_status_priority", "status", "priority"),
        Index("ix_mentions_author", "channel", "author_handle"),
        Index("ix_mentions_created_at", "created_at"),
        # the pending mentions workers claim (triage.db.claims); revision 0006
        Index("ix_mentions_pending", "id", sqlite_where=text(PENDING_SQL), postgresql_where=text(PENDING_SQL)),
        # the queue's order (priority first, oldest first on ties), the refresh's due list, the reports' filter
        Index("ix_mentions_queue_order", sql_text("priority DESC"), "created_at", "id"),
        Index("ix_mentions_rescore_at", "rescore_at"),
        Index("ix_mentions_sentiment_status", "sentiment", "status"),
        # revision 0009: the open queue's order (keyset pages, triage.db.queue_view), and the filter
        # choices' columns (distinct values read by hopping through an index)
        Index("ix_mentions_open_queue", sql_text("priority DESC"), "created_at", "id",
              sqlite_where=text(OPEN_QUEUE_SQL), postgresql_where=text(OPEN_QUEUE_SQL),
              postgresql_include=list(OPEN_QUEUE_INCLUDE)),
        Index("ix_mentions_language", "language"),
        Index("ix_mentions_intent", "intent"),
        Index("ix_mentions_topic", "topic"),
        # the queue's "Mine", "Unassigned" and "Team" filters, the open items per person; revision 0010
        Index("ix_mentions_assignee", "assignee"),
        Index("ix_mentions_team", "team"),
        # the open, unanswered complaints by when they were posted (triage.db.complaints); revision 0011
        Index("ix_mentions_open_complaints", "status", "created_at", sqlite_where=text(COMPLAINT_SQL),
              postgresql_where=text(COMPLAINT_SQL)),
        # the reports' first responses of a period (revision 0012); answered mentions only, so the open
        # complaints (first_response_at IS NULL) are read from ix_mentions_open_complaints
        Index("ix_mentions_first_response_at", "first_response_at", sqlite_where=text("first_response_at IS NOT NULL"),
              postgresql_where=text("first_response_at IS NOT NULL")),
        # the reports' volume GROUP BY, answered from the index alone (revision 0012)
        Index("ix_mentions_report_volume", "created_at", "channel", "sentiment", "brand"),
        # the customer's next message after a reply, from the index alone (triage.db.surveys.reply_outcomes;
        # revision 0013)
        Index("ix_mentions_author_next", "channel", "author_handle", "created_at", "id", "sentiment"),
        # revision 0015 (triage.db.reply_facts): the outcome report's GROUP BY from the index alone; the
        # answered mentions a new message from the same customer may be the outcome of; who points at a message
        Index("ix_mentions_outcome_report", "first_response_at", "first_response_agent", "channel", "intent",
              "outcome", "language", "topic", "brand", sqlite_where=text(ANSWERED_BY_REPLY_SQL),
              postgresql_where=text(ANSWERED_BY_REPLY_SQL)),
        Index("ix_mentions_awaiting_outcome", "channel", "author_handle", "first_response_at",
              sqlite_where=text(ANSWERED_BY_REPLY_SQL), postgresql_where=text(ANSWERED_BY_REPLY_SQL)),
        Index("ix_mentions_outcome_id", "outcome_id", sqlite_where=text("outcome_id IS NOT NULL"),
              postgresql_where=text("outcome_id IS NOT NULL")),
        # not declared here: ix_mentions_volume_day, PostgreSQL only (revision 0015), on
        # (POSTGRESQL_DAY_SQL, channel, sentiment, brand) INCLUDE (created_at): the reports' volume per UTC day
        # in day order, a streaming, parallel GROUP BY from the index alone (SQLite reads ix_mentions_report_volume)
        # the competitors' mentions, which the reports leave out (revision 0015)
        Index("ix_mentions_competitors", "id", sqlite_where=text("brand IS NOT NULL"),
              postgresql_where=text("brand IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(MAX_CHANNEL_CHARS))
    external_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text, default="")
    author_handle: Mapped[str] = mapped_column(String(255))
    author_name: Mapped[str] = mapped_column(String(255), default="")
    author_followers: Mapped[int] = mapped_column(Integer, default=0)
    author_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    parent_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="post")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    app_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the competitor of [brand.competitors] a mention is about; NULL: our own brand (revision 0012)
    brand: Mapped[str | None] = mapped_column(String(64), nullable=True)

    # triage
    sentiment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    p_negative: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_neutral: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_positive: Mapped[float | None] = mapped_column(Float, nullable=True)
    classified_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    p_anger: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_offensive: Mapped[float | None] = mapped_column(Float, nullable=True)
    intent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    topic: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # named risks, comma-separated (money, safety, account_takeover, churn_legal); '' none; NULL not computed yet
    risks: Mapped[str | None] = mapped_column(String(RISKS_CHARS), nullable=True)
    urgency: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the learned urgency head's probability (triage.models.urgency); NULL: no head, or not classified since
    p_urgent: Mapped[float | None] = mapped_column(Float, nullable=True)
    tone: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    not_spam: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL", name="fk_mentions_incident_id"), nullable=True, index=True
    )
    priority: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # When the stored priority goes stale (its waiting time crosses a step); NULL: it never does on its own.
    # RESCORE_NOW (the epoch) marks a mention to rescore at the next refresh (see triage.ranking.refresh).
    rescore_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                        default=lambda: RESCORE_NOW)
    # labels a person set (sentiment, intent, topic, urgent, wrong_reasons): they win over the models'
    overrides: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the version that classified it

    # workflow
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee: Mapped[str | None] = mapped_column(String(255), nullable=True)
    team: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a team of [teams] in triage.toml
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # while a reply is being posted (status ``sending``): who sends it, since when, and the status to go back to
    sending_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sending_from: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # revision 0015, kept by triage.db.reply_facts and the database's triggers: whose reply was the first
    # response; the customer's next message within 72 h of it and that message's sentiment (NULL: none yet)
    first_response_agent: Mapped[str | None] = mapped_column(String(255), nullable=True)
    outcome_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)


REPLY_STATES: tuple[str, ...] = ("pending", "posted", "recorded", "failed", "needs_review")
"""A reply's life: ``pending`` while it is being posted; ``posted`` on the platform (``external_id``);
``recorded`` without posting (dry run, or a channel Ascolto cannot post on); ``failed`` when the platform
refused it (``error``); ``needs_review`` when a crash left it unknown whether it went out."""
SHOWN_REPLY_STATES: tuple[str, ...] = ("posted", "recorded")  # the replies that stand: shown as sent


class ReplyRow(Base):
    __tablename__ = "replies"
    __table_args__ = (
        Index("ix_replies_idempotency_key", "idempotency_key", unique=True),
        Index("ix_replies_state", "state"),
        Index("ix_replies_sent_at", "sent_at"),  # the reports' period (revision 0012)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    agent: Mapped[str] = mapped_column(String(255))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    posted: Mapped[bool] = mapped_column(Boolean, default=False)
    # which suggestion the agent started from ("history", "faq", "template", "generated" or None)
    suggestion_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    suggestion_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    edit_distance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # the platform's error if posting failed
    state: Mapped[str] = mapped_column(String(16), default="recorded", server_default="recorded")  # REPLY_STATES
    # one per attempt to post (unique): a retried or repeated request can never become a second reply
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


CORRECTED_FIELDS: tuple[str, ...] = ("sentiment", "intent", "topic", "urgent", "reason")
"""What a correction may change; ``reason``: a priority reason marked wrong (its phrase is the new value)."""


class CorrectionRow(Base):
    """One label a person gave a mention (revision 0008): who, when, old and new value, which model erred."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_field_at", "field", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(16))  # CORRECTED_FIELDS
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # "agent" (one mention), "bulk" (rows selected in the queue), "audit" (the daily sample), "import:<file>"
    source: Mapped[str] = mapped_column(String(255), default="agent", server_default="agent")


class AuditPickRow(Base):
    """A mention drawn into the day's uniform audit sample; confirmed when someone checked its labels."""

    __tablename__ = "audit_picks"

    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)  # YYYY-MM-DD (UTC)
    confirmed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditRow(Base):
    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_action_at", "action", "at"),)  # escalations in a period (revision 0012)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")


class IncidentRow(Base):
    """A group of near-duplicate mentions (one outage, one copy-paste campaign, one viral post)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SourceRow(Base):
    """One configured listener source: its cursor and how its last run went."""

    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_fetched: Mapped[int] = mapped_column(Integer, default=0)
    last_skipped: Mapped[int] = mapped_column(Integer, default=0)
    total_fetched: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # How the last run ended: ok, rate_limited, error, missing_credentials, missing_package
    # (see triage.db.source_state);
    # NULL while a source has never finished a run.
    state: Mapped[str | None] = mapped_column(String(32), nullable=True)


DEMO_META_KEY = "demo_loaded_at"  # meta key: set when the demo data set was loaded (its value: when)


class MetaRow(Base):
    """Small facts about the database itself (e.g. when demo data was loaded, ``DEMO_META_KEY``)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


NOTIFICATION_KINDS: tuple[str, ...] = ("escalation", "sla", "spike")


class NotificationRow(Base):
    """One notice to people (an escalation, an SLA breach, a negative spike), recorded once under ``key``.

    ``channels`` are the channels it goes through ("email,webhook"), ``pending`` those it has not
    gone through yet; ``sent_at`` is set once ``pending`` is empty. A sender holds it until
    ``claimed_until`` while it sends, so two senders never send it at the same time.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("key", name="uq_notifications_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128))  # "escalation:<audit id>", "sla:<mention id>", "spike:<window>"
    kind: Mapped[str] = mapped_column(String(16))  # NOTIFICATION_KINDS
    mention_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE", name="fk_notifications_mention_id"), nullable=True, index=True
    )
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)  # e-mail addresses; empty: [notify] email_to
    channels: Mapped[str] = mapped_column(String(64), default="")
    pending: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)  # redacted: never a credential
class ReportDeliveryRow(Base):
    """A scheduled report sent for one schedule window: the unique key makes a second run a no-op."""

    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("schedule", "window_start", name="uq_report_deliveries_window"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule: Mapped[str] = mapped_column(String(64))  # the name of the [reports.<name>] table
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)  # when the schedule came due
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[str] = mapped_column(Text, default="")


class SurveyRow(Base):
    """A CSAT (1-5) or NPS (0-10) answer, matched to the mention it is about when one could be found."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("key", name="uq_surveys_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))  # hash of the answer: importing a file twice adds nothing
    kind: Mapped[str] = mapped_column(String(8))  # csat | nps
    score: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(MAX_CHANNEL_CHARS), default="")
    author_handle: Mapped[str] = mapped_column(String(255), default="")
    conversation_id: Mapped[str] = mapped_column(String(255), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mention_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentions.id", ondelete="SET NULL", name="fk_surveys_mention_id"), nullable=True, index=True)


class ReplyDayRow(Base):
    """The replies of one UTC day, agent and channel, with a histogram of first-response times (revision 0015;
    kept by ``triage.db.reply_facts``): ``minutes`` the report's step, ``sla_minutes`` the time rounded up
    (-1 for the replies that were not a first response)."""

    __tablename__ = "reply_days"
    __table_args__ = (UniqueConstraint("day", "agent", "channel", "minutes", "sla_minutes", name="uq_reply_days_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    agent: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(MAX_CHANNEL_CHARS))
    minutes: Mapped[int] = mapped_column(Integer)
    sla_minutes: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    suggested: Mapped[int] = mapped_column(Integer, default=0)  # started from a suggestion
    accepted: Mapped[int] = mapped_column(Integer, default=0)  # of those, sent with at most 10% of it edited
    first_responses: Mapped[int] = mapped_column(Integer, default=0)
