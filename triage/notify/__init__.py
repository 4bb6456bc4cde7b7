"""Notifications that reach people: e-mail over SMTP and a JSON webhook (``triage.notify.channels``)."""
