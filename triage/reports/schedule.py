"""Scheduled reports: ``[reports.<name>]`` of triage.toml, e-mailed by ``python -m triage report --scheduled``.

::

    [reports.weekly]
    report = "manager"                    # the manager's report (the only kind so far)
    period = "last_week"                  # a preset (last_7_days, last_week, last_month...) or START..END
    format = "pdf"                        # pdf | xlsx | csv
    recipients = ["head.of.care@lumora.example"]
    weekday = "monday"                    # omit: every day
    hour = 8                              # UTC; due from this hour on
    team = "billing"                      # optional: only this team of [teams]

A schedule's window is its latest due time (that weekday and hour, or that hour of the day)
at or before now. A run sends each schedule whose current window has not been sent yet, and
records it (``triage.db.deliveries``), so running the command twice, or every few minutes from
cron, sends each report once per window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from triage.config.secrets import Secrets
from triage.context import Context
from triage.db import deliveries
from triage.errors import ConfigError, NotificationError, TriageError
from triage.notify.channels import Attachment, Message, notify_settings, send_email
from triage.queue.period import PRESETS, parse_period
from triage.reports.files import FORMATS, MIME_TYPES, build_report_file, file_name

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REPORTS: tuple[str, ...] = ("manager",)
SCHEDULED_BY = "schedule"  # the actor of a scheduled report (the local operator)


@dataclass(frozen=True)
class Schedule:
    name: str
    period: str
    format: str
    recipients: tuple[str, ...]
    hour: int = 8
    weekday: int | None = None  # 0 = Monday; None: every day
    team: str | None = None
    report: str = "manager"

    def window_start(self, now: datetime) -> datetime:
        """The latest time this schedule came due at or before ``now``."""
        now = now.astimezone(timezone.utc)
        due = datetime.combine(now.date(), time(self.hour), timezone.utc)
        if self.weekday is None:
            return due if due <= now else due - timedelta(days=1)
        due -= timedelta(days=(now.weekday() - self.weekday) % 7)
        return due if due <= now else due - timedelta(days=7)


def schedules(ctx: Context) -> list[Schedule]:
    """Every ``[reports.<name>]`` table; errors name the key to fix."""
    found = []
    for name, table in ctx.config.section("reports").items():
        where = f"{ctx.config.where}: [reports.{name}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table with period, format and recipients")
        found.append(_schedule(name, table, where))
    return found


def _schedule(name: str, table: dict[str, object], where: str) -> Schedule:
    known = {"report", "period", "format", "recipients", "weekday", "hour", "team"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; known keys: {', '.join(sorted(known))}")
    report, period, fmt = table.get("report", "manager"), table.get("period", "last_week"), table.get("format", "pdf")
    if report not in REPORTS:
        raise ConfigError(f"{where} report must be one of {', '.join(REPORTS)}, not {report!r}")
    if not isinstance(period, str) or not (period in PRESETS or ".." in period):
        raise ConfigError(f"{where} period must be one of {', '.join(PRESETS)} or START..END, not {period!r}")
    if fmt not in FORMATS:
        raise ConfigError(f"{where} format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    recipients = table.get("recipients")
    if (not isinstance(recipients, list) or not recipients
            or not all(isinstance(r, str) and "@" in r for r in recipients)):
        raise ConfigError(f'{where} recipients must be a list of addresses, e.g. ["head@lumora.example"]')
    hour = table.get("hour", 8)
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        raise ConfigError(f"{where} hour must be a whole number from 0 to 23 (UTC), not {hour!r}")
    weekday = table.get("weekday")
    if weekday is not None and (not isinstance(weekday, str) or weekday.lower() not in WEEKDAYS):
        raise ConfigError(f"{where} weekday must be one of {', '.join(WEEKDAYS)}, not {weekday!r}")
    team = table.get("team")
    if team is not None and not isinstance(team, str):
        raise ConfigError(f"{where} team must be the name of a team in [teams]")
    return Schedule(name, period, str(fmt), tuple(recipients), hour,
                    WEEKDAYS.index(weekday.lower()) if isinstance(weekday, str) else None, team, str(report))


@dataclass
class ScheduledRun:
    sent: list[str] = field(default_factory=list)  # "name: to a, b"
    skipped: list[str] = field(default_factory=list)  # already sent for this window
    failed: list[str] = field(default_factory=list)  # "name: reason"

    def lines(self) -> list[str]:
        if not (self.sent or self.skipped or self.failed):
            return ["no reports in [reports] of triage.toml"]
        return ([f"sent {line}" for line in self.sent] + [f"already sent {line}" for line in self.skipped]
                + [f"failed {line}" for line in self.failed])


def send_due_reports(ctx: Context) -> ScheduledRun:
    """E-mail every schedule whose current window has not been sent yet (each window once)."""
    run = ScheduledRun()
    settings = notify_settings(ctx.config)
    secrets = ctx.secrets if isinstance(ctx.secrets, Secrets) else Secrets(dict(ctx.secrets), environ={})
    now = ctx.now()
    for schedule in schedules(ctx):
        window = schedule.window_start(now)
        label = f"{schedule.name} (window {window:%Y-%m-%d %H:%M} UTC)"
        if not deliveries.claim(ctx.store, schedule.name, window, now, ", ".join(schedule.recipients)):
            run.skipped.append(label)
            continue
        try:
            period = parse_period(schedule.period, window.date())
            report, content = build_report_file(ctx, SCHEDULED_BY, period, schedule.format, team=schedule.team,
                                                now=now)
            attachment = Attachment(file_name(report, schedule.format), content, MIME_TYPES[schedule.format])
            message = Message(report.title, f"{report.title}\nAttached: {attachment.filename}. Sent by Ascolto "
                              f"for the schedule '{schedule.name}' of triage.toml.", attachments=(attachment,))
            send_email(settings, secrets, message, to=schedule.recipients)
        except (TriageError, NotificationError) as error:
            deliveries.release(ctx.store, schedule.name, window)
            run.failed.append(f"{label}: {error}")
            continue
        run.sent.append(f"{label} to {', '.join(schedule.recipients)}")
    return run
