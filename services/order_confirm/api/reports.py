"""Reports: `GET /api/v1/reports/{report}` as JSON, CSV or XLSX, scoped to what the caller may see."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from contracts.bounds import BoundedDate, BoundedDatetime
from services.order_confirm.api.deps import CurrentScope, NowDep, SessionDep
from services.order_confirm.domain.report_periods import Grouping, InvalidPeriod
from services.order_confirm.service.reports import ReportName, ReportRequest, build_report
from services.order_confirm.service.reports.exports import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    filename,
    to_csv,
    to_xlsx,
)
from services.order_confirm.service.reports.orders import Caller, OrderSearch, TargetFilter, search_orders
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


@router.get("/orders")
def orders_behind_a_figure(
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    received_from: BoundedDatetime,
    received_before: BoundedDatetime,
    tenant_id: int | None = None,
    operator_id: int | None = None,
    not_called: bool = False,
    caller: Caller = Caller.LAST,
    status: Annotated[list[str] | None, Query()] = None,
    close_reason: str | None = None,
    target: TargetFilter | None = None,
    external_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Drill-down: the orders a report figure counts (pass the row's `starts`/`ends` and its filters)."""
    if received_from.tzinfo is None or received_before.tzinfo is None:
        raise InvalidPeriod("`received_from` and `received_before` need a UTC offset, e.g. 2026-11-23T00:00:00+03:00.")
    search = OrderSearch(
        received_from, received_before, tenant_id, operator_id, not_called, caller,
        tuple(status or ()), close_reason, target, external_id, limit, offset,
    )  # fmt: skip
    return search_orders(session, scope, search, now=now)


@router.get("/{report}", response_model=None)
def get_report(
    report: ReportName,
    session: SessionDep,
    scope: CurrentScope,
    now: NowDep,
    first_day: Annotated[BoundedDate, Query(alias="from", description="First local day of the period")],
    last_day: Annotated[BoundedDate, Query(alias="to", description="Last local day of the period (inclusive)")],
    group_by: Grouping = Grouping.DAY,
    tenant_id: int | None = None,
    operator_id: int | None = None,
    tz: Annotated[str | None, Query(description="IANA timezone; default the tenant's")] = None,
    format: ExportFormat = ExportFormat.JSON,
) -> Any:
    request = ReportRequest(first_day, last_day, group_by, tenant_id, operator_id, tz)
    return rendered(build_report(session, scope, report, request, now=now), format)
