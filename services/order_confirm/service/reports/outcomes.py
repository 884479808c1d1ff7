"""Outcomes of the orders that arrived in the period: confirmed, changed, cancelled (by reason), unreachable,
cancelled by the shop; the confirmation rate, attempts per order and first-attempt resolution.

Rates are over orders the calls decided (confirmed, changed, cancelled, unreachable): a shop's own
cancellation and orders still in progress say nothing about the operators.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, col

from services.order_confirm.domain.reasons import CancelReason
from services.order_confirm.domain.service_level import share
from services.order_confirm.domain.vocabulary import OrderStatus as S
from services.order_confirm.models import Order
from services.order_confirm.service.reports.frame import ReportFrame
from services.order_confirm.service.reports.grouping import Facts, labelled, last_caller
from services.order_confirm.service.reports.sql import counted
from services.order_confirm.service.reports.table import GROUP_COLUMNS, Column, Kind, ReportTable

RESOLVED = (S.CONFIRMED, S.CONFIRMED_WITH_CHANGES, S.CANCELLED)
DECIDED = (*RESOLVED, S.UNREACHABLE)

COLUMNS = [
    *GROUP_COLUMNS,
    Column("orders", "Orders arrived", Kind.COUNT),
    Column("confirmed", "Confirmed", Kind.COUNT),
    Column("confirmed_with_changes", "Confirmed with changes", Kind.COUNT),
    Column("cancelled", "Cancelled by customer", Kind.COUNT),
    *(Column(f"cancelled.{reason.value}", f"Cancelled: {reason.value}", Kind.COUNT) for reason in CancelReason),
    Column("unreachable", "Unreachable", Kind.COUNT),
    Column("cancelled_by_shop", "Cancelled by shop", Kind.COUNT),
    Column("in_progress", "In progress", Kind.COUNT),
    Column("confirmation_rate", "Confirmation rate", Kind.SHARE),
    Column("attempts_per_order", "Attempts per decided order", Kind.NUMBER),
    Column("first_attempt_resolution", "Resolved on first attempt", Kind.SHARE),
]


def _status_is(*statuses: S) -> Any:
    return col(Order.status).in_([status.value for status in statuses])


def outcomes_report(session: Session, frame: ReportFrame) -> ReportTable:
    facts = Facts(frame, col(Order.received_at), last_caller(), col(Order.tenant_id))
    decided = _status_is(*DECIDED)
    query = facts.select(
        Order,
        func.count().label("orders"),
        *(counted(_status_is(status)).label(status.value) for status in S),
        counted(decided).label("decided"),
        func.coalesce(func.sum(case((decided, Order.attempts_count), else_=0)), 0).label("decided_attempts"),
        counted(and_(_status_is(*RESOLVED), col(Order.attempts_count) == 1)).label("first_attempt"),
    )
    figures: dict[Any, dict[str, Any]] = {row.key: _figures(row) for row in session.execute(query)}
    by_reason = facts.select(Order, func.count().label("n"), col(Order.close_reason).label("reason"))
    by_reason = by_reason.where(_status_is(S.CANCELLED)).group_by(col(Order.close_reason))
    for row in session.execute(by_reason):
        reason = row.reason if row.reason in CancelReason.__members__.values() else CancelReason.OTHER.value
        figures[row.key][f"cancelled.{reason}"] += int(row.n)
    rows = labelled(session, frame, figures, lambda: _figures(None))
    return ReportTable("outcomes", "Order outcomes", COLUMNS, rows)


def _figures(row: Any) -> dict[str, Any]:
    count = {status: int(getattr(row, status.value)) if row else 0 for status in S}
    decided = int(row.decided) if row else 0
    confirmed = count[S.CONFIRMED] + count[S.CONFIRMED_WITH_CHANGES]
    closed = sum(count[status] for status in (*DECIDED, S.CANCELLED_BY_SHOP))
    return {
        "orders": int(row.orders) if row else 0,
        "confirmed": count[S.CONFIRMED],
        "confirmed_with_changes": count[S.CONFIRMED_WITH_CHANGES],
        "cancelled": count[S.CANCELLED],
        **{f"cancelled.{reason.value}": 0 for reason in CancelReason},
        "unreachable": count[S.UNREACHABLE],
        "cancelled_by_shop": count[S.CANCELLED_BY_SHOP],
        "in_progress": (int(row.orders) if row else 0) - closed,
        "confirmation_rate": share(confirmed, decided),
        "attempts_per_order": round(int(row.decided_attempts) / decided, 2) if row and decided else None,
        "first_attempt_resolution": share(int(row.first_attempt) if row else 0, decided),
    }
