"""E-mail to a real local SMTP server and JSON to a real local HTTP receiver."""

import pytest

from triage.config.secrets import Secrets
from triage.config.settings import parse_config
from triage.errors import ConfigError, NotificationError
from triage.notify.channels import Attachment, Message, NotifySettings, notify, notify_settings, send_email

ESCALATION = Message("Escalated to billing: mention 42", "Marta has been double charged (£24.99).",
                     {"priority": "87", "channel": "x"})


def settings_for(smtp_port: int, webhook: bool = False) -> NotifySettings:
    return notify_settings(parse_config({"notify": {
        "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_security": "none",
        "smtp_from": "ascolto@lumora.example", "email_to": ["leads@lumora.example"], "webhook": webhook,
    }}))


def test_an_email_reaches_the_smtp_server(smtp_server):
    send_email(settings_for(smtp_server.port), Secrets({}, environ={}), ESCALATION)
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Escalated to billing: mention 42"
    assert mail["To"] == "leads@lumora.example"
    assert "double charged (£24.99)" in mail.get_payload(decode=True).decode("utf-8")
    assert "priority: 87" in mail.get_payload(decode=True).decode("utf-8")


def test_attachments_travel_with_the_email(smtp_server):
    pdf = Attachment("week.pdf", b"%PDF-1.7", "application/pdf")
    report = Message("Weekly report", "Attached.", attachments=(pdf,))
    send_email(settings_for(smtp_server.port), Secrets({}, environ={}), report, to=["head@lumora.example"])
    [mail] = smtp_server.messages
    assert smtp_server.recipients == [["head@lumora.example"]]
    [part] = [p for p in mail.walk() if p.get_filename()]
    assert (part.get_filename(), part.get_payload(decode=True)) == ("week.pdf", b"%PDF-1.7")


def test_every_configured_channel_gets_one_message(smtp_server, webhook_server):
    secrets = Secrets({}, environ={"NOTIFY_WEBHOOK_URL": webhook_server.url})
    assert notify(settings_for(smtp_server.port, webhook=True), secrets, ESCALATION) == ["email", "webhook"]
    assert len(smtp_server.messages) == 1
    [payload] = webhook_server.received
    assert payload["text"].startswith("Escalated to billing: mention 42\nMarta has been double charged")
    assert payload["fields"] == {"priority": "87", "channel": "x"}


def test_a_failing_webhook_names_the_secret_but_never_shows_the_url(webhook_server):
    webhook_server.status = 500
    secrets = Secrets({}, environ={"NOTIFY_WEBHOOK_URL": webhook_server.url + "?token=s3cr3t-token"})
    with pytest.raises(NotificationError) as refused:
        notify(NotifySettings(webhook=True), secrets, ESCALATION)
    assert "HTTP 500" in str(refused.value) and "NOTIFY_WEBHOOK_URL" in str(refused.value)
    assert "s3cr3t-token" not in str(refused.value)


def test_an_unreachable_smtp_server_is_one_line_with_the_fix():
    settings = settings_for(1)  # nothing listens on port 1
    with pytest.raises(NotificationError, match=r"127.0.0.1:1 failed .*check \[notify\] smtp_\*"):
        send_email(settings, Secrets({}, environ={"SMTP_PASSWORD": "hunter22"}), ESCALATION)


def test_nothing_configured_sends_nothing():
    assert notify(NotifySettings(), Secrets({}, environ={}), ESCALATION) == []


def test_bad_notify_tables_name_the_key():
    with pytest.raises(ConfigError, match=r"\[notify\] smtp_security must be one of"):
        notify_settings(parse_config({"notify": {"smtp_security": "tls"}}))
    with pytest.raises(ConfigError, match=r"\[notify\] smtp_pasword: unknown key"):
        notify_settings(parse_config({"notify": {"smtp_pasword": "x"}}))
