"""Sending a reply: post it through the channel's listener, once, or record it in dry run.

A live post goes out exactly once: ``workflow.start_sending`` first takes the mention (one
conditional UPDATE into ``sending``, held by the agent) and stores the reply ``pending`` with
a fresh idempotency key; only then is it posted; then the reply is marked ``posted`` (with the
platform's id) and the mention ``replied``. A second click or a second agent is refused
("already being sent by ...") before anything reaches the platform. A refused post marks the
reply ``failed`` (never shown as sent) and gives the mention back in the status it had: the
agent keeps the draft and sees the platform's error. A crash between the post and the record
leaves the reply ``pending``: ``triage.replies.reconcile`` settles it on the next start.

Dry run, and a channel Ascolto cannot post on, only record the reply (``workflow.reply``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from listeners import registry
from listeners.base import Listener, ListenerError, ReplyTarget
from triage.access.roles import Who, name_of, require
from triage.config.secrets import Secrets
from triage.config.settings import Config, SourceConfig
from triage.context import Context
from triage.db.schema import DEMO_META_KEY, MentionRow
from triage.db.store import Store
from triage.db.transitions import SENDING
from triage.errors import SendingError, WorkflowConflict
from triage.queue import workflow
from triage.replies.limits import check_length


@dataclass(frozen=True)
class SendResult:
    reply_id: int
    posted: bool
    external_id: str | None
    message: str  # one line for the agent: what happened


def is_dry_run(ctx: Context) -> bool:
    """``[sending] dry_run`` when set; otherwise on without a config file or on a demo database."""
    config = ctx.config
    if config.dry_run is not None:
        return config.dry_run
    return config.path is None or ctx.store.get_meta(DEMO_META_KEY) is not None


def reply_source(config: Config, channel: str) -> SourceConfig | None:
    """The first enabled source whose listener can post on ``channel``, if any."""
    for source in config.enabled_sources:  # declared: known even when the listener's SDK is missing
        if source.kind not in registry.LISTENERS or not registry.declared(source.kind, "can_reply", False):
            continue
        if channel in (source.kind, source.options.get("channel"), registry.declared(source.kind, "channel")):
            return source
    return None


def posts_on(ctx: Context, channel: str) -> bool:
    """Whether a reply on ``channel`` goes out through the platform (not dry run, a source that can post)."""
    return not is_dry_run(ctx) and reply_source(ctx.config, channel) is not None


def reply_target(row: MentionRow) -> ReplyTarget:
    return ReplyTarget(row.channel, row.external_id, row.author_handle, row.parent_id, row.url, dict(row.raw or {}))


def _check_can_reply(store: Store, mention_id: int, agent: str, text: str) -> MentionRow:
    """The checks ``workflow.reply`` makes, before anything reaches the platform (the lease decides for sure)."""
    if not agent.strip():
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    if not text.strip():
        raise WorkflowConflict("the reply is empty; write something before sending")
    row = store.get(mention_id)
    if row.status == SENDING:
        raise WorkflowConflict(f"already being sent by {row.sending_by or 'another agent'}; "
                               "wait for it, then refresh the queue")
    if row.assignee and row.assignee != agent:
        raise WorkflowConflict(f"{row.assignee} is already working on this mention; pick another one")
    if row.status not in workflow.REPLYABLE:
        raise WorkflowConflict(f"cannot reply to a mention that is {row.status}; reopen it first")
    return row


def new_idempotency_key() -> str:
    """A fresh key for one attempt to post (unique in ``replies.idempotency_key``)."""
    return uuid.uuid4().hex


def send_reply(
    ctx: Context,
    mention_id: int,
    who: Who,
    text: str,
    suggestion_source: str | None = None,
    suggestion_text: str | None = None,
) -> SendResult:
    """Post ``text`` as the reply to the mention (or record it, in dry run) and mark it replied.

    ``ctx`` gives the store, the configuration (dry run, which source posts) and the
    credentials. Raises ``WorkflowConflict`` when the mention cannot be sent to now (another
    agent holds it, or is sending to it), ``SendingError`` with the platform's error when the
    post fails: then the reply is kept as ``failed`` only and the mention keeps its status.
    ``who``: the signed-in actor (``AccessDenied`` unless their role may work the queue; the reply and
    the audit trail record their name), or the local operator's plain name.
    """
    store, config = ctx.store, ctx.config
    agent = name_of(require(who, "work_queue"))
    row = _check_can_reply(store, mention_id, agent, text)
    check_length(text, row.channel, row.raw)  # over the channel's limit: refused here, in dry run too
    provenance = {"suggestion_source": suggestion_source, "suggestion_text": suggestion_text}
    if is_dry_run(ctx):
        reply_id = workflow.reply(store, mention_id, who, text, now=ctx.now(), posted=False, **provenance)
        return SendResult(reply_id, False, None,
                          f"Dry run: reply recorded, nothing posted to {row.channel} ([sending] dry_run is on).")
    source = reply_source(config, row.channel)
    if source is None:
        reply_id = workflow.reply(store, mention_id, who, text, now=ctx.now(), posted=False, **provenance)
        return SendResult(reply_id, False, None,
                          f"Reply recorded; Ascolto does not post on {row.channel}: post it there yourself.")
    secrets = ctx.secrets
    redact = secrets.redact if isinstance(secrets, Secrets) else (lambda message: message)
    try:  # making the listener fails too when its SDK is missing (MissingPackage): before any lease
        listener: Listener = registry.kept(source.kind, source.name, source.options, secrets)
    except Exception as exc:
        raise SendingError(redact(_not_posted(row.channel, exc))) from None
    key = new_idempotency_key()
    reply_id = workflow.start_sending(store, mention_id, who, text, key, now=ctx.now(), **provenance)
    try:
        external_id = str(listener.post_reply_once(reply_target(row), text, key))
    except Exception as exc:  # the platform's refusal, or a client library's own exception: not posted
        message = redact(_not_posted(row.channel, exc))
        store.fail_sending(reply_id, message, ctx.now())
        raise SendingError(message) from None
    # (an interrupt leaves the reply pending: it may have gone out, so only reconcile may settle it)
    if not store.finish_sending(reply_id, external_id, ctx.now()):  # the lease was taken from us meanwhile
        raise SendingError(f"posted on {row.channel} (id {external_id}) and recorded, but the mention changed "
                           "meanwhile; check it in the queue")
    return SendResult(reply_id, True, external_id, f"Posted on {row.channel} (id {external_id}); marked replied.")


def _not_posted(channel: str, exc: BaseException) -> str:
    """The agent's line for a post that did not go out: the platform's (or the client library's) own words."""
    if isinstance(exc, ListenerError):
        return f"not posted on {channel}: {exc}"
    return f"not posted on {channel}: {type(exc).__name__}: {exc}"
