"""The orders behind a figure (drill-down), and the shop manager's read-only order search.

The same scope as the reports: an operator finds orders credited to them, a supervisor their team's and
the uncalled ones, a client manager and an admin every order of their tenants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from services.order_confirm.models import Customer, Operator, Order, Tenant
from services.order_confirm.service.reports.frame import operators_in_view, tenants_in_view
from services.order_confirm.service.reports.grouping import first_caller, last_caller
from services.order_confirm.service.reports.speed import target_seconds, waited_seconds
from services.order_confirm.service.reports.sql import seconds_between
from services.order_confirm.service.scope import Scope


class Caller(StrEnum):
    FIRST = "first"  # as in the speed report
    LAST = "last"  # as in the outcome, same-day reports


class TargetFilter(StrEnum):
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True)
class OrderSearch:
    received_from: datetime
    received_before: datetime
    tenant_id: int | None = None
    operator_id: int | None = None
    not_called: bool = False  # the "Not called yet" row of a by-operator report
    caller: Caller = Caller.LAST
    statuses: tuple[str, ...] = field(default_factory=tuple)
    close_reason: str | None = None
    target: TargetFilter | None = None
    external_id: str | None = None
    limit: int = 50
    offset: int = 0


def search_orders(session: Session, scope: Scope, search: OrderSearch, *, now: datetime) -> dict[str, Any]:
    tenants = tenants_in_view(session, scope, search.tenant_id)
    operator_ids, unattributed = operators_in_view(session, scope, search.operator_id)
    operator = (first_caller() if search.caller is Caller.FIRST else last_caller()).label("operator_id")
    conditions = [
        col(Order.tenant_id).in_([tenant.id for tenant in tenants]),
        col(Order.received_at) >= search.received_from,
        col(Order.received_at) < search.received_before,
    ]
    if operator_ids is not None:
        mine = operator.in_(operator_ids)
        conditions.append(or_(mine, operator.is_(None)) if unattributed else mine)
    if search.not_called:
        conditions.append(operator.is_(None))
    if search.statuses:
        conditions.append(col(Order.status).in_(search.statuses))
    if search.close_reason:
        conditions.append(col(Order.close_reason) == search.close_reason)
    if search.external_id:
        conditions.append(col(Order.external_id) == search.external_id)
    waited, target = waited_seconds(now), target_seconds(tenants)
    if search.target is TargetFilter.MET:
        conditions.append(and_(col(Order.first_attempt_at).isnot(None), waited <= target))
    elif search.target is TargetFilter.MISSED:
        conditions.append(waited > target)
    total = session.execute(select(func.count()).select_from(Order).where(*conditions)).scalar_one()
    page = session.execute(
        select(
            Order,
            col(Tenant.slug),
            col(Customer.name),
            seconds_between(Order.received_at, Order.first_attempt_at).label("wait"),
            operator,
        )
        .join(Tenant, col(Tenant.id) == col(Order.tenant_id))
        .join(Customer, col(Customer.id) == col(Order.customer_id))
        .where(*conditions)
        .order_by(col(Order.received_at), col(Order.id))
        .limit(search.limit)
        .offset(search.offset)
    ).all()
    names = _operator_names(session, {row.operator_id for row in page if row.operator_id is not None})
    return {"total": int(total), "items": [_item(row, names) for row in page]}


def _operator_names(session: Session, ids: set[int]) -> dict[int, str]:
    query = select(col(Operator.id), col(Operator.name)).where(col(Operator.id).in_(sorted(ids)))
    return {row[0]: row[1] for row in session.execute(query)}


def _item(row: Any, names: dict[int, str]) -> dict[str, Any]:
    order: Order = row[0]
    # Operator personal data stays inside: the shop sees whose call it was by name only.
    return {
        "id": order.id,
        "external_id": order.external_id,
        "tenant": row.slug,
        "customer_name": row.name,
        "status": order.status,
        "close_reason": order.close_reason,
        "received_at": order.received_at.isoformat(),
        "first_attempt_at": order.first_attempt_at.isoformat() if order.first_attempt_at else None,
        "wait_seconds": row.wait,
        "attempts": order.attempts_count,
        "total_minor": order.total_minor,
        "currency": order.currency,
        "operator": names.get(row.operator_id) if row.operator_id is not None else None,
    }
