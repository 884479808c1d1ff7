"""CSV and XLSX renderings of a report table: the same rows and numbers as the JSON answer."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.order_confirm.service.reports.table import Kind, ReportTable

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_NUMBER_FORMATS = {Kind.SHARE: "0.00%", Kind.SECONDS: "0.0", Kind.NUMBER: "0.00", Kind.COUNT: "0"}


def to_csv(table: ReportTable) -> bytes:
    """UTF-8 with a BOM, so Excel opens Cyrillic names correctly; a header row of column keys."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(column.key)) for column in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> str:
    return "" if value is None else str(value)


def to_xlsx(tables: list[ReportTable]) -> bytes:
    # openpyxl costs ~26 MB; imported when a workbook is made, not when the service starts.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    """One sheet per report; row 1 = titles, row 2 = column keys (for machines), then the figures."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append([column.title for column in table.columns])
        sheet.append([column.key for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([row.get(column.key) for column in table.columns])
        for index, column in enumerate(table.columns, start=1):
            number_format = _NUMBER_FORMATS.get(column.kind)
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                    cell.number_format = number_format
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(table: ReportTable, extension: str) -> str:
    return f"okno-{table.name}-{table.meta.get('from', '')}-{table.meta.get('to', '')}.{extension}"
