"""The report as bytes in the chosen format: what ``python -m triage report``, the Trends page's
downloads and the scheduled e-mails all write."""

from __future__ import annotations

from datetime import datetime

from triage.access.roles import Who, require
from triage.context import Context
from triage.db.reporting import EVERYTHING, MentionFilter
from triage.errors import UsageError
from triage.queue.manager_report import ManagerReport, build_report
from triage.queue.period import Period

FORMATS: tuple[str, ...] = ("xlsx", "pdf", "csv")
MIME_TYPES = {"csv": "text/csv", "pdf": "application/pdf",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def report_bytes(report: ManagerReport, fmt: str, bom: bool = False) -> bytes:
    """``report`` as ``fmt`` (xlsx, pdf or csv; ``bom``: start a CSV with a UTF-8 byte-order mark)."""
    if fmt == "csv":
        from triage.reports.spreadsheet import report_csv

        return report_csv(report, bom)
    if fmt == "xlsx":
        from triage.reports.spreadsheet import report_xlsx

        return report_xlsx(report)
    if fmt == "pdf":
        from triage.reports.pdf_file import report_pdf

        return report_pdf(report)
    raise UsageError(f"unknown report format '{fmt}'; use one of {', '.join(FORMATS)}")


def file_name(report: ManagerReport, fmt: str) -> str:
    team = f"-{report.team}" if report.team else ""
    return f"report-{report.period.start}-{report.period.end}{team}.{fmt}"


def build_report_file(ctx: Context, who: Who, period: Period, fmt: str, where: MentionFilter = EVERYTHING,
                      team: str | None = None, bom: bool = False, now: datetime | None = None
                      ) -> tuple[ManagerReport, bytes]:
    """The report and its file, for someone allowed to export (``AccessDenied`` otherwise)."""
    require(who, "export")
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format '{fmt}'; use one of {', '.join(FORMATS)}")
    report = build_report(ctx, period, where, team, now)
    return report, report_bytes(report, fmt, bom)
