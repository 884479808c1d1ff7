"""Reports for supervisors and the shop: SQL aggregates over orders and attempts, one module per report.

`build_report` is the one entry point the API, the exports and the daily report use, so every channel
shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from services.order_confirm.service.reports.arrivals import arrivals_report
from services.order_confirm.service.reports.frame import ReportFrame, ReportRequest, frame_for
from services.order_confirm.service.reports.handle_time import handle_time_report
from services.order_confirm.service.reports.outcomes import outcomes_report
from services.order_confirm.service.reports.phone import phone_report
from services.order_confirm.service.reports.quality import quality_report
from services.order_confirm.service.reports.same_day import same_day_report
from services.order_confirm.service.reports.speed import speed_report
from services.order_confirm.service.reports.table import ReportTable
from services.order_confirm.service.scope import Scope


class ReportName(StrEnum):
    SPEED = "speed"
    OUTCOMES = "outcomes"
    HANDLE_TIME = "handle_time"
    QUALITY = "quality"
    SAME_DAY = "same_day"
    ARRIVALS = "arrivals"
    PHONE = "phone"


Builder = Callable[[Session, Scope, ReportFrame, datetime], ReportTable]

BUILDERS: dict[ReportName, Builder] = {
    ReportName.SPEED: lambda session, scope, frame, now: speed_report(session, frame, now=now),
    ReportName.OUTCOMES: lambda session, scope, frame, now: outcomes_report(session, frame),
    ReportName.HANDLE_TIME: lambda session, scope, frame, now: handle_time_report(session, frame),
    ReportName.QUALITY: lambda session, scope, frame, now: quality_report(session, frame),
    ReportName.SAME_DAY: lambda session, scope, frame, now: same_day_report(session, frame),
    ReportName.ARRIVALS: lambda session, scope, frame, now: arrivals_report(session, scope, frame),
    ReportName.PHONE: lambda session, scope, frame, now: phone_report(session, frame),
}


def build_report(
    session: Session, scope: Scope, name: ReportName, request: ReportRequest, *, now: datetime
) -> ReportTable:
    frame = frame_for(session, scope, request)
    table = BUILDERS[name](session, scope, frame, now)
    table.meta.update(
        {
            "from": request.first_day.isoformat(),
            "to": request.last_day.isoformat(),
            "group_by": request.grouping.value,
            "timezone": str(frame.tz),
            "tenant_ids": frame.tenant_ids,
            "operator_id": request.operator_id,
        }
    )
    return table


__all__ = ["ReportName", "ReportRequest", "ReportTable", "build_report"]
