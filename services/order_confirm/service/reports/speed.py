"""Speed to first call: how long orders waited for it (median, p90) and the share within the tenant's target.

An order's wait ends at its first call. An order nobody called counts as a miss once its target passed
(the shop cancelling it first stops the clock); until then it is still in time and counts for neither side.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal
from sqlmodel import Session, col

from services.order_confirm.domain.service_level import ServiceLevelTarget, service_level_target, share
from services.order_confirm.domain.vocabulary import OrderStatus
from services.order_confirm.models import Order, Tenant
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.grouping import Facts, first_caller, labelled
from services.order_confirm.service.reports.sql import counted, epoch_seconds, percentiles, seconds_between
from services.order_confirm.service.reports.table import GROUP_COLUMNS, Column, Kind, ReportTable

COLUMNS = [
    *GROUP_COLUMNS,
    Column("orders", "Orders arrived", Kind.COUNT),
    Column("called", "Called", Kind.COUNT),
    Column("median_seconds", "Median wait, s", Kind.SECONDS),
    Column("p90_seconds", "90th percentile wait, s", Kind.SECONDS),
    Column("within_target", "Called within target", Kind.COUNT),
    Column("missed_target", "Missed target", Kind.COUNT),
    Column("service_level", "Service level", Kind.SHARE),
]


def targets(tenants: Iterable[Tenant]) -> dict[int, ServiceLevelTarget]:
    return {tenant.id: service_level_target(tenant.policy) for tenant in tenants if tenant.id is not None}


def target_seconds(tenants: Iterable[Tenant]) -> ColumnElement[int]:
    """Each order's own tenant's target, in seconds."""
    by_tenant = {tenant_id: target.within_seconds for tenant_id, target in targets(tenants).items()}
    if not by_tenant:
        return literal(0)
    return case(by_tenant, value=col(Order.tenant_id), else_=literal(0))


def waited_seconds(now: datetime) -> ColumnElement[int]:
    """Seconds from arrival until the first call, the shop's cancellation (if never called), or now."""
    shop_cancelled = and_(col(Order.status) == OrderStatus.CANCELLED_BY_SHOP.value, col(Order.closed_at).isnot(None))
    stopped = func.coalesce(
        epoch_seconds(Order.first_attempt_at),
        case((shop_cancelled, epoch_seconds(Order.closed_at))),
        literal(int(now.timestamp())),
    )
    return stopped - epoch_seconds(Order.received_at)


def speed_report(session: Session, frame: ReportFrame, *, now: datetime) -> ReportTable:
    facts = Facts(frame, col(Order.received_at), first_caller(), col(Order.tenant_id))
    called = col(Order.first_attempt_at).isnot(None)
    waited, target = waited_seconds(now), target_seconds(frame.tenants)
    query = facts.select(
        Order,
        func.count().label("orders"),
        counted(called).label("called"),
        counted(and_(called, waited <= target)).label("within_target"),
        counted(waited > target).label("missed_target"),
    )
    figures: dict[Any, dict[str, Any]] = {row.key: _figures(row) for row in session.execute(query)}
    waits = percentiles(
        session,
        facts.observations(Order, seconds_between(Order.received_at, Order.first_attempt_at), called),
        (0.5, 0.9),
    )
    for key, (median, p90) in waits.items():
        figures[key].update(median_seconds=_seconds(median), p90_seconds=_seconds(p90))
    meta = {
        "targets": {
            str(tenant_id): {"target_share": target.target_share, "within_seconds": target.within_seconds}
            for tenant_id, target in targets(frame.tenants).items()
        }
    }
    rows = labelled(session, frame, figures, lambda: _figures(None))
    return ReportTable("speed", "Speed to first call", COLUMNS, rows, meta)


def _figures(row: Any) -> dict[str, Any]:
    orders, called, met, missed = (row.orders, row.called, row.within_target, row.missed_target) if row else (0,) * 4
    return {
        "orders": int(orders),
        "called": int(called),
        "median_seconds": None,
        "p90_seconds": None,
        "within_target": int(met),
        "missed_target": int(missed),
        "service_level": share(int(met), int(met) + int(missed)),
    }


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
