"""Arrivals by hour of week (the staffing input): how many orders arrive on each local weekday and hour,
and the average per week over the period."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import Session, col

from services.common.problems import NotFound
from services.order_confirm.domain.report_periods import hour_of_week_buckets
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Order
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.sql import bucket_table
from services.order_confirm.service.reports.table import Column, Kind, ReportTable
from services.order_confirm.service.scope import Scope

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

COLUMNS = [
    Column("group", "Hour of week", Kind.TEXT),
    Column("group_id", "Hour of week (Mon 00:00 = 0)", Kind.TEXT),
    Column("weekday", "Weekday", Kind.TEXT),
    Column("hour", "Hour", Kind.COUNT),
    Column("orders", "Orders arrived", Kind.COUNT),
    Column("weeks", "Occurrences in period", Kind.COUNT),
    Column("orders_per_week", "Average orders", Kind.NUMBER),
]


def arrivals_report(session: Session, scope: Scope, frame: ReportFrame) -> ReportTable:
    # Arrivals are the tenant's traffic, not anyone's own figures: operators staff no shifts.
    if scope.role is Role.OPERATOR:
        raise NotFound("No such report.")
    request = frame.request
    hours = hour_of_week_buckets(request.first_day, request.last_day, frame.tz)
    periods = bucket_table(hours)
    received = col(Order.received_at)
    query = (
        select(periods.c.how, func.count().label("orders"))
        .select_from(Order)
        .join(periods, and_(received >= periods.c.starts, received < periods.c.ends))
        .where(received >= hours[0].start, received < hours[-1].end, frame.in_tenants(Order.tenant_id))
        .group_by(periods.c.how)
    )
    arrived: dict[int, int] = {int(row.how): int(row.orders) for row in session.execute(query)}
    occurrences = Counter(bucket.hour_of_week for bucket in hours)
    rows = [_row(how, arrived.get(how, 0), occurrences[how]) for how in range(7 * 24)]
    return ReportTable("arrivals", "Arrivals by hour of week", COLUMNS, rows, {"timezone": str(frame.tz)})


def _row(how: int, orders: int, weeks: int) -> dict[str, Any]:
    weekday, hour = WEEKDAYS[how // 24], how % 24
    return {
        "group": f"{weekday} {hour:02d}:00",
        "group_id": how,
        "weekday": weekday,
        "hour": hour,
        "orders": orders,
        "weeks": weeks,
        "orders_per_week": round(orders / weeks, 2) if weeks else None,
    }
