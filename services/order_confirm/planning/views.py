"""The stored plan as planners read it: per interval the forecast, the actual arrivals so far, the required
and the planned operators; the latest run with its backtest; the same rows as CSV/XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from services.common.problems import Unprocessable
from services.order_confirm.domain.report_periods import local_midnight
from services.order_confirm.models import Tenant
from services.order_confirm.planning import history
from services.order_confirm.planning.domain.intervals import INTERVAL, Interval, intervals_of_days
from services.order_confirm.planning.models import PlanInterval, PlannedShift, PlanRun
from services.order_confirm.planning.shifts import times_of
from services.order_confirm.service.reports.table import Column, Kind, ReportTable

MAX_DAYS = 31
COLUMNS = [
    Column("starts_at", "Interval start (UTC)", Kind.TEXT),
    Column("local", "Local time", Kind.TEXT),
    Column("orders", "Orders forecast", Kind.NUMBER),
    Column("actual_orders", "Orders arrived", Kind.COUNT),
    Column("outbound_calls", "Calls to make", Kind.NUMBER),
    Column("inbound_calls", "Inbound calls forecast", Kind.NUMBER),
    Column("agents", "Operators on the phones", Kind.COUNT),
    Column("required", "Operators required (with shrinkage)", Kind.COUNT),
    Column("planned", "Operators planned", Kind.COUNT),
    Column("open_shifts", "Open shifts (no operator yet)", Kind.COUNT),
    Column("short", "Short", Kind.COUNT),
    Column("outbound_service_level", "Predicted speed to first call", Kind.SHARE),
    Column("inbound_service_level", "Predicted inbound service level", Kind.SHARE),
]


class InvalidPlanPeriod(Unprocessable):
    code, title = "invalid_plan_period", "The plan period is not valid"


def run_json(run: PlanRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "status": run.status,
        "requested_at": run.requested_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "first_day": run.first_day,
        "days": run.days,
        "error": run.error,
    }


NO_INBOUND = (
    "No inbound calls are on record yet: the inbound forecast is empty, so the plan staffs outbound calls only."
)


def inbound_state(session: Session, tenant_id: int) -> dict[str, Any]:
    """Said outright in every plan answer, so nobody reads an empty inbound forecast as "no calls expected"."""
    available = history.inbound_recorded(session, tenant_id)
    return {"available": available, "message": None if available else NO_INBOUND}


def latest_runs(session: Session, tenant_id: int) -> tuple[PlanRun | None, PlanRun | None]:
    """(the newest run of any status, the newest finished one)."""
    newest = session.exec(
        select(PlanRun).where(PlanRun.tenant_id == tenant_id).order_by(col(PlanRun.id).desc())
    ).first()
    ready = session.exec(
        select(PlanRun)
        .where(PlanRun.tenant_id == tenant_id, PlanRun.status == "ready")
        .order_by(col(PlanRun.id).desc())
    ).first()
    return newest, ready


def plan_rows(session: Session, tenant: Tenant, first_day: date, days: int, now: datetime) -> list[dict[str, Any]]:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidPlanPeriod(f"`days` is 1 to {MAX_DAYS}.")
    assert tenant.id is not None
    tz = ZoneInfo(tenant.timezone)
    start, end = local_midnight(first_day, tz), local_midnight(first_day + timedelta(days=days), tz)
    stored = {
        row.starts_at: row
        for row in session.exec(
            select(PlanInterval).where(
                PlanInterval.tenant_id == tenant.id,
                col(PlanInterval.starts_at) >= start,
                col(PlanInterval.starts_at) < end,
            )
        )
    }
    shifts = session.exec(
        select(PlannedShift).where(
            PlannedShift.tenant_id == tenant.id, col(PlannedShift.ends_at) > start, col(PlannedShift.starts_at) < end
        )
    ).all()
    actual = history.actual_orders(session, tenant.id, first_day, days, tz)
    rows = []
    for n, interval in enumerate(intervals_of_days(first_day, days)):
        rows.append(_row(interval, tz, stored, shifts, actual[n], now))
    return rows


def _row(
    interval: Interval,
    tz: ZoneInfo,
    stored: dict[datetime, PlanInterval],
    shifts: Sequence[PlannedShift],
    actual: float,
    now: datetime,
) -> dict[str, Any]:
    starts_at = interval.starts_at(tz)
    middle = starts_at + INTERVAL / 2
    working = [s for s in shifts if times_of(s).working_at(middle)]
    planned = sum(1 for s in working if s.operator_id is not None)
    plan = stored.get(starts_at)
    required = plan.required if plan else None
    return {
        "starts_at": starts_at.isoformat(),
        "local": f"{interval.day.isoformat()} {interval.local_time.strftime('%H:%M')}",
        "orders": plan.orders if plan else None,
        "actual_orders": int(actual) if starts_at < now else None,
        "outbound_calls": plan.outbound_calls if plan else None,
        "inbound_calls": plan.inbound_calls if plan else None,
        "agents": plan.agents if plan else None,
        "required": required,
        "planned": planned,
        "open_shifts": len(working) - planned,
        "short": max(0, required - planned) if required is not None else None,
        "outbound_service_level": plan.outbound_service_level if plan else None,
        "inbound_service_level": plan.inbound_service_level if plan else None,
    }


def plan_table(tenant: Tenant, first_day: date, days: int, rows: list[dict[str, Any]]) -> ReportTable:
    last = first_day + timedelta(days=days - 1)
    meta = {"from": first_day.isoformat(), "to": last.isoformat(), "tenant": tenant.slug, "timezone": tenant.timezone}
    return ReportTable("plan", "Staffing plan", COLUMNS, rows, meta)
