"""The report as CSV (one file, one section per table) and as XLSX (one sheet per table).

Every text cell goes through ``triage.tables.cells.neutralise``: nothing a customer wrote can
become a formula. Numbers are written as numbers (rounded once, in ``triage.queue.figures``)
and days as real dates.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from triage.queue.manager_report import ManagerReport
from triage.tables.cells import neutralise, text_cell

MAX_COLUMN_WIDTH = 60


def plain(value: Any) -> Any:
    """A frame's value as a plain Python value: None for missing, int/float/str/date/datetime otherwise."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def report_csv(report: ManagerReport, bom: bool = False) -> bytes:
    """Each table as a section: a line with its name, its header, its rows, an empty line. One record a line."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([text_cell(report.title)])
    writer.writerow(["generated", report.generated_at.isoformat(timespec="seconds")])
    writer.writerow([])
    for name, table in report.tables().items():
        writer.writerow([text_cell(name)])
        writer.writerow([text_cell(str(c)) for c in table.columns])
        for row in table.itertuples(index=False):
            writer.writerow([_csv_cell(plain(v)) for v in row])
        writer.writerow([])
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return text_cell(value)


def report_xlsx(report: ManagerReport) -> bytes:
    """One sheet per table: bold frozen header, column widths to fit, real numbers and dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = report.title
    for name, table in report.tables().items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append([neutralise(str(c)) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            sheet.append([xlsx_value(plain(v)) for v in row])
        sheet.freeze_panes = "A2"
        for column in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
            width = max((len(_shown(c.value)) for c in column), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(MAX_COLUMN_WIDTH, max(8, width + 2))
            for cell in column[1:]:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_value(value: Any) -> Any:
    """A cell value openpyxl stores as data, never as a formula: text neutralised, the rest as is."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: UTC, as the header of every report says
    return value


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return "2026-11-30 12:00"
    if isinstance(value, date):
        return "2026-11-30"
    return "" if value is None else str(value)
