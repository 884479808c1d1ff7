"""The supervisor's floor: who is on shift with how much work, how long each tenant's queue is, who waits
in the unassigned pool, who covers whom. (Reassigning a customer is service.customers.reassign_owner.)

A supervisor sees their team (and themselves) in the tenants they work for; an admin sees every operator of
their tenants. Queue figures count only tasks the caller may see (services.order_confirm.service.scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_
from sqlmodel import Session, col, select

from services.order_confirm.domain.vocabulary import Role, TaskStatus
from services.order_confirm.models import CoverRule, Customer, Operator, OperatorTenant, Order, Task, Tenant
from services.order_confirm.service.ownership import active_customer_counts
from services.order_confirm.service.scope import Scope, visible_customers, visible_tasks

POOL_SHOWN = 100
Counts = dict[int, int]


@dataclass(frozen=True)
class OperatorLoad:
    operator: Operator
    tenant_ids: list[int]
    active_customers: int
    open_tasks: int
    due_tasks: int
    in_call_order_id: int | None


@dataclass(frozen=True)
class TenantQueue:
    tenant: Tenant
    open_tasks: int
    due_tasks: int
    unassigned_customers: int
    oldest_waiting_order_id: int | None
    oldest_waiting_since: datetime | None


@dataclass(frozen=True)
class PoolEntry:
    customer: Customer
    open_orders: int
    waiting_since: datetime


@dataclass(frozen=True)
class Floor:
    operators: list[OperatorLoad]
    tenants: list[TenantQueue]
    pool: list[PoolEntry]
    covers: list[CoverRule]


def floor_of(session: Session, scope: Scope, now: datetime) -> Floor:
    return Floor(
        operators=_operator_loads(session, scope, now),
        tenants=_tenant_queues(session, scope, now),
        pool=_pool(session, scope),
        covers=list(
            session.exec(
                select(CoverRule)
                .where(col(CoverRule.tenant_id).in_(sorted(scope.tenant_ids)))
                .order_by(col(CoverRule.created_at))
            )
        ),
    )


def team_members(scope: Scope) -> ColumnElement[bool]:
    """The operators a supervisor leads (and the supervisor); every operator of an admin's tenants."""
    in_tenants = col(Operator.id).in_(
        select(OperatorTenant.operator_id).where(col(OperatorTenant.tenant_id).in_(sorted(scope.tenant_ids)))
    )
    if scope.role is Role.ADMIN:
        return in_tenants
    return in_tenants & or_(col(Operator.supervisor_id) == scope.operator_id, col(Operator.id) == scope.operator_id)


def _operator_loads(session: Session, scope: Scope, now: datetime) -> list[OperatorLoad]:
    operators = list(
        session.exec(
            select(Operator)
            .where(team_members(scope), col(Operator.active).is_(True), Operator.role != Role.CLIENT_MANAGER.value)
            .order_by(col(Operator.name), col(Operator.id))
        )
    )
    ids = [op.id for op in operators if op.id is not None]
    if not ids:
        return []
    tenants: dict[int, list[int]] = {}
    for operator_id, tenant_id in session.exec(
        select(OperatorTenant.operator_id, OperatorTenant.tenant_id).where(col(OperatorTenant.operator_id).in_(ids))
    ):
        if scope.has_tenant(tenant_id):
            tenants.setdefault(operator_id, []).append(tenant_id)
    open_tasks, due_tasks = _task_counts(session, scope, ids, now)
    in_call = {
        int(operator_id): int(order_id)
        for operator_id, order_id in session.exec(
            select(Task.lease_operator_id, Task.order_id).where(
                col(Task.lease_operator_id).in_(ids),
                col(Task.lease_expires_at) > now,
                Task.status == TaskStatus.OPEN.value,
                col(Task.order_id).is_not(None),
            )
        )
        if operator_id is not None and order_id is not None
    }
    loads = active_customer_counts(session, ids)
    return [
        OperatorLoad(
            operator=op,
            tenant_ids=sorted(tenants.get(op.id or 0, [])),
            active_customers=loads.get(op.id or 0, 0),
            open_tasks=open_tasks.get(op.id or 0, 0),
            due_tasks=due_tasks.get(op.id or 0, 0),
            in_call_order_id=in_call.get(op.id or 0),
        )
        for op in operators
    ]


def _task_counts(
    session: Session, scope: Scope, ids: list[int], now: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """Open and due tasks per assignee, in one pass."""
    query = (
        select(Task.assignee_id, func.count(), func.sum(case((col(Task.due_at) <= now, 1), else_=0)))
        .where(col(Task.assignee_id).in_(ids), Task.status == TaskStatus.OPEN.value, visible_tasks(scope))
        .group_by(col(Task.assignee_id))
    )
    open_tasks: dict[int, int] = {}
    due_tasks: dict[int, int] = {}
    for assignee, count, due in session.exec(query):
        if assignee is not None:
            open_tasks[int(assignee)], due_tasks[int(assignee)] = int(count), int(due or 0)
    return open_tasks, due_tasks


def _tenant_queues(session: Session, scope: Scope, now: datetime) -> list[TenantQueue]:
    tenants = list(
        session.exec(select(Tenant).where(col(Tenant.id).in_(sorted(scope.tenant_ids))).order_by(col(Tenant.name)))
    )
    open_filter = (Task.status == TaskStatus.OPEN.value, visible_tasks(scope))
    open_counts: dict[int, int] = {}
    due_counts: dict[int, int] = {}
    for tenant_id, count, due in session.exec(
        select(Task.tenant_id, func.count(), func.sum(case((col(Task.due_at) <= now, 1), else_=0)))
        .where(*open_filter)
        .group_by(col(Task.tenant_id))
    ):
        open_counts[int(tenant_id)], due_counts[int(tenant_id)] = int(count), int(due or 0)
    pool_counts = dict(
        session.exec(
            select(Customer.tenant_id, func.count(func.distinct(Customer.id)))
            .join(Order, col(Order.customer_id) == col(Customer.id))
            .where(visible_customers(scope), col(Customer.owner_id).is_(None), col(Order.closed_at).is_(None))
            .group_by(col(Customer.tenant_id))
        ).all()
    )
    return [
        TenantQueue(
            tenant=tenant,
            open_tasks=int(open_counts.get(tenant.id or 0, 0)),
            due_tasks=int(due_counts.get(tenant.id or 0, 0)),
            unassigned_customers=int(pool_counts.get(tenant.id or 0, 0)),
            oldest_waiting_order_id=oldest.id if (oldest := _oldest_waiting(session, scope, tenant)) else None,
            oldest_waiting_since=oldest.received_at if oldest else None,
        )
        for tenant in tenants
    ]


def _oldest_waiting(session: Session, scope: Scope, tenant: Tenant) -> Order | None:
    """The tenant's longest-waiting order that still has an open task (nobody has finished with it)."""
    waiting = select(Task.order_id).where(Task.tenant_id == tenant.id, Task.status == TaskStatus.OPEN.value)
    return session.exec(
        select(Order)
        .where(
            Order.tenant_id == tenant.id,
            col(Order.closed_at).is_(None),
            col(Order.id).in_(waiting),
            col(Order.customer_id).in_(select(Customer.id).where(visible_customers(scope))),
        )
        .order_by(col(Order.received_at), col(Order.id))
        .limit(1)
    ).first()


def _pool(session: Session, scope: Scope) -> list[PoolEntry]:
    query = (
        select(Customer, func.count(col(Order.id)), func.min(Order.received_at))
        .join(Order, col(Order.customer_id) == col(Customer.id))
        .where(visible_customers(scope), col(Customer.owner_id).is_(None), col(Order.closed_at).is_(None))
        .group_by(col(Customer.id))
        .order_by(func.min(Order.received_at), col(Customer.id))
        .limit(POOL_SHOWN)
    )
    return [PoolEntry(customer, int(count), since) for customer, count, since in session.exec(query)]
