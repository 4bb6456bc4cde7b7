"""Scheduled reports go out by e-mail to a real local SMTP server, at most once per schedule window."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from report_data import TEAMS, fill_report_data
from triage.config.settings import parse_config
from triage.context import Context
from triage.errors import ConfigError
from triage.reports.schedule import Schedule, schedules, send_due_reports

MONDAY_9 = datetime(2026, 11, 9, 9, 30, tzinfo=timezone.utc)  # a Monday


def config(smtp_port: int, **weekly: object) -> dict[str, object]:
    return {
        "teams": {k: list(v) for k, v in TEAMS.items()},
        "notify": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_security": "none",
                   "smtp_from": "ascolto@lumora.example"},
        "reports": {"weekly": {"period": "last_week", "format": "xlsx", "recipients": ["head@lumora.example"],
                               "weekday": "monday", "hour": 8, **weekly}},
    }


def context(store, data: dict[str, object], now: datetime) -> Context:
    return Context(store, parse_config(data), {}, clock=lambda: now)


def test_a_due_report_is_sent_once_per_window_even_when_run_twice(store, smtp_server):
    fill_report_data(store)
    first = send_due_reports(context(store, config(smtp_server.port), MONDAY_9))
    again = send_due_reports(context(store, config(smtp_server.port), MONDAY_9.replace(hour=23)))
    assert first.sent == ["weekly (window 2026-11-09 08:00 UTC) to head@lumora.example"]
    assert again.sent == [] and again.skipped == ["weekly (window 2026-11-09 08:00 UTC)"]
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Customer care report 2026-11-02..2026-11-08"
    [part] = [p for p in mail.walk() if p.get_filename()]
    assert part.get_filename() == "report-2026-11-02-2026-11-08.xlsx"
    assert part.get_payload(decode=True).startswith(b"PK")  # a zip: the workbook
    next_week = send_due_reports(context(store, config(smtp_server.port), MONDAY_9.replace(day=16)))
    assert len(next_week.sent) == 1 and len(smtp_server.messages) == 2


def test_before_the_hour_the_previous_window_is_the_due_one(store, smtp_server):
    schedule = Schedule("weekly", "last_week", "pdf", ("a@b.example",), hour=8, weekday=0)
    assert schedule.window_start(MONDAY_9.replace(hour=7)) == datetime(2026, 11, 2, 8, tzinfo=timezone.utc)
    daily = Schedule("daily", "last_7_days", "csv", ("a@b.example",), hour=8)
    assert daily.window_start(MONDAY_9.replace(hour=7)) == datetime(2026, 11, 8, 8, tzinfo=timezone.utc)


def test_a_failed_send_is_not_recorded_so_the_next_run_retries(store, smtp_server):
    broken = send_due_reports(context(store, config(1), MONDAY_9))  # nothing listens on port 1
    assert broken.failed and "127.0.0.1:1 failed" in broken.failed[0]
    retried = send_due_reports(context(store, config(smtp_server.port), MONDAY_9))
    assert len(retried.sent) == 1 and len(smtp_server.messages) == 1


def test_a_bad_schedule_names_the_key_to_fix(store):
    with pytest.raises(ConfigError, match=r"\[reports.weekly\] weekday must be one of monday"):
        schedules(context(store, config(25, weekday="lunedi"), MONDAY_9))
    with pytest.raises(ConfigError, match=r"\[reports.weekly\] format must be one of xlsx, pdf, csv"):
        schedules(context(store, config(25, format="docx"), MONDAY_9))


def test_the_example_configuration_schedules_a_weekly_pdf(store):
    from conftest import ROOT
    from triage.config.settings import load_config

    ctx = Context(store, load_config(ROOT / "triage.example.toml"), {})
    [weekly] = schedules(ctx)
    assert (weekly.name, weekly.format, weekly.weekday, weekly.hour) == ("weekly", "pdf", 0, 8)
