"""The report as a PDF (fpdf2): a one-page summary first, then the charts (the Trends page's Altair
charts rendered to PNG by vl-convert), then the tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from triage.queue.manager_report import ManagerReport
from triage.reports.charts import chart_png, report_charts, share_of_voice_chart
from triage.reports.spreadsheet import plain
from triage.tables.cells import format_number

FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/TTF/DejaVuSans.ttf")
PDF_TABLES = ("Agents", "Teams", "SLA by channel", "Open complaints by owner", "CSAT and NPS (surveys)",
              "Outcome after reply (not CSAT)", "Share of voice")
NOTES = {
    "CSAT and NPS (surveys)": "Survey answers imported with import-surveys. CSAT: % of answers 4-5 (of 1-5). "
                              "NPS: % promoters (9-10) minus % detractors (0-6).",
    "Share of voice": "Mentions of our brand and of each competitor in [brand.competitors] of triage.toml "
                      "(sentiment from the same model).",
    "Outcome after reply (not CSAT)": "A proxy, not a survey: the customer's next message on the same channel "
                                      "within 72 h of our first reply, by its sentiment (thanked = positive).",
}


def _pdf() -> tuple[Any, str, bool]:
    """An A4 document with a Unicode font when the system has DejaVu Sans, else Helvetica (Latin-1 only)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    for path in FONT_FILES:
        bold = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
        if Path(path).is_file() and Path(bold).is_file():
            pdf.add_font("DejaVu", "", path)
            pdf.add_font("DejaVu", "B", bold)
            return pdf, "DejaVu", True
    return pdf, "helvetica", False


def report_pdf(report: ManagerReport) -> bytes:
    pdf, font, unicode = _pdf()

    def text(value: Any) -> str:
        shown = _shown(plain(value))
        return shown if unicode else shown.encode("latin-1", "replace").decode("latin-1")

    pdf.set_title(text(report.title))
    pdf.add_page()
    _summary_page(pdf, font, report, text)
    first, *charts = report_charts(report.volume, report.performance, report.complaints)
    pdf.ln(4)
    pdf.image(chart_png(first), w=pdf.epw)  # the sentiment per day closes the summary page
    for index, chart in enumerate(charts):
        if index % 2 == 0:
            pdf.add_page()
        pdf.image(chart_png(chart), w=pdf.epw)
        pdf.ln(4)
    if report.voice is not None and len(report.voice.daily):
        pdf.image(chart_png(share_of_voice_chart(report.voice.daily, report.period.days)), w=pdf.epw)
    tables = report.tables()
    for name in PDF_TABLES:
        pdf.add_page()
        _heading(pdf, font, name)
        if name in NOTES:
            pdf.multi_cell(0, 5, NOTES[name], new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        if tables[name].empty:
            pdf.cell(0, 6, "Nothing in this period.", new_x="LMARGIN", new_y="NEXT")
            continue
        _table(pdf, font, tables[name], text)
    return bytes(pdf.output())


def _heading(pdf: Any, font: str, title: str, size: int = 14) -> None:
    pdf.set_font(font, "B", size)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)


def _summary_page(pdf: Any, font: str, report: ManagerReport, text: Any) -> None:
    pdf.set_font(font, "B", 18)
    pdf.multi_cell(0, 9, text(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    previous = report.period.previous()
    lines = [f"Period {report.period.label()} ({report.period.days} days, UTC), compared with "
             f"{previous.label()}", f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC"]
    filters = {k: v for k, v in vars(report.where).items() if v}
    if filters:
        lines.append("Filters: " + "; ".join(f"{k} {', '.join(v)}" for k, v in filters.items()))
    for line in lines:
        pdf.cell(0, 6, text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _heading(pdf, font, "Summary", 13)
    _table(pdf, font, report.summary, text)
    pdf.ln(4)
    _heading(pdf, font, "Open unanswered complaints by age (now)", 13)
    _table(pdf, font, report.complaints.by_age.rename("open complaints").reset_index(), text)
    pdf.ln(4)
    pdf.set_font(font, "", 8)
    pdf.multi_cell(0, 4, text("First response: hours from the post to the first reply, counted for the agent who "
                              "sent it. SLA compliance: first responses within the channel's sla_hours of "
                              "[priority]. Suggestion acceptance: replies started from a suggestion and sent with at "
                              "most 10% of it edited. Charts and tables per agent, team and channel follow."),
                   new_x="LMARGIN", new_y="NEXT")


def _table(pdf: Any, font: str, frame: pd.DataFrame, text: Any) -> None:
    pdf.set_font(font, "", 8 if len(frame.columns) > 6 else 10)
    with pdf.table(first_row_as_headings=True, text_align="LEFT") as table:
        header = table.row()
        for column in frame.columns:
            header.cell(text(str(column).replace("_", " ")))
        for values in frame.itertuples(index=False):
            row = table.row()
            for value in values:
                row.cell(text(value))
    pdf.set_font(font, "", 10)


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return format_number(value, 1)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
