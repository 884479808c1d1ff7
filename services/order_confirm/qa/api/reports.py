"""QA reports: `GET /api/v1/qa/tenants/{tenant_id}/reports/{report}` as JSON, CSV or XLSX, like the other
reports. The shop's client manager reads its tenant's; a supervisor their team's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.bounds import BoundedDate
from services.order_confirm.api.deps import CurrentScope, QueryId, SessionDep
from services.order_confirm.api.reports import ExportFormat, rendered
from services.order_confirm.qa.api.common import NOT_FOUND, PREFIX, TenantId
from services.order_confirm.qa.service.access import READERS, operators_visible, tenant_for
from services.order_confirm.qa.service.reports import QaGrouping, QaReportName, QaReportRequest, build

router = APIRouter(prefix=PREFIX, tags=["qa"])
EXAMPLE = {
    "report": "qa_quality",
    "title": "Quality against the target",
    "columns": [{"key": "score", "title": "Quality, %", "kind": "number"}],
    "rows": [
        {
            "group": "Anna",
            "group_id": "7",
            "evaluations": 5,
            "score": 91.5,
            "target": 95,
            "vs_target": -3.5,
            "critical_errors": 0,
            "critical_error_rate": 0.0,
            "below_threshold": 1,
            "csat_count": 12,
            "csat_average": 4.58,
            "nps_count": 11,
            "nps": 63.6,
        }
    ],
    "from": "2026-11-30",
    "to": "2026-12-06",
    "group_by": "operator",
    "timezone": "Europe/Moscow",
    "tenant_id": 1,
    "operator_id": None,
    "target": 95,
}


@router.get(
    "/reports/{report}",
    response_model=None,
    responses={
        **NOT_FOUND,
        200: {
            "description": "The report (JSON), or its CSV / XLSX download with `format`",
            "content": {"application/json": {"example": EXAMPLE}},
        },
        422: {"description": "Bad period (`invalid_report_period`) or parameter"},
    },
)
def get_qa_report(
    tenant_id: TenantId,
    report: QaReportName,
    session: SessionDep,
    scope: CurrentScope,
    first_day: Annotated[BoundedDate, Query(alias="from", description="First local day of the calls")],
    last_day: Annotated[BoundedDate, Query(alias="to", description="Last local day (inclusive), at most 366 days")],
    group_by: QaGrouping = QaGrouping.OPERATOR,
    operator_id: QueryId | None = None,
    format: ExportFormat = ExportFormat.JSON,
) -> Any:
    """quality (vs target, critical-error rate, beside CSAT/NPS), criteria (failed most), plan (done vs the
    sample), disputes (and their outcome). Calls are counted by their own local day."""
    tenant = tenant_for(session, scope, tenant_id, READERS)
    request = QaReportRequest(first_day, last_day, group_by, operator_id)
    return rendered(build(session, tenant, report, request, operators_visible(session, scope)), format)
