"""Sending recorded notices (escalations, alerts) through the configured channels, each channel once.

A notice is recorded first (``triage.db.notifications``), in the same transaction as what it
reports, then sent: a channel that fails leaves the notice due, with the redacted error, and the
next ``deliver`` (``python -m triage alerts``, or the dashboard's check) tries that channel again,
never the ones it already went through.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from triage.config.secrets import Secrets
from triage.context import Context
from triage.db.notifications import channel_sent, claim_notice, due_notices, release_notice
from triage.db.schema import NotificationRow
from triage.errors import NotificationError
from triage.notify.channels import Message, NotifySettings, notify_settings, post_webhook, send_email

log = logging.getLogger(__name__)

HOLD = timedelta(minutes=5)
"""How long a sender holds a notice while it sends; a sender that died lets it go after this."""


def as_secrets(values: Mapping[str, str]) -> Secrets:
    """``values`` as ``Secrets`` (which redact themselves from error messages)."""
    return values if isinstance(values, Secrets) else Secrets(dict(values), environ={})


def channels_for(settings: NotifySettings, recipients: Sequence[str] = ()) -> tuple[str, ...]:
    """The channels a notice to ``recipients`` goes through: e-mail when SMTP is set up and someone
    is to receive it (``recipients``, else ``email_to``), the webhook when it is on."""
    channels = []
    if settings.email_configured and (recipients or settings.email_to):
        channels.append("email")
    if settings.webhook:
        channels.append("webhook")
    return tuple(channels)


@dataclass
class Delivery:
    """What one ``deliver`` did: channels that went out per notice id, and the failures (redacted)."""

    sent: dict[int, list[str]] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return sum(len(channels) for channels in self.sent.values())


def message_of(row: NotificationRow) -> Message:
    return Message(row.subject, row.body, {str(k): str(v) for k, v in (row.fields or {}).items()})


def _send_one(row: NotificationRow, channel: str, settings: NotifySettings, secrets: Secrets) -> None:
    if channel == "email":
        send_email(settings, secrets, message_of(row), to=list(row.recipients or ()))
    elif channel == "webhook":
        post_webhook(secrets, message_of(row))
    else:
        raise NotificationError(f"unknown notification channel {channel!r}; use email or webhook")


def deliver(ctx: Context, ids: Collection[int] | None = None, now: datetime | None = None) -> Delivery:
    """Send every due notice (or those of ``ids``) through its pending channels; never raises for a channel
    that fails: the failure is logged (redacted), kept on the notice and retried by the next call."""
    now = now or ctx.now()
    secrets = as_secrets(ctx.secrets)
    settings = notify_settings(ctx.config)
    done = Delivery()
    for notice_id in due_notices(ctx.store, now, ids):
        row = claim_notice(ctx.store, notice_id, now, now + HOLD)
        if row is None:  # another sender took it meanwhile
            continue
        errors = []
        for channel in [c for c in row.pending.split(",") if c]:
            try:
                _send_one(row, channel, settings, secrets)
            except NotificationError as exc:
                errors.append(secrets.redact(str(exc)))
                continue
            channel_sent(ctx.store, notice_id, channel, ctx.now())
            done.sent.setdefault(notice_id, []).append(channel)
        if errors:
            error = "; ".join(errors)
            log.warning("notification %s (%s) not sent: %s; it is retried by the next `triage alerts`",
                        notice_id, row.kind, error)
            done.failed[notice_id] = error
            release_notice(ctx.store, notice_id, error)
    return done
