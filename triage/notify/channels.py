"""Send a message to people: e-mail over SMTP (``smtplib``) and a generic JSON webhook.

Configured in ``[notify]`` of triage.toml; credentials only from the environment or
``.streamlit/secrets.toml`` (``triage.config.secrets``), never from triage.toml, never logged::

    [notify]
    email_to = ["support-leads@lumora.example"]   # who gets alerts when no one is named
    smtp_host = "smtp.lumora.example"
    smtp_port = 587
    smtp_security = "starttls"                    # starttls | ssl | none
    smtp_from = "ascolto@lumora.example"
    webhook = true                                # post to the URL in the NOTIFY_WEBHOOK_URL secret

Secrets: ``SMTP_USERNAME`` and ``SMTP_PASSWORD`` (both optional: a relay may need none),
``NOTIFY_WEBHOOK_URL`` (Slack, Microsoft Teams and Mattermost incoming webhooks all take
``{"text": …}``; the payload also carries ``subject`` and ``fields`` for other receivers).
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from triage.config.secrets import Secrets
from triage.config.settings import Config, is_whole, typed_table
from triage.errors import NotificationError

WEBHOOK_SECRET = "NOTIFY_WEBHOOK_URL"
SMTP_USERNAME_SECRET = "SMTP_USERNAME"
SMTP_PASSWORD_SECRET = "SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")
TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"  # e.g. "application/pdf"


@dataclass(frozen=True)
class Message:
    """What to say: a subject, a plain-text body, optional facts and attachments (e-mail only)."""

    subject: str
    text: str
    fields: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class NotifySettings:
    """``[notify]`` of triage.toml."""

    email_to: tuple[str, ...] = ()
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_from: str = ""
    webhook: bool = False

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)


def notify_settings(config: Config) -> NotifySettings:
    """Read ``[notify]``; errors name the key to fix."""
    table = typed_table(config, "notify", NotifySettings.__dataclass_fields__)
    email_to = table.values.get("email_to", [])
    if isinstance(email_to, str):
        email_to = [email_to]
    if not isinstance(email_to, list) or not all(isinstance(a, str) and "@" in a for a in email_to):
        raise table.wrong("email_to", 'a list of addresses, e.g. ["leads@lumora.example"]')
    security = table.get("smtp_security", "starttls", lambda v: v in SECURITY, f"one of {', '.join(SECURITY)}",
                         show_value=True)
    port = table.get("smtp_port", 465 if security == "ssl" else 587, lambda v: is_whole(v) and 0 < v < 65536,
                     "a port number", show_value=True)
    webhook = table.flag("webhook", False, show_value=True)
    host, sender = table.values.get("smtp_host", ""), table.values.get("smtp_from", "")
    if not isinstance(host, str) or not isinstance(sender, str):
        raise table.wrong("smtp_host and smtp_from", "strings")
    return NotifySettings(tuple(email_to), host, port, security, sender, webhook)


def send_email(settings: NotifySettings, secrets: Secrets, message: Message, to: Sequence[str] = ()) -> None:
    """E-mail ``message`` to ``to`` (default ``email_to``); ``NotificationError`` says what to fix."""
    recipients = list(to or settings.email_to)
    if not settings.email_configured:
        raise NotificationError("e-mail is not configured: set smtp_host and smtp_from in [notify] of triage.toml")
    if not recipients:
        raise NotificationError("no e-mail recipients: name them, or set email_to in [notify] of triage.toml")
    mail = EmailMessage()
    mail["Subject"] = message.subject.replace("\n", " ").replace("\r", " ")
    mail["From"] = settings.smtp_from
    mail["To"] = ", ".join(recipients)
    body = message.text
    if message.fields:
        body += "\n\n" + "\n".join(f"{k}: {v}" for k, v in message.fields.items())
    mail.set_content(body)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        mail.add_attachment(attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
                            filename=attachment.filename)
    username = secrets.get(SMTP_USERNAME_SECRET, "")
    password = secrets.get(SMTP_PASSWORD_SECRET, "")
    try:
        smtp_class = smtplib.SMTP_SSL if settings.smtp_security == "ssl" else smtplib.SMTP
        with smtp_class(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls()
            if username:
                smtp.login(username, password)
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        reason = secrets.redact(str(exc)) or type(exc).__name__
        raise NotificationError(f"e-mail to {', '.join(recipients)} via {settings.smtp_host}:{settings.smtp_port} "
                                f"failed ({reason}); check [notify] smtp_* and the SMTP_* secrets") from None


def webhook_payload(message: Message) -> dict[str, Any]:
    """The JSON posted: ``text`` for Slack/Teams/Mattermost, plus ``subject`` and ``fields``."""
    lines = [message.subject, message.text, *(f"{k}: {v}" for k, v in message.fields.items())]
    return {"text": "\n".join(line for line in lines if line), "subject": message.subject,
            "fields": dict(message.fields)}


def post_webhook(secrets: Secrets, message: Message) -> None:
    """POST ``message`` as JSON to the ``NOTIFY_WEBHOOK_URL`` secret; ``NotificationError`` on failure
    (the URL, which carries the webhook's token, never appears in the message)."""
    if WEBHOOK_SECRET not in secrets:
        raise NotificationError(f"the webhook is on in [notify] but the {WEBHOOK_SECRET} secret is not set; "
                                "set it in the environment or .streamlit/secrets.toml")
    url = secrets[WEBHOOK_SECRET]
    if not url.lower().startswith(("https://", "http://")):
        raise NotificationError(f"the {WEBHOOK_SECRET} secret is not an http(s) URL; fix it")
    request = urllib.request.Request(url, data=json.dumps(webhook_payload(message)).encode("utf-8"),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) only)
            response.read(65536)
    except urllib.error.HTTPError as exc:
        raise NotificationError(f"the webhook answered HTTP {exc.code}; check the {WEBHOOK_SECRET} secret") from None
    except (OSError, ValueError) as exc:
        reason = secrets.redact(str(getattr(exc, "reason", exc)))
        raise NotificationError(f"the webhook could not be reached ({reason}); check the {WEBHOOK_SECRET} "
                                "secret and the network") from None


def notify(settings: NotifySettings, secrets: Secrets, message: Message, to: Sequence[str] = ()) -> list[str]:
    """Send ``message`` through every configured channel; the channels it went through ("email", "webhook").

    Each channel is tried even when another fails; ``NotificationError`` after trying them all names the
    failures. Nothing configured: an empty list.
    """
    sent: list[str] = []
    failures: list[str] = []
    if settings.email_configured and (to or settings.email_to):
        try:
            send_email(settings, secrets, message, to)
            sent.append("email")
        except NotificationError as exc:
            failures.append(str(exc))
    if settings.webhook:
        try:
            post_webhook(secrets, message)
            sent.append("webhook")
        except NotificationError as exc:
            failures.append(str(exc))
    if failures:
        raise NotificationError("; ".join(failures))
    return sent
