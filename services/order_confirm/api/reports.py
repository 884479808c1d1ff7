"""Reports: `GET /api/v1/reports/{report}` as JSON, CSV or XLSX, scoped to what the caller may see."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from services.order_confirm.api.deps import CurrentScope, NowDep, SessionDep
from services.order_confirm.domain.report_periods import Grouping
from services.order_confirm.service.reports import ReportName, ReportRequest, build_report
from services.order_confirm.service.reports.exports import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    filename,
    to_csv,
    to_xlsx,
)
from services.order_confirm.service.reports.table import ReportTable

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def rendered(table: ReportTable, format: ExportFormat) -> Response:
    if format is ExportFormat.CSV:
        return _download(to_csv(table), CSV_MEDIA_TYPE, filename(table, "csv"))
    if format is ExportFormat.XLSX:
        return _download(to_xlsx([table]), XLSX_MEDIA_TYPE, filename(table, "xlsx"))
    return JSONResponse(table.as_json())


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{report}", response_model=None)
def get_report(
    report: ReportName,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    first_day: Annotated[date, Query(alias="from", description="First local day of the period")],
    last_day: Annotated[date, Query(alias="to", description="Last local day of the period (inclusive)")],
    group_by: Grouping = Grouping.DAY,
    tenant_id: int | None = None,
    operator_id: int | None = None,
    tz: Annotated[str | None, Query(description="IANA timezone; default the tenant's")] = None,
    format: ExportFormat = ExportFormat.JSON,
) -> Any:
    request = ReportRequest(first_day, last_day, group_by, tenant_id, operator_id, tz)
    return rendered(build_report(session, scope, report, request, now=now), format)
