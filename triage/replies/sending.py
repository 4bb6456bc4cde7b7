"""Sending a reply: post it through the channel's listener, or record it in dry run.

A reply is recorded (``workflow.reply``) only once it is posted, or when nothing is
posted on purpose (dry run, or a channel Ascolto cannot post on). A refused post records
nothing: the mention stays open, the agent keeps the draft and sees the platform's error.
"""

from __future__ import annotations

from dataclasses import dataclass

from listeners import registry
from listeners.base import Listener, ListenerError, ReplyTarget
from triage.config.secrets import Secrets
from triage.config.settings import Config, SourceConfig
from triage.context import Context
from triage.db.schema import DEMO_META_KEY, MentionRow
from triage.db.store import Store
from triage.errors import SendingError, TriageError, WorkflowConflict
from triage.queue import workflow


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
    """The checks ``workflow.reply`` makes, before anything reaches the platform."""
    if not agent.strip():
        raise WorkflowConflict("set your agent name first (sidebar or --agent)")
    if not text.strip():
        raise WorkflowConflict("the reply is empty; write something before sending")
    row = store.get(mention_id)
    if row.assignee and row.assignee != agent:
        raise WorkflowConflict(f"{row.assignee} is already working on this mention; pick another one")
    if row.status not in workflow.ACTIONABLE + ("replied",):
        raise WorkflowConflict(f"cannot reply to a mention that is {row.status}; reopen it first")
    return row


def send_reply(
    ctx: Context,
    mention_id: int,
    agent: str,
    text: str,
    suggestion_source: str | None = None,
    suggestion_text: str | None = None,
) -> SendResult:
    """Post ``text`` as the reply to the mention (or record it, in dry run) and mark it replied.

    ``ctx`` gives the store, the configuration (dry run, which source posts) and the
    credentials. Raises ``SendingError`` with the platform's error when the post fails;
    then nothing is stored and the mention keeps its status.
    """
    store, config = ctx.store, ctx.config
    row = _check_can_reply(store, mention_id, agent, text)
    provenance = {"suggestion_source": suggestion_source, "suggestion_text": suggestion_text}
    if is_dry_run(ctx):
        reply_id = workflow.reply(store, mention_id, agent, text, now=ctx.now(), posted=False, **provenance)
        return SendResult(reply_id, False, None,
                          f"Dry run: reply recorded, nothing posted to {row.channel} ([sending] dry_run is on).")
    source = reply_source(config, row.channel)
    if source is None:
        reply_id = workflow.reply(store, mention_id, agent, text, now=ctx.now(), posted=False, **provenance)
        return SendResult(reply_id, False, None,
                          f"Reply recorded; Ascolto does not post on {row.channel}: post it there yourself.")
    secrets = ctx.secrets
    redact = secrets.redact if isinstance(secrets, Secrets) else (lambda message: message)
    try:  # making the listener fails too when its SDK is missing (MissingPackage)
        listener: Listener = registry.kept(source.kind, source.name, source.options, secrets)
        external_id = listener.post_reply(reply_target(row), text)
    except ListenerError as exc:
        raise SendingError(redact(f"not posted on {row.channel}: {exc}")) from None
    except Exception as exc:  # a client library's own exception: still the platform's refusal for the agent
        raise SendingError(redact(f"not posted on {row.channel}: {type(exc).__name__}: {exc}")) from None
    try:
        reply_id = workflow.reply(store, mention_id, agent, text, now=ctx.now(), posted=True,
                                  external_id=str(external_id), **provenance)
    except TriageError as exc:  # someone acted on it while we posted: say so, the post is live
        raise SendingError(f"posted on {row.channel} (id {external_id}) but not recorded: {exc}") from None
    return SendResult(reply_id, True, str(external_id), f"Posted on {row.channel} (id {external_id}); marked replied.")
